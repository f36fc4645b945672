"""The report a `python -m models report` writes: one Markdown file and its PNG plots."""
from __future__ import annotations

from pathlib import Path

from models.data.splits import DataError
from models.report.plots import write_plots
from models.report.results import load_results
from models.report.tables import bert_gemm_listing, layer_table, sweep_tables, training_table


def write_report(paths: list[str], out: str) -> Path:
    rows, trainings = load_results(paths)
    if not rows and not trainings:
        raise DataError("no nnbench results in the given files")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    plots = write_plots(rows, folder)
    parts = ["# nnbench report", "",
             f"From {len(paths)} result file(s): {len(rows)} benchmark rows, {len(trainings)} training runs. "
             "Times are pytest-benchmark medians; MACs are the analytic `complete` view (one multiply-add each).", ""]
    for title, table in sweep_tables(rows):
        parts += [f"## {title}", "", table, ""]
    if trainings:
        parts += ["## Training runs", "", training_table(trainings), ""]
    if plots:
        parts += ["## Plots", ""] + [f"![{path.stem}]({path.name})" for path in plots] + [""]
    for architecture in sorted({row.architecture for row in rows} | {t["architecture"] for t in trainings}):
        parts += [f"## Layers of {architecture} (defaults, batch 1)", "", layer_table(architecture), ""]
    if any(row.architecture == "bert_qa" for row in rows):
        parts += ["## BERT first-block GEMMs", "", bert_gemm_listing(), ""]
    path = folder / "report.md"
    path.write_text("\n".join(parts))
    return path
