"""The labs' answers are sentences whose numbers come from the rows given; literal expectations."""

from __future__ import annotations

from models import make_config
from nngate import schema
from nngate.report.answers import batching_answers, sweep_answers
from nngate.results import ResultRow


def row(
    arch: str, batch: int, seconds: float, accuracy: float | None = None, params: int = 100, macs: int = 1000, **varied
) -> ResultRow:
    config = {**make_config(arch).options(), **varied}
    training = {"accuracy": accuracy} if accuracy is not None else None
    return ResultRow(
        f"{arch}{batch}{varied}",
        arch,
        "inference",
        batch,
        config,
        seconds,
        {schema.PARAMS: params, schema.MACS: macs},
        training,
        varied,
    )


def test_batching_compares_the_largest_batch_with_as_many_single_examples():
    (answer,) = batching_answers([row("mlp", 1, 0.001), row("mlp", 64, 0.004), row("mlp", 8, 0.002)])
    assert answer == (
        "mlp: one batch of 64 takes 4.000 ms, while 64 batches of 1 would take 64.000 ms (64 x 1.000 ms): "
        "batching is 16.0x faster per example (1,000 -> 16,000 items/s)."
    )


def test_a_one_at_a_time_sweep_lists_each_value_with_its_numbers():
    rows = [
        row("cnn", 32, 0.002, 0.98, 500, 4000, kernel=7),
        row("cnn", 32, 0.001, 0.97, 300, 2000, kernel=3),
        row("cnn", 32, 0.0015, 0.99, 400, 3000),
    ]
    (answer,) = sweep_answers(rows)
    assert answer == (
        "cnn, kernel 3 / 5 / 7 at batch size 32: inference time 1.000 / 1.500 / 2.000 ms; params "
        "300 / 400 / 500; MACs 2.00 K / 3.00 K / 4.00 K; accuracy 0.9700 / 0.9900 / 0.9800; the time "
        "changes 2.00x from the first to the last."
    )


def test_a_grid_gives_each_option_as_a_median_ratio_over_pairs():
    rows = [
        row("bow_mlp", 64, 0.001, 0.80, 100, 1000, layers=1, vocab=1000),
        row("bow_mlp", 64, 0.003, 0.82, 1000, 10000, layers=1),  # vocab 10000 is the default
        row("bow_mlp", 64, 0.002, 0.79, 200, 2000, layers=4, vocab=1000),
        row("bow_mlp", 64, 0.006, 0.83, 2000, 20000, layers=4),
    ]
    answers = sweep_answers(rows)
    assert (
        "bow_mlp, vocab 1000 -> 10000 at batch size 64 (median over 2 pairs with the other options equal): "
        "inference time x3.00, params x10.00, MACs x10.00; accuracy +0.0300."
    ) in answers
    assert any(
        answer.startswith("bow_mlp, layers 1 -> 4 at batch size 64 (median over 2 pairs")
        and "inference time x2.00" in answer
        for answer in answers
    )
