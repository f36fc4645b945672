"""`python -m models {list,count,train,report,export}`: argument parsing only.

Every user error (bad option, unknown architecture, missing data) ends as one line on stderr and
exit status 2; the work itself lives in models.commands.
"""
from __future__ import annotations

import argparse
import sys

from models import commands
from models.config import ConfigError, positive_int
from models.data import DataError

DTYPES = ("float32", "bfloat16", "float16")


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arch", metavar="ARCH", help="architecture name (see `list`)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="config option, repeatable, e.g. --set hidden=1024,128 (default: none)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m models", description=__doc__.splitlines()[0])
    verbs = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verbs.add_parser("list", help="architectures, their options and default inputs")

    count = verbs.add_parser("count", help="analytic params, MACs and per-layer table")
    _add_model_arguments(count)
    count.add_argument("--batch-size", type=positive_int, default=1, metavar="N", help="(default: 1)")
    count.add_argument("--dtype", choices=DTYPES, default="float32", help="(default: float32)")
    count.add_argument("--view", choices=("fvcore", "complete"), default="fvcore", help="(default: fvcore)")
    count.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    count.add_argument("--check", action="store_true",
                       help="also run fvcore and FlopCounterMode on the real model; exit 1 on mismatch")

    train = verbs.add_parser("train", help="train on the task's data and report accuracy and time")
    _add_model_arguments(train)
    train.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    train.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                       help="(default: 32 for MNIST, 64 for SST-2)")
    train.add_argument("--data-dir", default=None, metavar="DIR",
                       help="folder with mnist/ and sst2/ (default: $NNBENCH_DATA_DIR, else synthetic data)")
    train.add_argument("--download", action="store_true", help="download the real data if it is not found")
    train.add_argument("--threads", type=positive_int, default=1, metavar="N", help="torch threads (default: 1)")
    train.add_argument("--seed", type=int, default=0, metavar="N", help="(default: 0)")
    train.add_argument("--json", action="store_true", help="one JSON object instead of text")

    report = verbs.add_parser("report", help="Markdown tables and PNG plots from result JSON files")
    report.add_argument("results", nargs="+", metavar="RESULTS", help="benchmark or training JSON files")
    report.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")

    export = verbs.add_parser("export", help="write the model graph as ONNX for Netron")
    _add_model_arguments(export)
    export.add_argument("--onnx", required=True, metavar="PATH", help="output .onnx file")
    return root


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return commands.VERBS[arguments.command](arguments)
    except (ConfigError, DataError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
