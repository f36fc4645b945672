"""`history show`: each series in commit order with its change points, as text, as Markdown (for CI
summaries) and as a PNG per series with the change points marked."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from nngate.history.series import Series

SHORT_SHA = 12


def _short(name: str) -> str:
    return name.rsplit("::", 1)[-1]


def _change_text(series: Series, index: int) -> str:
    for change in series.changes:
        if change.index == index:
            before = series.points[index - 1].commit[:SHORT_SHA]
            return (
                f"change {before}..{series.points[index].commit[:SHORT_SHA]}: {change.before * 1e3:.4g} -> "
                f"{change.after * 1e3:.4g} ms ({change.change:+.1%}), p = {change.p_value:.2g}"
            )
    return ""


def _rows(series: Series) -> list[tuple[str, str, str, str, str, str]]:
    """(commit, committed, q1 ms, level ms, runs, change) per point."""
    return [
        (
            point.commit[:SHORT_SHA] + ("+dirty" if point.dirty else ""),
            (point.commit_time or "-")[:19],
            f"{statistics.median(point.scores) * 1e3:.4g}",
            f"{level * 1e3:.4g}",
            str(len(point.scores)),
            _change_text(series, index),
        )
        for index, (point, level) in enumerate(zip(series.points, series.levels, strict=True))
    ]


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _title(series: Series) -> str:
    samples = sum(len(point.scores) for point in series.points)
    counts = ", ".join(
        (
            _counted(len(series.points), "commit"),
            _counted(samples, "sample"),
            _counted(len(series.changes), "change point"),
        )
    )
    return f"{_short(series.name)} on {series.machine} [{series.machine_key}]: {counts}"


# level: what change points compare, the commit's geometric mean less each backfill round robin's offset
# (the median moves with the round robins a commit was timed in; without any, the two differ little)
HEADER = ("commit", "committed", "q1 ms (median)", "level ms", "samples", "")


def as_text(all_series: list[Series]) -> list[str]:
    lines = []
    for series in all_series:
        rows = [HEADER, *_rows(series)]
        widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
        lines += ["", _title(series)]
        lines += [
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
    return lines


def as_markdown(all_series: list[Series]) -> list[str]:
    lines = []
    for series in all_series:
        lines += [
            "",
            f"### {_title(series)}",
            "",
            "| " + " | ".join(HEADER[:-1]) + " | change |",
            "|---|---|---:|---:|---:|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in _rows(series)]
    return lines


def write_plots(all_series: list[Series], folder: Path) -> list[Path]:
    """One PNG per series: every run's score at its commit, the commits' levels joined, each change point
    a vertical line between the last commit before it and the first after."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for series in all_series:
        figure, axes = plt.subplots(figsize=(8, 3.5))
        for index, point in enumerate(series.points):
            axes.scatter([index] * len(point.scores), [s * 1e3 for s in point.scores], s=12, color="tab:blue")
        axes.plot([level * 1e3 for level in series.levels], color="tab:orange", label="level")
        for change in series.changes:
            axes.axvline(change.index - 0.5, color="tab:red", linestyle="--", label=f"{change.change:+.1%}")
        axes.set_xticks(range(len(series.points)), [p.commit[:7] for p in series.points], rotation=60, fontsize=7)
        axes.set_ylabel("q1 ms")
        axes.set_title(f"{_short(series.name)} on {series.machine}", fontsize=9)
        axes.legend(fontsize=7)
        figure.tight_layout()
        path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", _short(series.name)) + f"-{series.machine_key}.png")
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written
