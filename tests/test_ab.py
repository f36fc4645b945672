"""The A/B paired rule: when a benchmark is decided, and which way; literal expected verdicts.
Quartiles of the ratios are Python's "inclusive" ones (statistics.quantiles), as nngate.gate.pairing
computes them; a slot's time is the suite's one q1, pytest-benchmark's."""

from __future__ import annotations

import pytest

from nngate.gate.pairing import decide
from nngate.runtime.scheduler import slot_time


@pytest.mark.parametrize(
    "ratios, expected",
    [
        ([], None),
        ([1.02], None),  # one pair decides nothing
        ([1.02, 0.98, 1.00], None),  # nor do three
        ([1.02, 0.98, 1.00, 1.01], "ok"),  # four pairs, upper quartile within the limit
        ([0.85, 0.88, 0.86, 0.87], "faster"),  # upper quartile 0.8725 below 1 / 1.1 = 0.909
        ([0.88, 0.96, 0.93, 0.91], None),  # lower quartile 0.9025 straddles 0.909: another pair
        ([0.88, 0.96, 0.93, 0.91, 0.92, 0.94], "ok"),  # quartiles 0.9125 and 0.9375
        ([0.78, 0.93, 0.69, 1.07, 0.80, 0.95], "faster"),  # at the cap: median 0.865
        ([1.15, 1.20, 1.18, 1.16], "regression"),  # every pair over the limit
        ([1.15, 1.05, 1.18, 1.20], "regression"),  # three of four over: lower quartile 1.125
        ([1.15, 1.02, 1.18, 1.00], None),  # quartiles 1.015 and 1.1575 straddle the limit: another pair
        ([1.15, 1.02, 1.18, 1.00, 1.16, 1.17], "regression"),  # at the cap: median 1.155 over the limit
        ([1.02, 1.12, 0.99, 1.11, 1.03, 1.15], "ok"),  # at the cap: median 1.07
        ([1.00, 1.01, 0.99, 1.58, 1.02, 0.66], "ok"),  # a pair that straddled a neighbour's spell moves nothing
    ],
)
def test_paired_rule(ratios, expected):
    assert decide(ratios, threshold=0.10, max_pairs=6) == expected


def test_a_cap_below_the_minimum_decides_at_the_cap():
    assert decide([1.15, 1.05], threshold=0.10, max_pairs=2) == "ok"  # quartiles straddle; median 1.10 is not over
    assert decide([1.15, 1.25], threshold=0.10, max_pairs=2) == "regression"  # lower quartile 1.175


def test_a_slot_is_the_q1_of_its_call_times_as_pytest_benchmark_computes_it():
    from pytest_benchmark.stats import Stats

    assert slot_time([0.3, 0.1]) == 0.1  # two calls: the faster
    assert slot_time([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(1.75)  # 0.25 x 1 + 0.75 x 2: slow calls do not count
    times = [0.5, 0.2, 0.9, 0.4, 0.3, 0.6]
    stats = Stats()
    for seconds in times:
        stats.update(seconds)
    assert slot_time(times) == stats.q1  # the same q1 a stored baseline's score is
