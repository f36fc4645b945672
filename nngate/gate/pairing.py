"""The paired rule of A/B mode: from each pair's ratio of slot times, a verdict. Pure maths.

A pair is one slot of timed calls on each side, moments apart on the same CPU; its ratio is the
working tree's slot time over the base's, a slot's time being the q1 of its call times (the
suite's one q1, nngate.runtime.quantile.q1). Per benchmark, with L = 1 + threshold and the lower and
upper quartiles of the pair ratios:
  * after MIN_PAIRS pairs: regression when the lower quartile is over L (three quarters of the
    pairs over the limit), faster when the upper quartile is under 1 / L, ok when both quartiles
    lie within [1 / L, L];
  * otherwise another pair, up to the cap; at the cap, the median decides: regression over L,
    faster under 1 / L.
The quartiles of the ratios are Python's "inclusive" ones (statistics.quantiles): with four pairs
the lower quartile is over L exactly when three of the four are, which is the rule as stated.
What this rule gave on unchanged and on slowed code is in the docs/gate.md.
"""

from __future__ import annotations

import statistics

from nngate.schema import Verdict

MIN_PAIRS = 4


def pair_quartiles(ratios: list[float]) -> tuple[float, float]:
    """The lower and upper quartiles of the pair ratios (module docstring)."""
    if len(ratios) == 1:
        return ratios[0], ratios[0]
    lower, _, upper = statistics.quantiles(ratios, n=4, method="inclusive")
    return lower, upper


def decide(ratios: list[float], threshold: float, max_pairs: int) -> Verdict | None:
    """The paired rule (module docstring): ok, faster, regression, or None (undecided)."""
    limit, n = 1 + threshold, len(ratios)
    if not ratios:
        return None
    if n >= min(MIN_PAIRS, max_pairs):
        lower, upper = pair_quartiles(ratios)
        if lower > limit:
            return Verdict.REGRESSION
        if upper < 1 / limit:
            return Verdict.FASTER
        if 1 / limit <= lower and upper <= limit:
            return Verdict.OK
    if n >= max_pairs:
        median = statistics.median(ratios)
        return Verdict.REGRESSION if median > limit else Verdict.FASTER if median < 1 / limit else Verdict.OK
    return None
