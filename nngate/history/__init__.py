"""Every run remembered: a store of results per machine and commit (store), filled from
pytest-benchmark documents (documents: `pytest bench --history`, `history import`), read back as
series in commit order with their change points (series, changes, show)."""
