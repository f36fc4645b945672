"""The command line's grammar: every verb's options and their defaults, in one argparse parser.

What each verb does is nngate.cli; history, bisect, record-baseline and measure-spread add their own
subparsers (their `add_parser`), beside the code that runs them.
"""

from __future__ import annotations

import argparse

from nngate import bisect, measure_spread, record_baseline, schema
from nngate.harness.variants import DEFAULT_VARIANT, VARIANTS
from nngate.history import commands as history
from nngate.workloads.config import comma_names, positive_int


def dtype_option(text: str) -> str:
    try:
        return schema.canonical_dtype(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("dtype: ")) from None


def add_model_arguments(parser: argparse.ArgumentParser, what: str = "architecture name (see `list`)") -> None:
    parser.add_argument("arch", metavar="ARCH", help=what)
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config option, repeatable, e.g. --set hidden=1024,128 (default: none)",
    )


def add_training_arguments(parser: argparse.ArgumentParser, seed: bool = True) -> None:
    parser.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="folder with mnist/ and sst2/ (default: $NNBENCH_DATA_DIR, else synthetic data)",
    )
    parser.add_argument("--download", action="store_true", help="download the real data if it is not found")
    parser.add_argument("--threads", type=positive_int, default=1, metavar="N", help="torch threads (default: 1)")
    if seed:
        parser.add_argument("--seed", type=int, default=0, metavar="N", help="(default: 0)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="nngate", description="Workloads, counts, training and reports of nnbench.")
    verbs = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verbs.add_parser("list", help="architectures, their options and default inputs")

    count = verbs.add_parser("count", help="analytic params, MACs and per-layer table")
    add_model_arguments(count, "architecture name (see `list`), or MODULE:CALLABLE that builds any model")
    count.add_argument(
        "--input-shape",
        action="append",
        default=[],
        metavar="SHAPE",
        help="with MODULE:CALLABLE, one per positional input: 1,3,224,224, or 1,128:int for token ids",
    )
    count.add_argument(
        "--strict", action="store_true", help="exit 1 where a layer or call has no formula (the count is incomplete)"
    )
    count.add_argument("--batch-size", type=positive_int, default=1, metavar="N", help="(default: 1)")
    count.add_argument(
        "--dtype",
        type=dtype_option,
        default="fp32",
        metavar="DTYPE",
        help=f"{'|'.join(schema.DTYPE_BYTES)} (float32/bfloat16/float16 accepted) (default: fp32)",
    )
    count.add_argument("--view", choices=("fvcore", "complete"), default="fvcore", help="(default: fvcore)")
    count.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    count.add_argument(
        "--check", action="store_true", help="also run fvcore and FlopCounterMode on the real model; exit 1 on mismatch"
    )

    train = verbs.add_parser("train", help="train on the task's data and report accuracy and time")
    add_model_arguments(train)
    train.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    train.add_argument(
        "--batch-size", type=positive_int, default=None, metavar="N", help="(default: 32 for MNIST, 64 for SST-2)"
    )
    add_training_arguments(train)
    train.add_argument("--json", action="store_true", help="one JSON object instead of text")

    sweep = verbs.add_parser(
        "train-sweep",
        help="train every config that benchmark JSON files hold, at the "
        "batch size it was timed at; one JSON list the report reads",
    )
    sweep.add_argument("results", nargs="+", metavar="RESULTS", help="pytest-benchmark JSON files")
    sweep.add_argument("--out", required=True, metavar="FILE", help="the training JSON to write")
    sweep.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    add_training_arguments(sweep)

    lab = verbs.add_parser("lab", help="one lab end to end: its benchmarks, training and report")
    lab.add_argument(
        "lab",
        choices=("mnist", "sst2"),
        help="mnist (MLP, CNN) or sst2 (bag-of-words MLP, ResNet18 and BERT inference)",
    )
    lab.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    lab.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    lab.add_argument(
        "--variant",
        type=comma_names(VARIANTS),
        default=(DEFAULT_VARIANT,),
        metavar="NAME[,NAME]",
        help=f"how the benchmarks run the models, each a row of its own: {', '.join(VARIANTS)} (default: eager)",
    )
    lab.add_argument(
        "--processes",
        type=positive_int,
        default=1,
        metavar="N",
        help="run the benchmarks in N fresh processes: each figure the median of theirs, with its spread (default: 1)",
    )
    add_training_arguments(lab, seed=False)

    report = verbs.add_parser("report", help="Markdown tables and PNG plots from result JSON files")
    report.add_argument("results", nargs="+", metavar="RESULTS", help="benchmark or training JSON files")
    report.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")

    export = verbs.add_parser("export", help="write the model graph as ONNX for Netron")
    add_model_arguments(export)
    export.add_argument("--onnx", required=True, metavar="PATH", help="output .onnx file")
    for command in (history, bisect, record_baseline, measure_spread):
        command.add_parser(verbs)
    return root
