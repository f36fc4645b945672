"""Each benchmark's measured process spread, and from it its allowed slowdown in A/B mode.

A benchmark's process spread is how far the ratio of one process pair of unchanged code sat from 1,
the largest seen over many process pairs on one machine (`nngate measure-spread` times them
and writes `.benchmarks/spreads.json`). Its allowed slowdown is the larger of the threshold and that spread: a
benchmark whose processes sit apart by more than the threshold cannot be judged at the threshold,
and the table says so rather than cry wolf.

The spreads are evidence about one machine, like a baseline: on a machine with the same
fingerprint's machine part, its own; on any other, the widest recorded on any machine, and the
summary says which it used. A benchmark never measured gets the spread the gate assumes
(--gate-unmeasured-spread) where it is wider than the threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nngate.gate.process_pairs import spread_of
from nngate.gate.rules import widened
from nngate.runtime.machine import Fingerprint


def spreads_file(rootdir: Path) -> Path:
    """Where a repository keeps its machines' spreads: beside its baselines, committed with them."""
    return rootdir / ".benchmarks" / "spreads.json"


@dataclass(frozen=True)
class Spreads:
    """The spreads the gate uses on this machine, and where they came from (one line)."""

    by_name: dict[str, float] = field(default_factory=dict)  # node id -> process spread
    source: str = "no process spreads recorded"
    unmeasured: float = 0.0  # the spread assumed for a benchmark not in by_name (--gate-unmeasured-spread)

    def allowed(self, name: str, threshold: float) -> float:
        """The slowdown benchmark `name` may show: the threshold, or its spread (measured, else
        assumed) where larger."""
        return widened(threshold, self.by_name.get(name, self.unmeasured))

    def why_wider(self, name: str, threshold: float) -> str | None:
        """Why a benchmark's limit is wider than the threshold, or None where it is not."""
        if name not in self.by_name:
            return f"no process spread measured: {self.unmeasured:.1%} assumed" if self.unmeasured > threshold else None
        spread = self.by_name[name]
        return f"process spread {spread:.1%}" if spread > threshold else None


def load_recorded(path: Path) -> list[dict]:
    """The recorded machines' entries; [] where the file is missing or unreadable (the threshold
    alone then applies, and the summary says so)."""
    try:
        machines = json.loads(path.read_text()).get("machines", [])
    except (OSError, ValueError, AttributeError):
        return []
    return [entry for entry in machines if isinstance(entry, dict) and isinstance(entry.get("spreads"), dict)]


def entry_for(machine: dict | None, recorded: list[dict]) -> dict | None:
    """The recorded entry of exactly this machine part (a fingerprint's, as a dict), or None."""
    return next((entry for entry in recorded if machine and entry.get("machine") == machine), None)


def spreads_for(machine: Fingerprint, recorded: list[dict]) -> Spreads:
    """This machine's own spreads where recorded, else the widest of every recorded machine."""
    if entry := entry_for(asdict(machine.machine), recorded):
        return Spreads(dict(entry["spreads"]), f"process spreads measured on this machine ({entry.get('about', '')})")
    if not recorded:
        return Spreads()
    widest: dict[str, float] = {}
    for entry in recorded:
        for name, spread in entry["spreads"].items():
            widest[name] = max(widest.get(name, 0.0), float(spread))
    named = ", ".join(str(entry.get("machine", {}).get("cpu_model", "?")) for entry in recorded)
    return Spreads(widest, f"process spreads not measured on this machine: the widest of those measured on {named}")


RATIOS = "ratios"  # an entry's key beside "spreads": each benchmark's process pairs' ratios, every measurement's
TAIL_SHARE = 0.05  # one process pair in twenty may sit beyond a spread: the rule over process pairs answers one


def spread_from(ratios: list[float]) -> float:
    """The distance from 1 (either way) that all but one process pair in twenty stay within, by
    nearest rank: the widest pair where there are fewer than twenty. Not the widest of all: the
    widest of a heavy tail only grows with the pairs measured, and a gate whose limits grow with
    its evidence goes blind."""
    distances = sorted(spread_of(ratio) for ratio in ratios)
    return distances[math.ceil((1 - TAIL_SHARE) * len(distances)) - 1]


def accumulated(earlier: dict | None, ratios: dict[str, list[float]]) -> tuple[dict[str, float], dict[str, list]]:
    """A new measurement's `ratios` joined to this machine's `earlier` entry: the spreads of all the
    ratios recorded, and those ratios. An earlier spread recorded without its ratios (files from
    before they were kept) still bounds its benchmark's from below."""
    earlier = earlier or {}
    kept = earlier.get(RATIOS) if isinstance(earlier.get(RATIOS), dict) else {}
    joined = {name: [*kept.get(name, []), *values] for name, values in ratios.items()}
    joined.update({name: list(values) for name, values in kept.items() if name not in joined})
    spreads = {name: round(spread_from(values), 4) for name, values in joined.items() if values}
    for name, spread in (earlier.get("spreads") or {}).items():
        if name not in kept:
            spreads[name] = max(spreads.get(name, 0.0), float(spread))
    return spreads, joined


def with_machine(
    recorded: list[dict], machine: Fingerprint, spreads: dict[str, float], about: str, ratios: dict | None = None
) -> list[dict]:
    """`recorded` with this machine's entry replaced by (or added as) `spreads` (and their `ratios`)."""
    here = asdict(machine.machine)
    kept = [entry for entry in recorded if entry.get("machine") != here]
    entry = {"machine": here, "about": about, "spreads": dict(sorted(spreads.items()))}
    return [*kept, {**entry, **({RATIOS: dict(sorted(ratios.items()))} if ratios else {})}]
