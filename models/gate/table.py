"""The gate's verdict table, as the terminal summary prints it."""
from __future__ import annotations

from pathlib import Path

from models import schema
from models.gate.rules import Verdict

HEADER = ("benchmark", "baseline", "now", "ratio", "verdict", "limit")


def _milliseconds(info: dict | None) -> str:
    return f"{info[schema.GATE_SECONDS] * 1e3:.3f}" if info and info.get(schema.GATE_SECONDS) else "-"


def render(verdicts: list[Verdict], baseline_path: Path, threshold: float) -> str:
    """q1 round times in ms, the ratio of reference-normalized scores, the verdict, and each
    benchmark's limit (the ratio above which it is a regression); a summary line last."""
    rows = [(v.name.split("::")[-1], _milliseconds(v.baseline), _milliseconds(v.now),
             f"{v.ratio:.3f}" if v.ratio else "-", v.verdict, f"{v.limit:.3f}") for v in verdicts]
    widths = [max(len(cell) for cell in column) for column in zip(HEADER, *rows)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in (HEADER, *rows)]
    failed = sum(v.verdict == "regression" for v in verdicts)
    lines.append(f"gate: {failed} regression(s) of {len(verdicts)} benchmarks against {baseline_path} "
                 f"(baseline, now: q1 round time in ms; ratio: change of q1 time / reference-product time; "
                 f"limit: the ratio that fails, threshold +{threshold:.0%} or the baseline's process noise, "
                 f"times any rise in memory pressure)")
    return "\n".join(lines)
