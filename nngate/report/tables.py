"""The report's Markdown tables: sweeps per architecture, training runs, layers, BERT's GEMMs."""

from __future__ import annotations

from nngate import schema
from nngate.counting import count
from nngate.counting.table import human
from nngate.report.spreads import figure_spread, spread_cell
from nngate.results import ResultRow
from nngate.workloads import make_config


def _shape(values) -> str:
    return "x".join(map(str, values)) if values else "-"


def option_text(value) -> str:
    """An option's value as written on the command line: a width list as `1024,128`."""
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _numeric(value):
    """Sort key: numbers and width lists by value (1000 before 5000 before 10000), text after."""
    items = value if isinstance(value, list) else [value]
    return [(0, item, "") if isinstance(item, (int, float)) else (1, 0, str(item)) for item in items]


def sweep_groups(rows: list[ResultRow]) -> list[tuple[str, list[str], list[ResultRow]]]:
    """(title, varied options, rows): per architecture and mode, the batch-size sweep of the default
    config; then per batch size where options were varied, one table for each option varied alone
    (the labs' one-at-a-time sweeps) or one for a grid; each option sweep has the default config's
    row at its batch size as its base row."""
    groups = []
    for architecture, mode in sorted({(row.architecture, row.mode) for row in rows}):
        mine = [row for row in rows if (row.architecture, row.mode) == (architecture, mode)]
        base = {row.batch_size: row for row in mine if not row.varied}
        if base:
            groups.append(
                (f"{architecture} {mode}: batch size sweep", [], sorted(base.values(), key=lambda r: r.batch_size))
            )
        for batch in sorted({row.batch_size for row in mine if row.varied}):
            varied_rows = [row for row in mine if row.varied and row.batch_size == batch]
            alone = all(len(row.varied) == 1 for row in varied_rows)
            sweeps = (
                sorted({tuple(row.varied) for row in varied_rows})
                if alone
                else [tuple(sorted({key for row in varied_rows for key in row.varied}))]
            )
            for options in sweeps:
                members = [row for row in varied_rows if set(row.varied) <= set(options)]
                members += [base[batch]] if batch in base else []
                members.sort(key=lambda r: [_numeric(r.config[key]) for key in options])
                what = "grid of " + " x ".join(options) if len(options) > 1 else f"{options[0]} sweep"
                groups.append((f"{architecture} {mode}: {what} at batch size {batch}", list(options), members))
    return groups


def sweep_tables(rows: list[ResultRow], recorded: list[dict] | None = None) -> list[tuple[str, str]]:
    """(title, table) for each sweep (see `sweep_groups`), a column for each option it varies; each
    time with its spread across processes (report.spreads; `recorded`: spreads.json's machines)."""
    tables = []
    for title, varied, members in sweep_groups(rows):
        mode = members[0].mode
        header = [
            "batch size",
            *varied,
            "input shape",
            "output shape",
            "params",
            "MACs/batch (complete view)",
            "FLOPs/batch (2mn+n a Linear; train: x3)",
            f"{'step' if mode == 'train' else 'inference'} time (ms)",
            "spread across processes",
            "throughput (items/s)",
            "GFLOP/s",
            "peak memory",
            "training time (s)",
            "epochs",
            "accuracy",
        ]
        body = []
        for row in members:
            table = count(make_config(row.architecture, **row.config), row.batch_size, view="complete")
            trained = row.training or {}
            body.append(
                [
                    str(row.batch_size),
                    *(option_text(row.config[k]) for k in varied),
                    _shape(table.rows[0].input_shape),
                    _shape(table.rows[-1].output_shape),
                    f"{row.extra.get(schema.PARAMS, table.params):,}",
                    human(row.extra.get(schema.MACS, table.macs)),
                    human(row.extra[schema.FLOPS]) if row.extra.get(schema.FLOPS) else "-",
                    f"{row.median_seconds * 1e3:.3f}",
                    spread_cell(figure_spread(row, recorded or [])),
                    f"{row.items_per_second:,.1f}",
                    f"{row.extra.get(schema.GFLOPS_PER_SECOND, 0):.2f}",
                    human(row.extra[schema.PEAK_MEMORY_BYTES], "B") if row.extra.get(schema.PEAK_MEMORY_BYTES) else "-",
                    f"{trained[schema.TRAIN_SECONDS]:.2f}" if trained else "-",
                    str(trained[schema.EPOCHS]) if trained else "-",
                    f"{trained[schema.ACCURACY]:.4f}" if trained else "-",
                ]
            )
        tables.append((title, markdown_table(header, body)))
    return tables


