"""One scheduler for side processes at the same benchmark, asked in turn for slots of timed calls:
the gate's A/B lockstep (two sides, `Lockstep`) and the history's round robin (one side per commit,
`RoundRobin`). Both size a slot with one formula (`slot_calls`).

At each benchmark both sides prepare and warm up in parallel, then say they are ready (AT) and wait.
The scheduler asks each side in turn for a slot of timed calls, strictly alternating (A B A B ...),
the other side idle meanwhile; each side's first slot of a benchmark is a warm-up, not counted. Then
pairs until they span a window of MIN_WINDOW_SECONDS and the paired rule (nngate.gate.pairing)
decides, or the cap. Strictly: every slot follows a slot of the other side, so neither side ever
runs right after itself with its own data still in the caches. The order this replaced (A B, B A, A
B, ...) gave the base two such warm slots in the first four pairs and the working tree one, a bias
where a slot is one call (BERT's and ResNet18's train steps): in one unchanged run, BERT's train
step came out at 1.121 in both of its process pairs. Why slots and not whole processes: a neighbour
on the same core slows everything for spells of a fraction of a second to seconds, so two processes
timed a minute apart disagree on unchanged code, while two slots moments apart see the same spell
and their ratio cancels it (docs/gate.md, has the measurements).

A side is anything with a channel that speaks nngate.probe.protocol: a side process in real
runs, a scripted fake in the unit tests.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from nngate import schema
from nngate.probe import protocol
from nngate.runtime.processes import SideError
from nngate.runtime.quantile import q1

SLOT_SECONDS = 0.05  # short, so both slots of a pair fall in the same spell of a neighbour's load
# A process pair's ratio is the median of its slot pairs; for small calls four pairs span 0.4 s, and the
# same prepared case timed against itself in one process gave such windows up to 1.361 (4 of 100 beyond
# 10%, MLP bs1, AMD EPYC Zen 3): the window's own noise, read as a process pair's offset. Windows of 12
# pairs (1.2 s) gave 0.981-1.019 (docs/evidence/process-modes.md). Slots of long calls fill it at four.
MIN_WINDOW_SECONDS = 1.2
MAX_SLOT_CALLS = 10_000
SIDE_SILENCE_SECONDS = 1800  # a side that says nothing for this long is stuck


def slot_time(times: list[float]) -> float:
    """A slot's time: the q1 of its call times, so that calls an interrupt slowed do not count."""
    return q1(times)


@dataclass
class PairedTimes:
    """Each pair's slot times of one benchmark: (working tree, base), in the order timed."""

    pairs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [tree / base for tree, base in self.pairs]


def slot_calls(call_seconds: float) -> int:
    """How many calls of `call_seconds` each fill one slot of SLOT_SECONDS (at least one)."""
    return max(1, min(MAX_SLOT_CALLS, math.ceil(SLOT_SECONDS / max(call_seconds, 1e-9))))


def window_pairs(slot_seconds: float, max_pairs: int) -> int:
    """The fewest slot pairs of `slot_seconds` each whose alternating slots span MIN_WINDOW_SECONDS, at
    most `max_pairs`: before that, the paired rule is not asked."""
    return max(1, min(max_pairs, math.ceil(MIN_WINDOW_SECONDS / (2 * max(slot_seconds, 1e-9)))))


class Waiting(NamedTuple):
    """Where a side waits: the benchmark it is ready at, and one call's seconds there (a slot's size)."""

    name: str
    call_seconds: float


@dataclass(eq=False)
class Side:
    """The gate's end of one side's channel, and where that side is in the selection."""

    label: str  # "working tree" or "base revision SHA"
    channel: object  # a multiprocessing Connection, or a fake with poll, send, recv and close
    at: Waiting | None = None  # the benchmark it waits at, None while it runs one
    ran: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # per benchmark: its ops and kernels
    exited: bool = False
    reached: int = 0  # benchmarks it was ready at

    def _receive(self, *expected: str) -> tuple:
        if not self.channel.poll(SIDE_SILENCE_SECONDS):
            raise SideError(f"the {self.label} said nothing for {SIDE_SILENCE_SECONDS} s")
        try:
            return protocol.receive(self.channel, *expected)
        except protocol.ProtocolError as error:
            raise SideError(f"the {self.label} broke the {error}") from None

    def wait_until_ready(self) -> None:
        """Until it waits at a benchmark, or has exited (its selection done, or it failed)."""
        if self.at is None and not self.exited:
            try:
                _, name, seconds, ops, kernels = self._receive(protocol.AT)
            except (EOFError, OSError):
                self.exited = True
                return
            self.at, self.ran[name] = Waiting(name, seconds), {schema.OPS: ops, schema.KERNELS: kernels}
            self.reached += 1

    def slot(self, calls: int) -> float:
        protocol.send(self.channel, protocol.SLOT, calls)
        return slot_time(self._receive(protocol.TIMES)[1])

    def release(self) -> None:
        """On to its next benchmark."""
        self.at = None
        try:
            protocol.send(self.channel, protocol.NEXT)
        except OSError:
            self.exited = True

    def why_it_stopped(self) -> str:
        """One line on how the side ended, for an error message."""
        return "it closed its channel"

    def had_none(self) -> bool:
        """Whether the side ended cleanly without any of the benchmarks (its checkout lacks them all),
        rather than failing; a scripted side cannot tell."""
        return False


