"""The lab reports from result JSON (read by nngate.results).

tables    Markdown tables per sweep, training runs, layers, BERT's first-block GEMMs
plots     latency and throughput by batch size, accuracy against cost
document  the report file that puts them together
"""
