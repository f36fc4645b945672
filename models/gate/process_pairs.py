"""The rule over process pairs in A/B mode: from each process pair's ratio, a verdict. Pure maths.

Two fresh processes of identical code can sit a steady few percent apart for their whole life
(memory layout, page placement, allocator state, code alignment), and the slot pairs inside one
process pair cannot see it: they all share the offset (README, "A/B mode"). So an A/B run starts
several independent process pairs, each timing the benchmarks still undecided, and a process
pair's ratio (the median of its slot-pair ratios, models.gate.pairing) is one sample of the change
plus an offset. With A = a benchmark's allowed slowdown (the threshold, or its measured process
spread where that is larger: models.gate.spread) and L = 1 + A:

  * one process pair settles a benchmark as ok when its ratio lies within [1 / S, S], with
    S = 1 + A x SETTLE_FRACTION: unchanged code lands there most of the time, and a change the
    size of the limit does not;
  * from two process pairs on: regression when every process pair's ratio is over L, faster when
    every one is under 1 / L, ok when every one lies within [1 / L, L];
  * at the cap, the median of the process pairs' ratios decides (the low median for a regression,
    the high one for faster: of two process pairs, both must agree).

A regression thus always holds in at least two independent process pairs, and one process pair
that sat apart from the others is outvoted at the cap.
"""

from __future__ import annotations

import statistics

from models.schema import Verdict

SETTLE_FRACTION = 0.5  # one process pair within half the allowed slowdown settles a benchmark as ok


def by_median(ratios: list[float], limit: float) -> Verdict:
    """Regression when the low median is over `limit`, faster when the high median is under 1 / limit:
    with two process pairs, both must agree; with three, two."""
    if statistics.median_low(ratios) > limit:
        return Verdict.REGRESSION
    return Verdict.FASTER if statistics.median_high(ratios) < 1 / limit else Verdict.OK


def decide_over_processes(ratios: list[float], allowed: float, max_processes: int) -> Verdict | None:
    """The rule over process pairs (module docstring): a verdict, or None for another process pair."""
    limit, n = 1 + allowed, len(ratios)
    if n == 0:
        return None
    if n == 1:
        settle = 1 + allowed * SETTLE_FRACTION
        if 1 / settle <= ratios[0] <= settle:
            return Verdict.OK
    else:
        if all(ratio > limit for ratio in ratios):
            return Verdict.REGRESSION
        if all(ratio < 1 / limit for ratio in ratios):
            return Verdict.FASTER
        if all(1 / limit <= ratio <= limit for ratio in ratios):
            return Verdict.OK
    return by_median(ratios, limit) if n >= max_processes else None


def spread_of(ratio: float) -> float:
    """How far a ratio of unchanged code sits from 1, either way: 1.05 and 1 / 1.05 are both 0.05."""
    return max(ratio, 1 / ratio) - 1
