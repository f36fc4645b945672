"""The roofline plot: every benchmark a point (arithmetic intensity, achieved FLOP/s), one marker
per variant and one colour per architecture, under the two roofs of the machine that timed it:
peak FLOP/s per dtype (flat) and memory bandwidth (the slope)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # files only: no display on CI machines
from matplotlib import pyplot as plt  # noqa: E402

from nngate import schema  # noqa: E402
from nngate.results import PEAK_FIGURES  # noqa: E402

VARIANT_MARKERS = {"eager": "o", "channels_last": "s", "compile": "^", "cudagraph": "D"}
ROOF_STYLES = ("-", "--", ":", "-.")  # one per CPU model (a second machine's roofs)


def _peaks_per_cpu(rows) -> list[tuple[str, dict]]:
    """(CPU, peaks) per CPU model among the rows' runs: of several runs on one CPU, each figure's
    highest, since a run's peak is a lower bound of what the machine can do."""
    merged: dict[str, dict] = {}
    for row in rows:
        peaks = row.context.get(PEAK_FIGURES)
        if not isinstance(peaks, dict) or not peaks.get(schema.PEAK_BANDWIDTH):
            continue
        mine = merged.setdefault(str(row.context.get("CPU") or "?"), {schema.PEAK_FLOPS: {}})
        for dtype, value in peaks.get(schema.PEAK_FLOPS, {}).items():
            mine[schema.PEAK_FLOPS][dtype] = max(value, mine[schema.PEAK_FLOPS].get(dtype, 0))
        for key in (schema.PEAK_BANDWIDTH, schema.PEAK_CACHE_BANDWIDTH):
            if peaks.get(key):
                mine[key] = max(peaks[key], mine.get(key) or 0)
    return sorted(merged.items())


def _roofs(axes, style: str, cpu: str, peaks: dict, dtypes: set[str], span: tuple[float, float]) -> None:
    """A machine's roofs: per dtype among the points, the flat peak joined to main memory's slope
    (solid) and to the cache's (dotted), each labelled with its figure."""
    low, high = span
    slopes = [(peaks[schema.PEAK_BANDWIDTH], "DRAM", 1.0)]
    if peaks.get(schema.PEAK_CACHE_BANDWIDTH):
        slopes.append((peaks[schema.PEAK_CACHE_BANDWIDTH], "last-level cache", 0.5))
    for dtype, peak in peaks[schema.PEAK_FLOPS].items():
        if dtype not in dtypes:
            continue
        for bandwidth, _, alpha in slopes:
            xs = [low, min(max(peak / bandwidth, low), high), high]  # the ridge: where slope meets peak
            ys = [min(peak, x * bandwidth) / 1e9 for x in xs]
            axes.plot(xs, ys, linestyle=style, color="grey", alpha=alpha, linewidth=1.2)
        axes.annotate(
            f"{cpu}: {dtype} peak {peak / 1e9:.1f} GFLOP/s", (high, peak / 1e9), fontsize=7, ha="right", va="bottom"
        )
    for bandwidth, name, _ in slopes:
        axes.annotate(
            f"{name} {bandwidth / 1e9:.1f} GB/s", (low * 1.1, low * 1.1 * bandwidth / 1e9), fontsize=7, va="bottom"
        )


def write_roofline(rows, path: Path) -> Path | None:
    """The plot, or None where no row carries an intensity and no peaks were recorded."""
    points = [
        row for row in rows if row.extra.get(schema.ARITHMETIC_INTENSITY) and row.extra.get(schema.GFLOPS_PER_SECOND)
    ]
    roofs = _peaks_per_cpu(rows)
    if not points or not roofs:
        return None
    figure, axes = plt.subplots(figsize=(9, 5.5))
    intensities = [row.extra[schema.ARITHMETIC_INTENSITY] for row in points]
    ridges = [peak / p[schema.PEAK_BANDWIDTH] for _, p in roofs for peak in p[schema.PEAK_FLOPS].values()]
    span = (min(intensities) / 3, max(max(intensities), max(ridges)) * 3)  # both ridges and every point in view
    dtypes = {row.extra.get(schema.DTYPE) for row in points}
    for style, (cpu, peaks) in zip(ROOF_STYLES, roofs, strict=False):
        _roofs(axes, style, cpu, peaks, dtypes, span)
    colours = {arch: f"C{index}" for index, arch in enumerate(sorted({row.architecture for row in points}))}
    for row in points:
        axes.scatter(
            row.extra[schema.ARITHMETIC_INTENSITY],
            row.extra[schema.GFLOPS_PER_SECOND],
            marker=VARIANT_MARKERS.get(row.variant, "x"),
            color=colours[row.architecture],
            s=30,
            alpha=0.8,
        )
    handles = [
        plt.Line2D([], [], color=colour, marker="o", linestyle="", label=arch) for arch, colour in colours.items()
    ] + [
        plt.Line2D([], [], color="black", marker=marker, linestyle="", label=variant)
        for variant, marker in VARIANT_MARKERS.items()
        if any(row.variant == variant for row in points)
    ]
    axes.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="arithmetic intensity (FLOPs per byte moved, from the count tables)",
        ylabel="achieved GFLOP/s (median)",
        title="Roofline: every benchmark under the measured roofs (solid: DRAM, faint: last-level cache)",
    )
    for axis in (axes.xaxis, axes.yaxis):  # plain numbers, not 2x10^0
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes.grid(True, which="major", alpha=0.3)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path
