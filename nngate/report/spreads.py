"""How far each figure of the report moves between fresh processes, and which move more than the gate's threshold.

A figure's spread across processes is the largest distance of one process's figure from the median
of all of them, either way (1.3x and 1/1.3x are both 30%): the same measure as the gate's process
spread. The report takes it from the results themselves where they hold several processes of a
benchmark (results.merged_processes), else from the spread `nngate measure-spread` recorded for the
machine that timed it (.benchmarks/spreads.json in the current folder), else it says it has none.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from nngate.gate.process_pairs import spread_of
from nngate.gate.spread import entry_for, load_recorded, spreads_file
from nngate.results import MACHINE, ResultRow


@dataclass(frozen=True)
class FigureSpread:
    fraction: float  # 0.3: one process sat 1.3x (or 1/1.3x) from the median of them all
    source: str  # where it comes from: "5 processes", or "measure-spread on this CPU" (its process pairs' spread)


def recorded_spreads(folder: Path | None = None) -> list[dict]:
    """The machines' spreads recorded in `folder` (default: the current one); [] where none are."""
    return load_recorded(spreads_file(folder or Path.cwd()))


def figure_spread(row: ResultRow, recorded: list[dict]) -> FigureSpread | None:
    if len(row.processes) >= 2:
        middle = statistics.median(row.processes)
        widest = max(spread_of(value / middle) for value in row.processes)
        return FigureSpread(widest, f"{len(row.processes)} processes")
    entry = entry_for(row.context.get(MACHINE), recorded)
    if entry and row.node_id in entry["spreads"]:
        return FigureSpread(float(entry["spreads"][row.node_id]), "measure-spread on this CPU")
    return None


def spread_cell(spread: FigureSpread | None) -> str:
    return f"{spread.fraction:.1%} ({spread.source})" if spread else "one process: not known"


def spread_notes(rows: list[ResultRow], recorded: list[dict], threshold: float) -> list[str]:
    """One line per figure that moves more than `threshold` between processes, widest first."""
    spreads = [(row, spread) for row in rows if (spread := figure_spread(row, recorded))]
    over = sorted((pair for pair in spreads if pair[1].fraction > threshold), key=lambda pair: -pair[1].fraction)
    return [f"{row.name}: {row.median_seconds * 1e3:.3f} ms, {spread_cell(spread)}" for row, spread in over]
