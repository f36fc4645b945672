"""The report a `nngate report` writes: one Markdown file and its PNG plots."""

from __future__ import annotations

from pathlib import Path

from nngate import schema
from nngate.gate.options import DEFAULT_THRESHOLD
from nngate.report.answers import batching_answers, sweep_answers
from nngate.report.plots import write_plots
from nngate.report.roofline import write_roofline
from nngate.report.spreads import recorded_spreads, spread_notes
from nngate.report.tables import MEMORY_BATCH_SIZES, bert_gemm_listing, layer_table, sweep_tables, training_table
from nngate.report.variants import variant_answers, variant_table
from nngate.results import RESULT_FILE, load_results
from nngate.workloads.splits import DataError


def environment_header(rows: list, trainings: list[dict]) -> list[str]:
    """One line per setting, every value the results hold (a mix is shown as such, never hidden)."""

    def values(key: str, found) -> str:
        seen = sorted({str(value) for value in found if value not in (None, "")})
        return ", ".join(seen) if seen else "not recorded"

    contexts = [context for row in rows for context in (row.process_contexts or (row.context,))]
    lines = [
        f"- {key}: {values(key, (context.get(key) for context in contexts))}"
        for key in ("CPU", "threads", "torch", "profile", "date")
    ]
    peaks = {context.get(RESULT_FILE): context.get("peaks") for context in contexts if context.get("peaks")}
    if len(set(peaks.values())) > 1:  # each file's own, labelled: two machines' peaks never run together
        lines += ["- peaks, per result file:", *(f"  - {file}: {text}" for file, text in sorted(peaks.items()))]
    else:
        lines.append(f"- peaks: {values('peaks', peaks.values())}")
    lines.append(f"- dtype: {values('dtype', (row.extra.get(schema.DTYPE) for row in rows))}")
    lines.append(f"- device: {values('device', (row.extra.get(schema.DEVICE) for row in rows))}")
    if trainings:
        lines.append(f"- training data: {values('data', (run.get(schema.DATA_SOURCE) for run in trainings))}")
    return ["## Environment", "", *lines]


def spread_section(rows: list, recorded: list[dict]) -> list[str]:
    """Which figures move more than the gate's threshold between fresh processes, and how to steady them."""
    over = spread_notes(rows, recorded, DEFAULT_THRESHOLD)
    parts = [
        "## How far the figures move between processes",
        "",
        "A figure's spread is how far one fresh process's median sat from the median of them all, from the "
        "result files given (each a fresh process) or, for a single one, from `nngate measure-spread` on the "
        "CPU that timed it (.benchmarks/spreads.json here). To steady a figure, time it in several fresh "
        "processes and pass every result file: the report takes the median of their medians.",
        "",
    ]
    if over:
        return [*parts, f"Moving more than {DEFAULT_THRESHOLD:.0%}:", "", *(f"- {line}" for line in over), ""]
    return [*parts, f"No figure with a known spread moves more than {DEFAULT_THRESHOLD:.0%}.", ""]


def write_report(paths: list[str], out: str) -> Path:
    rows, trainings = load_results(paths)
    if not rows and not trainings:
        raise DataError("no nnbench results in the given files")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    every_variant, rows = (
        rows,
        [row for row in rows if row.variant == schema.DEFAULT_VARIANT],
    )  # the labs' sections: eager
    recorded = recorded_spreads()
    plots = write_plots(rows, folder)
    roofline = write_roofline(every_variant, folder / "roofline.png")
    parts = [
        "# nnbench report",
        "",
        *environment_header(every_variant, trainings),
        "",
        f"From {len(paths)} result file(s): {len(every_variant)} benchmark rows, {len(trainings)} training runs. "
        "Times are pytest-benchmark medians (of a benchmark in several result files, the median of their "
        "medians); MACs are the analytic `complete` view (one multiply-add each).",
        "",
        *spread_section(every_variant, recorded),
    ]
    answers = batching_answers(rows) + sweep_answers(rows)
    if answers:
        parts += ["## The labs' questions, answered from these results", "", *(f"- {line}" for line in answers), ""]
    for title, table in sweep_tables(rows, recorded):
        parts += [f"## {title}", "", table, ""]
    if trainings:
        parts += ["## Training runs", "", training_table(trainings), ""]
    if roofline or len(every_variant) > len(rows):
        parts += [
            "## Variants and the roofline",
            "",
            "The sections above are eager runs. Here every variant, and each run against the roofs of the "
            "machine that timed it (peaks above; bytes moved from the count tables, nngate.harness.roofline).",
            "",
            *(f"- {line}" for line in variant_answers(every_variant)),
            "",
            variant_table(every_variant),
            "",
            *([f"![roofline]({roofline.name})", ""] if roofline else []),
        ]
    if plots:
        parts += ["## Plots", ""] + [f"![{path.stem}]({path.name})" for path in plots] + [""]
    for architecture in sorted({row.architecture for row in rows} | {t[schema.ARCHITECTURE] for t in trainings}):
        timed = [row.batch_size for row in rows if row.architecture == architecture]
        batch = MEMORY_BATCH_SIZES.get(architecture) or min(timed, default=1)  # a declared workload: its own
        parts += [
            f"## Weights and activations of {architecture} (defaults, batch {batch})",
            "",
            layer_table(architecture, batch_size=batch),
            "",
        ]
    if any(row.architecture == "bert_qa" for row in rows):
        parts += ["## BERT first-block GEMMs", "", bert_gemm_listing(), ""]
    path = folder / "report.md"
    path.write_text("\n".join(parts))
    return path
