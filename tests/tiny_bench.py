"""A tiny benchmark file that pytester runs with our plugin, and helpers around it: the tests of our
pytest options and of the gate's runs (tests/test_plugin.py, tests/test_gate_runs.py) share them."""

from __future__ import annotations

BENCH_FILE = """
import pytest

import models  # the suite's own workloads, declared on import
from nngate.harness.cases import Case

@pytest.mark.parametrize("hidden", ["8", "16"])
def test_tiny(hidden, measure):
    measure(Case("mlp", 2, (("hidden", hidden),)), "inference")
"""
FAST = ["-p", "nngate.plugin", "--benchmark-min-rounds=3", "--benchmark-max-time=0.01"]


def saved_baseline(bench, passed: int = 2):
    result = bench.runpytest(*FAST, "--benchmark-save=baseline")
    result.assert_outcomes(passed=passed)
    (path,) = (bench.path / ".benchmarks").glob("*/0001_baseline.json")
    return path
