"""The report's Markdown tables: sweeps per architecture, training runs, layers, BERT's GEMMs."""
from __future__ import annotations

from models import schema
from models.arch.registry import make_config
from models.counting import count
from models.counting.table import human
from models.report.results import ResultRow


def _shape(values) -> str:
    return "x".join(map(str, values)) if values else "-"


def _option(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def sweep_tables(rows: list[ResultRow]) -> list[tuple[str, str]]:
    """(title, table) per architecture and mode: the batch-size sweep of the default config, and one
    option sweep holding every other config, with a column for each option that any of them varies."""
    groups: dict[tuple, list[ResultRow]] = {}
    for row in rows:
        groups.setdefault((row.architecture, row.mode, bool(row.varied)), []).append(row)
    tables = []
    for (architecture, mode, is_option_sweep), members in sorted(groups.items()):
        varied = sorted({key for row in members for key in row.varied})
        members.sort(key=lambda r: ([_option(r.config[k]) for k in varied], r.batch_size))
        what = f"{', '.join(varied)} sweep" if is_option_sweep else "batch size sweep"
        header = ["batch size", *varied, "input shape", "output shape", "params", "MACs/batch",
                  f"{'step' if mode == 'train' else 'inference'} time (ms)", "throughput (items/s)", "GFLOP/s",
                  "training time (s)", "accuracy"]
        body = []
        for row in members:
            table = count(make_config(architecture, **row.config), row.batch_size, view="complete")
            trained = row.training or {}
            body.append([str(row.batch_size), *(_option(row.config[k]) for k in varied),
                         _shape(table.rows[0].input_shape), _shape(table.rows[-1].output_shape),
                         f"{row.extra.get(schema.PARAMS, table.params):,}", human(row.extra.get(schema.MACS, table.macs)),
                         f"{row.median_seconds * 1e3:.3f}", f"{row.items_per_second:,.1f}",
                         f"{row.extra.get(schema.GFLOPS_PER_SECOND, 0):.2f}",
                         f"{trained['train_seconds']:.2f}" if trained else "-",
                         f"{trained['accuracy']:.4f}" if trained else "-"])
        tables.append((f"{architecture} {mode}: {what}", markdown_table(header, body)))
    return tables


def training_table(trainings: list[dict]) -> str:
    header = ["architecture", "options", "epochs", "batch size", "training time (s)", "ms/step", "accuracy",
              "params", "MACs/example", "data"]
    body = [[t["architecture"], " ".join(f"{k}={_option(v)}" for k, v in t["config"].items()), str(t["epochs"]),
             str(t["batch_size"]), f"{t['train_seconds']:.2f}", f"{t['step_seconds'] * 1e3:.2f}",
             f"{t['accuracy']:.4f}", f"{t['params']:,}", human(t["macs"]), t["data_source"]] for t in trainings]
    return markdown_table(header, body)


def layer_table(architecture: str, config: dict | None = None) -> str:
    """Weights and activations per layer (batch 1), the labs' "which is larger, what precision"."""
    table = count(make_config(architecture, **(config or {})), 1, view="complete")
    body = [[row.name, row.type, _shape(row.input_shape), _shape(row.weight_shape), _shape(row.output_shape),
             human(row.weight_bytes, "B"), human(row.activation_bytes, "B"), row.dtype] for row in table.rows]
    weights, activations = table.total("weight_bytes"), table.total("activation_bytes")
    return (markdown_table(["layer", "type", "input", "weight", "output", "weight size", "activation size",
                            "precision"], body)
            + f"\n\nTotal weights {human(weights, 'B')}, activations {human(activations, 'B')} at batch 1: "
              f"activations are {'larger' if activations > weights else 'smaller'} than weights.")


def bert_gemm_listing(config: dict | None = None) -> str:
    """Every product of BERT's first encoder block; Q.K^T and A.V multiply two activations."""
    table = count(make_config("bert_qa", **(config or {})), 1, view="complete")
    body = [[row.name.removeprefix("bert.encoder.layer.0."), _shape(row.input_shape),
             f"weight {_shape(row.weight_shape)}" if row.weight_shape else f"activation {_shape(row.operand_shape)}",
             _shape(row.output_shape), f"{row.macs:,}"]
            for row in table.rows if row.name.startswith("bert.encoder.layer.0.") and row.type in ("Linear", "MatMul")]
    return markdown_table(["GEMM", "input shape", "second operand", "output shape", "MACs"], body)
