"""Which benchmarks the gate counts under callgrind: where a count pays for itself (pure).

A count resolves a change of 1% whatever the neighbours do; timing on a shared 2-vCPU machine resolves
about 5% for a large body and much less for a small call, whose processes sit apart by up to 30%
(docs: "Instruction counts", "What counting costs"). A count costs its body's time under callgrind:
with the ISA capped, some 40 times the native time per call, plus the warm-up. So:

  * a body whose call takes at most MAX_COUNTED_CALL_SECONDS natively (its timed q1) is counted:
    its count takes seconds, and it is where timing cannot resolve a small change;
  * a slower body is timed only: its count would take minutes (BERT-base's train step: over three),
    and its timing resolves a slowdown near the threshold (process spreads of 2.3-7.2% measured for
    ResNet18 and BERT on AMD EPYC Zen 3, 30 process pairs each); where its measured spread is wider
    than the threshold, the reason says so, and A/B mode widens its limit to it.

The choice is recorded in every benchmark's extra_info (`instructions_counting`) and printed in the
verdict table's instructions column.
"""

from __future__ import annotations

from dataclasses import dataclass

from nngate import schema
from nngate.gate.instructions import COUNTED_CALLS, METHOD, Counted

MAX_COUNTED_CALL_SECONDS = 0.025  # ~1 s a call under callgrind; every MNIST/SST-2 body is under 20 ms here
CALLGRIND_SLOWDOWN = 40  # a call under callgrind with the ISA capped, against native (ResNet18 bs1: 66 ms, 2.7 s)
COUNTED = "counted"


@dataclass(frozen=True)
class CountingChoice:
    counted: bool
    why: str  # "counted", or "timed only: ..." with the figures it was decided by


def choose(call_seconds: float | None, spread: float | None, threshold: float) -> CountingChoice:
    """Count a body that is cheap under callgrind; time a slow one only, saying why in figures."""
    if call_seconds is None or call_seconds <= MAX_COUNTED_CALL_SECONDS:
        return CountingChoice(True, COUNTED)
    cost = f"{call_seconds * 1e3:.0f} ms a call, ~{call_seconds * CALLGRIND_SLOWDOWN:.0f} s under callgrind"
    if spread is None:
        return CountingChoice(False, f"timed only: {cost}")
    if spread <= threshold:
        return CountingChoice(False, f"timed only: spread {spread:.1%} resolves {threshold:.0%} ({cost})")
    return CountingChoice(False, f"timed only: {cost}, though its process spread is {spread:.1%}")


BASELINE_HAS_NO_COUNT = CountingChoice(False, "timed only: the baseline has no count taken this way")


def choices(
    call_seconds: dict[str, float | None],
    spreads: dict[str, float],
    threshold: float,
    comparable: set[str] | None = None,
) -> dict[str, CountingChoice]:
    """Each benchmark's choice, from its native call time and its measured process spread (where known);
    where `comparable` names the benchmarks the other side has a count of, no other is counted."""
    chosen = {name: choose(seconds, spreads.get(name), threshold) for name, seconds in call_seconds.items()}
    if comparable is not None:
        chosen = {
            name: BASELINE_HAS_NO_COUNT if choice.counted and name not in comparable else choice
            for name, choice in chosen.items()
        }
    return chosen


def comparable(baseline: dict[str, dict], method: str) -> set[str]:
    """The benchmarks whose baseline entry holds a count taken by `method`: a count of anything else
    would be compared with nothing, and is not worth its minutes."""
    return {
        name
        for name, entry in baseline.items()
        if isinstance(entry, dict)
        and entry.get(schema.INSTRUCTIONS)
        and entry.get(schema.INSTRUCTIONS_METHOD) == method
    }


def summary_lines(counting: dict[str, CountingChoice], sides: list[Counted], benchmarks: int) -> list[str]:
    """The summary's lines on counting: those the baseline had no count of, then each side's counting run
    (`benchmarks`: how many were timed)."""
    unmatched = sum(choice == BASELINE_HAS_NO_COUNT for choice in counting.values())
    timed_only = sum(not choice.counted for choice in counting.values()) - unmatched
    lines = (
        [
            f"instructions: {unmatched} benchmark(s) not counted: the baseline has no count of them taken this "
            f"way ({METHOD}); record one with nngate record-baseline --instructions"
        ]
        if unmatched
        else []
    )
    for side in sides:
        lines.append(
            f"instructions: {len(side.per_call)} of {benchmarks} benchmarks counted under callgrind in the "
            f"{side.label}, {side.seconds:.0f} s (median of {COUNTED_CALLS} calls after a warm-up, "
            "1 if slow; allocator left out, 1 thread, ISA capped at SSE4)"
            + (f"; {side.cached} of them from the cache of an earlier run" if side.cached else "")
            + (f"; {timed_only} timed only (a call over {MAX_COUNTED_CALL_SECONDS * 1e3:.0f} ms)" if timed_only else "")
            + (f"; {side.problem}" if side.problem else "")
        )
    return lines
