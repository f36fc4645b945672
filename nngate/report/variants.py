"""The variant questions, answered from the results: which way of running each workload is
fastest here, by how much over eager, what compiling cost, and how close each run came to its roof
(nngate.harness.roofline)."""

from __future__ import annotations

from nngate import schema
from nngate.report.tables import markdown_table
from nngate.results import ResultRow


def _by_workload(rows: list[ResultRow]) -> dict[tuple, dict[str, ResultRow]]:
    """workload -> variant -> row; a workload timed one way only is left out (nothing to compare)."""
    grouped: dict[tuple, dict[str, ResultRow]] = {}
    for row in rows:
        grouped.setdefault(row.workload, {})[row.variant] = row
    return {workload: variants for workload, variants in grouped.items() if len(variants) > 1}


def workload_name(row: ResultRow) -> str:
    options = " ".join(f"{key}={value}" for key, value in sorted(row.varied.items()))
    return " ".join(
        part
        for part in (row.architecture, options, row.mode, f"bs{row.batch_size}", row.extra.get(schema.DTYPE))
        if part
    )


def _roof_text(row: ResultRow) -> str:
    fraction = row.extra.get(schema.ROOFLINE_FRACTION)
    if fraction is None:
        return "no roofline (no peaks recorded)"
    return (
        f"{fraction:.1%} of its roof ({row.extra[schema.ROOFLINE_BOUND]}-bound at "
        f"{row.extra[schema.ARITHMETIC_INTENSITY]:.1f} FLOP/byte)"
    )


def overlaps(faster: ResultRow, slower: ResultRow) -> bool:
    """Whether the faster row's round times reach into the slower's: its q3 at or over the other's q1."""
    if faster.quartiles is None or slower.quartiles is None:
        return False
    return faster.quartiles[1] >= slower.quartiles[0]


def variant_answers(rows: list[ResultRow]) -> list[str]:
    """One sentence per workload timed more than one way. A win whose quartiles overlap eager's is
    said to be one; on a VM whose speed drifts between benchmarks, a win of a few percent is noise."""
    answers = []
    for variants in _by_workload(rows).values():
        fastest = min(variants.values(), key=lambda row: row.median_seconds)
        eager = variants.get(schema.DEFAULT_VARIANT)
        others = ", ".join(
            f"{name} {row.median_seconds * 1e3:.3f} ms" for name, row in sorted(variants.items()) if row is not fastest
        )
        gain = (
            f", {eager.median_seconds / fastest.median_seconds:.2f}x eager's speed"
            + (" (their interquartile ranges overlap: not a clear win)" if overlaps(fastest, eager) else "")
            if eager is not None and fastest is not eager
            else ""
        )
        built = fastest.extra.get(schema.COMPILE_SECONDS)
        compile_cost = f"; compiling took {built:.1f} s, outside the timed calls" if built is not None else ""
        answers.append(
            f"{workload_name(fastest)}: fastest is {fastest.variant} at {fastest.median_seconds * 1e3:.3f} ms"
            f"{gain} (others: {others}){compile_cost}; it reached {_roof_text(fastest)}."
        )
    return answers


def _cell(value, text: str) -> str:
    return "-" if value is None else text.format(value)


def variant_table(rows: list[ResultRow]) -> str:
    """Every row with its variant, speed against its workload's eager row, and its roofline figures."""
    eager = {row.workload: row for row in rows if row.variant == schema.DEFAULT_VARIANT}
    header = [
        "workload",
        "variant",
        "median (ms)",
        "speed vs eager",
        "compile (s)",
        "FLOP/byte",
        "GFLOP/s",
        "roof (GFLOP/s)",
        "of roof",
    ]
    lines = []
    for row in sorted(rows, key=lambda row: (workload_name(row), row.variant)):
        base = eager.get(row.workload)
        lines.append(
            [
                workload_name(row),
                row.variant,
                f"{row.median_seconds * 1e3:.3f}",
                _cell(base and base.median_seconds / row.median_seconds, "{:.2f}x"),
                _cell(row.extra.get(schema.COMPILE_SECONDS), "{:.1f}"),
                _cell(row.extra.get(schema.ARITHMETIC_INTENSITY), "{:.1f}"),
                _cell(row.extra.get(schema.GFLOPS_PER_SECOND), "{:.2f}"),
                _cell(row.extra.get(schema.ROOF_GFLOPS_PER_SECOND), "{:.1f}"),
                _cell(row.extra.get(schema.ROOFLINE_FRACTION), "{:.1%}"),
            ]
        )
    return markdown_table(header, lines)
