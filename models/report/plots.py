"""The report's PNG plots: latency and throughput against batch size, and accuracy against cost."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI machines
from matplotlib import pyplot as plt  # noqa: E402

from models import schema  # noqa: E402


def _finish(axes) -> None:
    """Legend outside the axes, so no line is hidden behind it."""
    axes.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes.grid(True, which="both", alpha=0.3)


def _style(label: str) -> dict:
    return {"marker": "o", "linestyle": "--" if label.endswith("train") else "-"}


def _save(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _batch_series(rows) -> dict[str, list]:
    """Per architecture, options and mode, the rows ordered by batch size (one line each)."""
    series: dict[str, list] = {}
    for row in rows:
        options = " ".join(f"{key}={value}" for key, value in sorted(row.varied.items()))
        series.setdefault(" ".join(filter(None, (row.architecture, options, row.mode))), []).append(row)
    # A config timed at one batch size only (the option sweeps) is a point, not a line: left out.
    return {label: sorted(members, key=lambda r: r.batch_size) for label, members in sorted(series.items())
            if len({r.batch_size for r in members}) > 1 or not members[0].varied}


def write_plots(rows, folder: Path) -> list[Path]:
    paths = []
    series = _batch_series(rows)
    if series:
        for name, value, ylabel in (("latency_vs_batch_size", lambda r: r.median_seconds * 1e3, "median time (ms)"),
                                    ("throughput_vs_batch_size", lambda r: r.items_per_second, "items per second")):
            figure, axes = plt.subplots(figsize=(8.5, 4.5))
            for label, members in series.items():
                axes.plot([r.batch_size for r in members], [value(r) for r in members], label=label, **_style(label))
            axes.set(xscale="log", yscale="log", xlabel="batch size", ylabel=ylabel,
                     title=ylabel.capitalize() + " by batch size (train: dashed)")
            _finish(axes)
            paths.append(_save(figure, folder / f"{name}.png"))
        figure, axes = plt.subplots(figsize=(8.5, 4.5))
        for label, members in series.items():
            axes.plot([r.items_per_second for r in members], [r.median_seconds * 1e3 for r in members],
                      label=label, **_style(label))
            for r in members:
                axes.annotate(f"bs{r.batch_size}", (r.items_per_second, r.median_seconds * 1e3), fontsize=7)
        axes.set(xscale="log", yscale="log", xlabel="throughput (items/s)", ylabel="latency (ms)",
                 title="Latency against throughput")
        _finish(axes)
        paths.append(_save(figure, folder / "latency_vs_throughput.png"))
    # One point per trained config: its smallest timed batch (batch 1 where the sweep has it).
    smallest: dict[int, object] = {}
    for row in rows:
        if row.training and row.mode == "inference":
            known = smallest.get(id(row.training))
            smallest[id(row.training)] = row if known is None or row.batch_size < known.batch_size else known
    trained = list(smallest.values())
    if trained:
        for name, value, xlabel in (("accuracy_vs_macs", lambda r: r.extra[schema.MACS] / r.batch_size, "MACs per example"),
                                    ("accuracy_vs_inference_time", lambda r: r.median_seconds * 1e3,
                                     "inference time of the batch (ms)")):
            figure, axes = plt.subplots(figsize=(7, 4.5))
            for row in trained:
                axes.scatter(value(row), row.training["accuracy"])
                label = " ".join([row.architecture, *(f"{k}={v}" for k, v in sorted(row.varied.items())),
                                  f"bs{row.batch_size}"])
                axes.annotate(label, (value(row), row.training["accuracy"]), fontsize=7)
            axes.set(xscale="log", xlabel=xlabel, ylabel="accuracy", title=f"Accuracy against {xlabel}")
            axes.grid(True, alpha=0.3)
            paths.append(_save(figure, folder / f"{name}.png"))
    return paths
