"""The rule over process pairs in A/B mode: from each process pair's ratio, a verdict. Pure maths.

Two fresh processes of identical code can sit a steady few percent apart for their whole life
(memory layout, page placement, allocator state, code alignment), and the slot pairs inside one
process pair cannot see it: they all share the offset (docs/gate.md, "A/B mode"). A process
pair's window of slots has noise of its own besides (nngate.runtime.scheduler.MIN_WINDOW_SECONDS).
So an A/B run starts several independent process pairs, each timing the benchmarks still
undecided, and a process pair's ratio (the median of its slot-pair ratios, nngate.gate.pairing) is
one sample of the change plus an offset. With A = a benchmark's allowed slowdown (the threshold, or
its measured process spread where that is larger: nngate.gate.spread) and L = 1 + A:

  * one process pair settles a benchmark as ok when its ratio lies within [1 / S, S], with
    S = 1 + A x SETTLE_FRACTION: unchanged code lands there most of the time, and a change the
    size of the limit does not;
  * otherwise the verdict is the median of the cap's process pairs, decided as soon as it is
    certain: regression once a majority of the cap (3 of 5) is over L, faster once a majority is
    under 1 / L, ok once a majority is not over L and a majority not under 1 / L;
  * at an even cap that leaves it open, the low median decides a regression and the high one
    faster (of two process pairs, both must agree).

A regression thus holds in a majority of the cap's independent process pairs, so the one or two
that sat apart from the others are outvoted. Measured: with a cap of 3 (two of three), 1 of 8
unchanged runs failed on MLP's train step, process pairs 0.956 1.059 1.114 (docs/evidence/gate.md).
"""

from __future__ import annotations

import statistics

from nngate.schema import Verdict

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
    settle = 1 + allowed * SETTLE_FRACTION
    if n == 1 and 1 / settle <= ratios[0] <= settle:
        return Verdict.OK
    majority = max_processes // 2 + 1
    over = sum(ratio > limit for ratio in ratios)
    under = sum(ratio < 1 / limit for ratio in ratios)
    if over >= majority:
        return Verdict.REGRESSION
    if under >= majority:
        return Verdict.FASTER
    if n - over >= majority and n - under >= majority:
        return Verdict.OK
    return by_median(ratios, limit) if n >= max_processes else None


def spread_of(ratio: float) -> float:
    """How far a ratio of unchanged code sits from 1, either way: 1.05 and 1 / 1.05 are both 0.05."""
    return max(ratio, 1 / ratio) - 1
