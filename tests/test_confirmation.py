"""Confirming suspects: a re-measurement replaces the recorded scores only where it judges better."""

from __future__ import annotations

import pytest

from nngate import schema
from nngate.gate import confirmation, rules

BASELINE = {schema.GATE_SCORE: 1.0, schema.GATE_SECONDS: 0.001, schema.MEMORY_PRESSURE: 1.0}


def measured(score: float, pressure: float) -> dict:
    return {schema.GATE_SCORE: score, schema.GATE_SECONDS: score / 1000, schema.MEMORY_PRESSURE: pressure}


@pytest.mark.parametrize(
    "first, again, kept, ratio_over_limit",
    [
        (measured(1.3, 1.0), measured(1.2, 1.0), measured(1.2, 1.0), 1.2 / 1.1),  # a lower score, both quiet
        (measured(1.2, 1.0), measured(1.3, 1.0), measured(1.2, 1.0), 1.2 / 1.1),  # a worse one is dropped
        (measured(1.3, 1.0), measured(1.35, 1.4), measured(1.3, 1.0), 1.3 / 1.1),  # quiet beats excused pressure
        (measured(1.3, 1.4), measured(1.3, 1.0), measured(1.3, 1.0), 1.3 / 1.1),  # a quiet re-measurement replaces
        (measured(1.5, 1.4), measured(1.45, 1.3), measured(1.5, 1.4), 1.5 / 1.54),  # both under pressure: lower stands
    ],
)
def test_keep_best_prefers_quiet_then_the_lowest_ratio_over_limit(first, again, kept, ratio_over_limit):
    info = dict(first)
    confirmation.keep_best(info, again, BASELINE, 0.10)
    assert info == kept
    assert rules.ratio_over_limit(BASELINE, info, 0.10) == pytest.approx(ratio_over_limit)