def training_table(trainings: list[dict]) -> str:
    header = [
        "architecture",
        "options",
        "epochs",
        "batch size",
        "training time (s)",
        "ms/step",
        "accuracy",
        "params",
        "MACs/example",
        "data",
    ]
    body = [
        [
            t[schema.ARCHITECTURE],
            " ".join(f"{k}={option_text(v)}" for k, v in t[schema.CONFIG].items()),
            str(t[schema.EPOCHS]),
            str(t[schema.BATCH_SIZE]),
            f"{t[schema.TRAIN_SECONDS]:.2f}",
            f"{t[schema.STEP_SECONDS] * 1e3:.2f}",
            f"{t[schema.ACCURACY]:.4f}",
            f"{t[schema.PARAMS]:,}",
            human(t[schema.MACS]),
            t[schema.DATA_SOURCE],
        ]
        for t in trainings
    ]
    return markdown_table(header, body)


# The batch sizes the labs asked "weights or activations, which is larger" at (the MNIST lab's MLP
# and CNN at their sweeps' batch sizes, the SST-2 grid's, ResNet18 and BERT at the ImageNet/SQuAD lab's).
MEMORY_BATCH_SIZES = {"mlp": 64, "cnn": 32, "bow_mlp": 64, "resnet18": 64, "bert_qa": 32}


def layer_table(architecture: str, config: dict | None = None, batch_size: int | None = None) -> str:
    """Weights and activations per layer at the lab's batch size, the labs' "which is larger, what precision"."""
    batch_size = batch_size or MEMORY_BATCH_SIZES[architecture]
    table = count(make_config(architecture, **(config or {})), batch_size, view="complete")
    body = [
        [
            row.name,
            row.type,
            _shape(row.input_shape),
            _shape(row.weight_shape),
            _shape(row.output_shape),
            human(row.weight_bytes, "B"),
            human(row.activation_bytes, "B"),
            row.dtype,
        ]
        for row in table.rows
    ]
    weights, activations = table.total("weight_bytes"), table.total("activation_bytes")
    return (
        markdown_table(
            ["layer", "type", "input", "weight", "output", "weight size", "activation size", "precision"], body
        )
        + f"\n\nTotal weights {human(weights, 'B')}, activations {human(activations, 'B')} at batch {batch_size}: "
        f"activations are {'larger' if activations > weights else 'smaller'} than weights."
    )


def bert_gemm_listing(config: dict | None = None) -> str:
    """Every product of BERT's first encoder block, after its widths; Q.K^T and A.V multiply two activations."""
    bert = make_config("bert_qa", **(config or {}))
    table = count(bert, 1, view="complete")
    body = [
        [
            row.name.removeprefix("bert.encoder.layer.0."),
            _shape(row.input_shape),
            f"weight {_shape(row.weight_shape)}" if row.weight_shape else f"activation {_shape(row.operand_shape)}",
            _shape(row.output_shape),
            f"{row.macs:,}",
        ]
        for row in table.rows
        if row.name.startswith("bert.encoder.layer.0.") and row.type in ("Linear", "MatMul")
    ]
    widths = (
        f"d_model (hidden) = {bert.hidden}, heads = {bert.heads} of {bert.hidden // bert.heads} dimensions, "
        f"feed-forward {bert.intermediate}, sequence length {bert.seq_len}, batch 1; MACs in the complete "
        f"view (every product, attention's Q.K^T and A.V included)."
    )
    return widths + "\n\n" + markdown_table(["GEMM", "input shape", "second operand", "output shape", "MACs"], body)
