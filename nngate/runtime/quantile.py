"""The suite's one q1: a baseline's score, a re-measurement, an A/B slot and a round-robin slot all
mean the same by it."""

from __future__ import annotations

from collections.abc import Iterable


def q1(times: Iterable[float]) -> float:
    """The first quartile of `times` exactly as pytest-benchmark's Stats.q1 computes it."""
    from pytest_benchmark.stats import Stats  # only where a q1 is taken: a side process never needs it

    stats = Stats()
    for seconds in times:
        stats.update(seconds)
    return stats.q1
