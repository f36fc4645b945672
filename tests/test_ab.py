"""The A/B paired rule: when a benchmark is decided, and which way; literal expected verdicts."""
from __future__ import annotations

import pytest

from models.gate.ab import decide


@pytest.mark.parametrize("ratios, expected", [
    ([], None),
    ([1.02], None),  # one pair decides nothing
    ([1.02, 0.98], "ok"),  # two pairs within the limit
    ([0.85, 0.88], "faster"),  # median below 1 / 1.1
    ([0.88, 0.96], "ok"),  # median 0.92 is not below 1 / 1.1 = 0.909
    ([1.15, 1.20], None),  # two pairs over the limit are not yet a regression
    ([1.15, 1.20, 1.18], "regression"),  # three are
    ([1.15, 1.05, 1.18], None),  # mixed: another pair
    ([1.15, 1.05, 1.18, 1.12, 1.16], "regression"),  # at the cap: median 1.15 over the limit, every pair slower
    ([1.15, 0.98, 1.18, 1.12, 1.16], "ok"),  # at the cap, one pair faster: not a regression
    ([1.02, 1.12, 0.99, 1.11, 1.03], "ok"),  # at the cap, median 1.03
])
def test_paired_rule(ratios, expected):
    assert decide(ratios, threshold=0.10, max_pairs=5) == expected


def test_a_lower_cap_decides_sooner():
    assert decide([1.15, 1.05], threshold=0.10, max_pairs=2) == "ok"  # median 1.10 is not over 1.10
    assert decide([1.15, 1.25], threshold=0.10, max_pairs=2) == "regression"
