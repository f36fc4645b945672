"""The architectures: a typed config per model (reasons for each default inline), its builder, and
the registry that names them. `geometry` holds the window arithmetic that configs and counting share.
"""
