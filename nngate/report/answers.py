"""The labs' questions answered from the data, as sentences with numbers: what batching buys, and
what each option of a sweep does to time, accuracy, params and MACs. Inference rows only: the
labs asked these questions of inference; train steps are in the tables."""

from __future__ import annotations

import statistics

from nngate import schema
from nngate.counting.table import human
from nngate.report.tables import option_text, sweep_groups


def batching_answers(rows) -> list[str]:
    """Per architecture: the largest batch against as many batches of one."""
    answers = []
    for arch in sorted({row.architecture for row in rows}):
        plain = {
            row.batch_size: row
            for row in rows
            if row.architecture == arch and row.mode == "inference" and not row.varied
        }
        if 1 not in plain or len(plain) < 2:
            continue
        single, batch = plain[1], plain[max(plain)]
        alone = batch.batch_size * single.median_seconds
        answers.append(
            f"{arch}: one batch of {batch.batch_size} takes {batch.median_seconds * 1e3:.3f} ms, while "
            f"{batch.batch_size} batches of 1 would take {alone * 1e3:.3f} ms ({batch.batch_size} x "
            f"{single.median_seconds * 1e3:.3f} ms): batching is {alone / batch.median_seconds:.1f}x "
            f"faster per example ({single.items_per_second:,.0f} -> {batch.items_per_second:,.0f} items/s)."
        )
    return answers


def _facts(row) -> dict[str, float | None]:
    return {
        "time": row.median_seconds,
        "params": row.extra.get(schema.PARAMS),
        "MACs": row.extra.get(schema.MACS),
        "accuracy": (row.training or {}).get(schema.ACCURACY),
    }


def _series(name: str, values: list, unit=lambda v: f"{v}") -> str:
    return f"{name} " + " / ".join("-" if value is None else unit(value) for value in values)


def one_option_answer(arch: str, option: str, batch: int, members) -> str:
    facts = [_facts(row) for row in members]
    times = [fact["time"] for fact in facts]
    parts = [
        _series("inference time", times, lambda v: f"{v * 1e3:.3f}") + " ms",
        _series("params", [fact[schema.PARAMS] for fact in facts], lambda v: f"{v:,}"),
        _series("MACs", [fact["MACs"] for fact in facts], human),
        _series("accuracy", [fact[schema.ACCURACY] for fact in facts], lambda v: f"{v:.4f}"),
    ]
    values = " / ".join(option_text(row.config[option]) for row in members)
    return (
        f"{arch}, {option} {values} at batch size {batch}: "
        + "; ".join(parts)
        + f"; the time changes {times[-1] / times[0]:.2f}x from the first to the last."
    )


def grid_answers(arch: str, options: list[str], batch: int, members) -> list[str]:
    """Per option: its smallest against its largest value, the other options equal, as the median
    ratio (accuracy: difference) over every such pair of the grid."""
    answers = []
    for option in options:
        values = sorted(
            {option_text(row.config[option]) for row in members}, key=lambda v: [float(x) for x in v.split(",")]
        )
        low, high = values[0], values[-1]
        others = [key for key in options if key != option]
        by_rest = {}
        for row in members:
            by_rest.setdefault(tuple(option_text(row.config[key]) for key in others), {})[
                option_text(row.config[option])
            ] = row
        pairs = [(group[low], group[high]) for group in by_rest.values() if low in group and high in group]
        if not pairs:
            continue
        ratio = {
            name: statistics.median(_facts(b)[name] / _facts(a)[name] for a, b in pairs)
            for name in ("time", "params", "MACs")
            if all(_facts(r)[name] for pair in pairs for r in pair)
        }
        trained = [(a, b) for a, b in pairs if a.training and b.training]
        accuracy_gains = [b.training[schema.ACCURACY] - a.training[schema.ACCURACY] for a, b in trained]
        accuracy = f"; accuracy {statistics.median(accuracy_gains):+.4f}" if trained else ""
        answers.append(
            f"{arch}, {option} {low} -> {high} at batch size {batch} (median over {len(pairs)} pairs with "
            f"the other options equal): inference time x{ratio.get('time', float('nan')):.2f}, params "
            f"x{ratio.get(schema.PARAMS, float('nan')):.2f}, MACs x{ratio.get('MACs', float('nan')):.2f}{accuracy}."
        )
    return answers


def sweep_answers(rows) -> list[str]:
    answers = []
    for _, options, members in sweep_groups([row for row in rows if row.mode == "inference"]):
        if not options or len(members) < 2:
            continue
        arch, batch = members[0].architecture, members[0].batch_size
        answers += (
            [one_option_answer(arch, options[0], batch, members)]
            if len(options) == 1
            else grid_answers(arch, options, batch, members)
        )
    return answers
