"""The regression gate: a verdict per benchmark against a baseline, and an exit status.

    machine       the identity of the machine: what a baseline must match
    baselines     finding, loading and merging baseline files (pytest-benchmark JSON)
    rules         scores, limits and verdicts (pure)
    table         the verdict table
    confirmation  re-measuring suspects in this process and in fresh ones
    processes     a fresh pytest process and its JSON
    session       the gate's typed state over one pytest run
"""
