"""The backfill's round robin: the lockstep (models.gate.scheduler) widened from two sides to one per
commit. At each benchmark every side that has it prepares and warms up in parallel, says it is
ready, and waits; then each is asked in turn for a slot of timed calls (A B C ... A B C ...), the
others idle, for `slots` rounds after one uncounted warm-up slot each.

Why: a neighbour on the same core slows everything for spells of a fraction of a second to
seconds, so commits timed one after another, minutes apart, disagree on unchanged code (the first
backfill of the constructed history, README "History", put changes where there were none); slots
of every commit moments apart see the same spells, and each commit's statistics over its slots are
comparable with the others'. In a round every side runs right after another, never after itself.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from models.gate.scheduler import MAX_SLOT_CALLS, SLOT_SECONDS, Side

DEFAULT_SLOTS = 20  # counted slots per side and benchmark


@dataclass
class RoundRobin:
    slots: int = DEFAULT_SLOTS

    def run(self, sides: list[Side], names: list[str]) -> dict[str, dict[str, list[float]]]:
        """Every side through the selection `names`; per benchmark, each side's (by label) slot times,
        seconds per call. The sides at the earliest benchmark of `names` are timed together; a side
        that lacks it waits at its next one, and a side that has exited is done."""
        order = {name: index for index, name in enumerate(names)}
        timed: dict[str, dict[str, list[float]]] = {}
        while True:
            for side in sides:
                side.wait_until_ready()
            waiting = [side for side in sides if side.at]
            if not waiting:
                return timed
            first = min(order.get(side.at[0], -1) for side in waiting)
            here = [side for side in waiting if order.get(side.at[0], -1) == first]
            self.rounds(here, timed.setdefault(here[0].at[0], {}))
            for side in here:
                side.release()

    def rounds(self, sides: list[Side], times: dict[str, list[float]]) -> None:
        """A warm-up slot each, then `slots` rounds of a slot each, in the same order every round. A
        side that fails inside a slot drops out; what it timed before stands."""
        calls = max(
            1, min(MAX_SLOT_CALLS, math.ceil(SLOT_SECONDS / max(statistics.median(s.at[1] for s in sides), 1e-9)))
        )
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
