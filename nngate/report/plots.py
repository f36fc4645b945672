"""The report's PNG plots: batch-size scaling per model, accuracy against cost per task, and the
SST-2 grid's FLOPs against time. Every point is named in a legend beside the axes (never an
annotation that could overlap another), and each plot says the batch size its times are at."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only: no display on CI machines
from matplotlib import pyplot as plt  # noqa: E402

from nngate import schema  # noqa: E402
from nngate.report.tables import option_text  # noqa: E402
from nngate.workloads import get_workload  # noqa: E402

TASK_TITLES = {"mnist": "MNIST", "sst2": "SST-2", "qa": "question answering"}
MARKERS = "osD^v<>Pp*hX"


def _save(figure, path: Path) -> Path:
    figure.savefig(path, dpi=110, bbox_inches="tight")  # "tight": legends beside the axes are kept whole
    plt.close(figure)
    return path


def _options(row) -> str:
    """`hidden=1024,128 kernel=3`: the options a row varies, written as on the command line."""
    return " ".join(f"{key}={option_text(value)}" for key, value in sorted(row.varied.items())) or "defaults"


def _batch_series(rows) -> dict[str, dict[str, list]]:
    """architecture -> line label (mode, and options other than the defaults) -> its rows by batch
    size; a config timed at one batch size only (an option sweep's point) is no line."""
    series: dict[str, dict[str, list]] = {}
    for row in rows:
        label = row.mode if not row.varied else f"{row.mode} {_options(row)}"
        series.setdefault(row.architecture, {}).setdefault(label, []).append(row)
    lines = {
        arch: {
            label: sorted(members, key=lambda r: r.batch_size)
            for label, members in sorted(labels.items())
            if len({r.batch_size for r in members}) > 1
        }
        for arch, labels in sorted(series.items())
    }
    return {arch: labels for arch, labels in lines.items() if labels}


def _scaling_figure(series: dict, value, ylabel: str, path: Path) -> Path:
    """One panel per model, each with its own scale, so a model's gain is not flattened by another's."""
    columns = min(3, len(series))
    figure, panels = plt.subplots(
        math.ceil(len(series) / columns),
        columns,
        squeeze=False,
        figsize=(4.2 * columns, 3.4 * math.ceil(len(series) / columns)),
    )
    for axes, (arch, modes) in zip(panels.flat, series.items(), strict=False):  # a grid may have spare axes
        for label, members in modes.items():
            axes.plot(
                [r.batch_size for r in members],
                [value(r) for r in members],
                marker="o",
                linestyle="--" if label.startswith("train") else "-",
                label=label,
            )
        axes.set(xscale="log", xlabel="batch size", ylabel=ylabel, title=arch)
        axes.set_ylim(bottom=0)  # from zero: a 15% gain drawn as a cliff misleads
        axes.set_xticks(sorted({r.batch_size for members in modes.values() for r in members}))
        axes.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axes.grid(True, alpha=0.3)
        axes.legend(
            fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, frameon=False
        )  # below: never over a line
    for axes in list(panels.flat)[len(series) :]:
        axes.set_visible(False)
    figure.suptitle(f"{ylabel.capitalize()} by batch size (train step: dashed)")
    figure.tight_layout()
    return _save(figure, path)


def _legend_scatter(
    points: list[tuple[float, float, str]], xlabel: str, ylabel: str, title: str, path: Path, xscale: str = "log"
) -> Path:
    figure, axes = plt.subplots(figsize=(7.5, 4.5))
    for index, (x, y, label) in enumerate(points):
        axes.scatter(x, y, marker=MARKERS[index % len(MARKERS)], s=36, label=label)
    axes.set(xscale=xscale, xlabel=xlabel, ylabel=ylabel, title=title)
    if xscale == "log":  # plain numbers at 1, 2, 5 per decade, not 2x10^-1
        axes.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        axes.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axes.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), ncol=2 if len(points) > 14 else 1)
    return _save(figure, path)


def _flops_per_example(row) -> float:
    return row.extra[schema.FLOPS] / row.batch_size


def _batches(rows) -> str:
    sizes = sorted({row.batch_size for row in rows})
    return "batch size " + ", ".join(map(str, sizes))


def write_plots(rows, folder: Path) -> list[Path]:
    paths = []
    series = _batch_series(rows)
    if series:
        paths.append(
            _scaling_figure(
                series, lambda r: r.median_seconds * 1e3, "median time (ms)", folder / "latency_vs_batch_size.png"
            )
        )
        paths.append(
            _scaling_figure(
                series, lambda r: r.items_per_second, "items per second", folder / "throughput_vs_batch_size.png"
            )
        )
    # Accuracy per task, each architecture at one batch size: the one most of its trained configs
    # were timed (and trained) at, i.e. its option sweeps' batch size.
    trained = [row for row in rows if row.training and row.mode == "inference"]
    for task in sorted({get_workload(row.architecture).task for row in trained}):
        mine = []
        for arch in sorted({row.architecture for row in trained if get_workload(row.architecture).task == task}):
            theirs = [row for row in trained if row.architecture == arch]
            sizes = [row.batch_size for row in theirs]
            batch = max(set(sizes), key=lambda size: (sizes.count(size), size))
            mine += sorted((row for row in theirs if row.batch_size == batch), key=_options)
        where = f"{TASK_TITLES.get(task, task)}, inference at batch size " + ", ".join(
            f"{batch} ({arch})" for arch, batch in dict((r.architecture, r.batch_size) for r in mine).items()
        )
        labels = [f"{row.architecture} {_options(row)}" for row in mine]
        paths.append(
            _legend_scatter(
                [
                    (_flops_per_example(r), r.training[schema.ACCURACY], label)
                    for r, label in zip(mine, labels, strict=True)
                ],
                "forward FLOPs per example",
                "accuracy (held-out)",
                f"Accuracy against FLOPs\n({where})",
                folder / f"accuracy_vs_flops_{task}.png",
            )
        )
        paths.append(
            _legend_scatter(
                [
                    (r.median_seconds * 1e3, r.training[schema.ACCURACY], label)
                    for r, label in zip(mine, labels, strict=True)
                ],
                "inference time of one batch (ms)",
                "accuracy (held-out)",
                f"Accuracy against time\n({where})",
                folder / f"accuracy_vs_inference_time_{task}.png",
            )
        )
    grid = sorted(
        (
            row
            for row in rows
            if row.architecture == "bow_mlp"
            and row.mode == "inference"
            and (
                row.varied
                or any(r.varied and r.batch_size == row.batch_size for r in rows if r.architecture == "bow_mlp")
            )
        ),
        key=lambda r: (r.config["layers"], r.config["hidden"], r.config["vocab"]),
    )
    if len(grid) > 1:
        paths.append(
            _legend_scatter(
                [
                    (
                        _flops_per_example(r),
                        r.median_seconds * 1e3,
                        f"layers={r.config['layers']} hidden={r.config['hidden']} vocab={r.config['vocab']}",
                    )
                    for r in grid
                ],
                "forward FLOPs per example",
                "inference time of one batch (ms)",
                f"SST-2 bag-of-words grid: FLOPs against time ({_batches(grid)})",
                folder / "sst2_flops_vs_time.png",
            )
        )
    return paths