@dataclass
class Lockstep:
    """The A/B lockstep: the working tree and the base revision, in turn, until `decided` (the gate's
    paired rule, nngate.gate.pairing) says a benchmark's pair ratios so far decide it, or `max_pairs`."""

    max_pairs: int
    decided: Callable[[str, list[float]], bool]  # (benchmark, pair ratios so far): enough pairs?

    def run(self, tree: Side, base: Side, names: list[str]) -> dict[str, PairedTimes]:
        """Both sides through the selection `names`, paired slots at each benchmark both reach;
        a benchmark only one side reaches is passed over. SideError when no benchmark was paired, unless
        the base revision ended cleanly with none of them (a commit that adds them: each is new)."""
        order = {name: index for index, name in enumerate(names)}
        paired: dict[str, PairedTimes] = {}
        while True:
            tree.wait_until_ready()
            base.wait_until_ready()
            if tree.at is None and base.at is None:
                break
            if tree.at and base.at and tree.at.name == base.at.name:
                self.pairs(tree, base, paired.setdefault(tree.at.name, PairedTimes()))
                tree.release()
                base.release()
            else:  # the other side lacks it (absent, skipped, failed) or has exited: this one goes on
                waiting = [side for side in (tree, base) if side.at]
                min(waiting, key=lambda side: order.get(side.at.name, -1)).release()
        if not paired and tree.reached and base.reached == 0 and base.had_none():
            return paired
        if not paired:
            failed = base if base.reached == 0 or tree.reached else tree
            raise SideError(f"the {failed.label} timed no benchmark ({failed.why_it_stopped()})")
        return paired

    def pairs(self, tree: Side, base: Side, paired: PairedTimes) -> None:
        """Slot pairs of one benchmark, the working tree's slot then the base's, until they span the
        window (`window_pairs`) and the rule decides, or the cap."""
        calls = {side: slot_calls(side.at.call_seconds) for side in (tree, base)}
        least = window_pairs(max(calls[side] * side.at.call_seconds for side in calls), self.max_pairs)
        try:  # a slot each first, not counted: a side's first calls after waiting run slower (docs/gate.md)
            tree.slot(calls[tree])
            base.slot(calls[base])
        except (EOFError, OSError):
            return
        for _ in range(self.max_pairs):
            try:
                seconds = {side: side.slot(calls[side]) for side in (tree, base)}
            except (EOFError, OSError):  # a side failed inside its slot: what was paired stands
                return
            paired.pairs.append((seconds[tree], seconds[base]))
            if len(paired.pairs) >= least and self.decided(tree.at.name, paired.ratios):
                return


# The history's round robin: the lockstep widened from two sides to one per commit. Every side that has
# the benchmark prepares and warms up in parallel, says it is ready and waits; then each is asked in turn
# for a slot (A B C ... A B C ...), for `slots` rounds after one uncounted warm-up slot each. Commits
# timed one after another, minutes apart, disagree on unchanged code (docs/history.md); slots of every
# commit moments apart see the same spells of a neighbour's load. No side ever runs right after itself.
DEFAULT_SLOTS = 20  # counted slots per side and benchmark


@dataclass
class RoundRobin:
    slots: int = DEFAULT_SLOTS

    def run(self, sides: list[Side], names: list[str]) -> dict[str, dict[str, list[float]]]:
        """Every side through the selection `names`; per benchmark, each side's (by label) slot times,
        seconds per call. The sides at the earliest benchmark of `names` are timed together; a side
        that lacks it waits at its next one, and a side that has exited is done."""
        order = {name: index for index, name in enumerate(names)}
        slot_times: dict[str, dict[str, list[float]]] = {}
        while True:
            for side in sides:
                side.wait_until_ready()
            waiting = [side for side in sides if side.at]
            if not waiting:
                return slot_times
            first = min(order.get(side.at.name, -1) for side in waiting)
            here = [side for side in waiting if order.get(side.at.name, -1) == first]
            self.rounds(here, slot_times.setdefault(here[0].at.name, {}))
            for side in here:
                side.release()

    def rounds(self, sides: list[Side], times: dict[str, list[float]]) -> None:
        """A warm-up slot each, then `slots` rounds of a slot each, in the same order every round. A
        side that fails inside a slot drops out; what it timed before stands."""
        calls = slot_calls(statistics.median(side.at.call_seconds for side in sides))
        playing = list(sides)
        for round_number in range(self.slots + 1):
            for side in list(playing):
                try:
                    seconds = side.slot(calls)
                except (EOFError, OSError):
                    playing.remove(side)
                    continue
                if round_number:  # the first slot of each side is its warm-up
                    times.setdefault(side.label, []).append(seconds)
