"""Confirming suspects: a re-measurement replaces the recorded scores only where it judges better."""
from __future__ import annotations

import pytest

from models import confirmation, gate

BASELINE = {gate.SCORE: 1.0, gate.TIME: 0.001, gate.PRESSURE: 1.0}


def measured(score: float, pressure: float) -> dict:
    return {gate.SCORE: score, gate.TIME: score / 1000, gate.PRESSURE: pressure}


@pytest.mark.parametrize("first, again, kept", [
    (measured(1.3, 1.0), measured(1.2, 1.0), measured(1.2, 1.0)),  # a lower score under the same pressure
    (measured(1.2, 1.0), measured(1.3, 1.0), measured(1.2, 1.0)),  # a worse one is dropped
    (measured(1.3, 1.0), measured(1.35, 1.4), measured(1.35, 1.4)),  # slower, but under more memory pressure
    (measured(1.3, 1.4), measured(1.3, 1.0), measured(1.3, 1.4)),  # same score, less excuse: the first stands
])
def test_keep_best_keeps_the_measurement_with_the_lowest_margin(first, again, kept):
    info = dict(first)
    confirmation.keep_best(info, again, BASELINE, 0.10)
    assert info == kept
    assert gate.margin(BASELINE, info, 0.10) == min(gate.margin(BASELINE, first, 0.10), gate.margin(BASELINE, again, 0.10))
