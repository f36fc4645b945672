"""`nngate (or python -m models) {list,count,train,train-sweep,lab,report,export,history,bisect,record-baseline,
measure-spread}`: the parser, then
what each verb does.

Every user error (bad option, unknown architecture, missing data) ends as one line on stderr and
exit status 2; a verb returns its exit status.
"""

from __future__ import annotations

import argparse
import json
import sys

from nngate import bisect, measure_spread, record_baseline, schema
from nngate.harness.variants import DEFAULT_VARIANT, VARIANTS
from nngate.history import commands as history
from nngate.history.store import HistoryError
from nngate.runtime.processes import INTERRUPTED_EXIT
from nngate.workloads import example_call, get_workload, workloads
from nngate.workloads.config import ConfigError, comma_names, parse_assignments, positive_int
from nngate.workloads.splits import DataError


def _config(arguments: argparse.Namespace, **defaults):
    arch = get_workload(arguments.arch)
    return arch, arch.config(**{**defaults, **parse_assignments(arguments.assignments)})


def _input_text(config) -> str:
    """The inputs at batch size 1: from the config's declared shapes where it has them (nothing is
    built), else from the inputs its workload makes; keyword inputs by name."""

    def shape_text(shape) -> str:
        return "x".join(map(str, shape))

    if hasattr(config, "input_shapes"):
        return ", ".join(shape_text(shape) for shape in config.input_shapes(1))
    positional, keyword = example_call(config, 1)
    shown = [shape_text(tensor.shape) for tensor in positional]
    return ", ".join(shown + [f"{name}={shape_text(tensor.shape)}" for name, tensor in keyword.items()])


def list_architectures(arguments: argparse.Namespace) -> int:
    for arch in workloads().values():
        config = arch.config()
        shapes = _input_text(config)
        options = " ".join(
            f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in config.options().items()
        )
        print(
            f"{arch.name:<9} {arch.summary}\n          task: {arch.task}; input: {shapes}\n          options: {options}"
        )
    return 0


def count_layers(arguments: argparse.Namespace) -> int:
    from nngate.counting import count, render
    from nngate.counting.measured import check, check_model
    from nngate.counting.named_model import example_input, is_named_model, model_builder
    from nngate.counting.table import count_model

    if is_named_model(arguments.arch):
        if not arguments.input_shape:
            raise ValueError(f"count {arguments.arch}: give one --input-shape per positional input")
        build, inputs = model_builder(arguments.arch), tuple(example_input(text) for text in arguments.input_shape)
        table = count_model(build(), inputs, arguments.dtype, arguments.view)
        checked = (lambda: check_model(build, inputs)) if arguments.check else None
    else:
        if arguments.input_shape:
            raise ValueError("--input-shape: only for a model named MODULE:CALLABLE; ARCH has its own inputs")
        _, config = _config(arguments)
        table = count(config, arguments.batch_size, arguments.dtype, arguments.view)
        checked = (lambda: check(config, arguments.batch_size)) if arguments.check else None
    print(json.dumps(table.to_json()) if arguments.json else render(table))
    ok = table.complete or not arguments.strict
    if checked is not None:
        passed, lines = checked()
        print("\n".join(lines), file=sys.stderr if arguments.json else sys.stdout)
        ok &= passed
    return 0 if ok else 1


def train_model(arguments: argparse.Namespace) -> int:
    from nngate.harness.devices import set_threads
    from nngate.train_sweep import TASK_DEFAULTS, TRAIN_BATCH_SIZE, TaskDataCache, check_trainable, train_run

    arch = get_workload(arguments.arch)
    _, config = _config(arguments, **TASK_DEFAULTS.get(arch.task, {}).get(arch.name, {}))
    check_trainable(arch, config)
    threads = set_threads(arguments.threads)
    data = TaskDataCache(arguments.data_dir, arguments.download)(arch, config)
    print(f"data: {data.source}", file=sys.stderr)
    batch_size = arguments.batch_size or TRAIN_BATCH_SIZE[arch.task]
    run = train_run(
        arch, config, data, batch_size, arguments.epochs, arguments.seed, threads, progress=not arguments.json
    )
    if arguments.json:
        print(json.dumps(run))
    else:
        print(
            f"{arch.name}: accuracy {run[schema.ACCURACY]:.4f} after {run[schema.EPOCHS]} epoch(s) of "
            f"{run[schema.STEPS]} steps; train {run[schema.TRAIN_SECONDS]:.2f} s "
            f"({run[schema.STEP_SECONDS] * 1e3:.2f} ms/step, batch {batch_size}, {threads} thread(s)); "
            f"params {run[schema.PARAMS]:,}; MACs/example {run[schema.MACS]:,}"
        )
    return 0


def train_sweep(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from nngate.harness.devices import set_threads
    from nngate.train_sweep import TaskDataCache, timed_configs, train_all

    configs = timed_configs(arguments.results)
    threads = set_threads(arguments.threads)
    runs = train_all(
        configs,
        arguments.epochs,
        TaskDataCache(arguments.data_dir, arguments.download),
        arguments.seed,
        threads,
        Path(arguments.out),
    )
    print(
        f"trained {len(runs)} config(s) on {', '.join(sorted({run[schema.DATA_SOURCE] for run in runs}))}: "
        f"{arguments.out}"
    )
    return 0


def lab(arguments: argparse.Namespace) -> int:
    from pathlib import Path

    from nngate.lab import run_lab

    report = run_lab(
        arguments.lab,
        Path(arguments.out),
        arguments.epochs,
        arguments.data_dir,
        arguments.download,
        arguments.threads,
        arguments.variant,
        arguments.processes,
    )
    print(f"report: {report}")
    return 0


def report(arguments: argparse.Namespace) -> int:
    from nngate.report.document import write_report

    path = write_report(arguments.results, arguments.out)
    print(f"report: {path}")
    return 0


def export(arguments: argparse.Namespace) -> int:
    from nngate.harness.onnx_export import write_onnx

    _, config = _config(arguments)
    write_onnx(config, get_workload(arguments.arch).name, arguments.onnx)
    print(f"wrote {arguments.onnx}: open it in Netron (https://netron.app)")
    return 0


VERBS = {
    "list": list_architectures,
    "count": count_layers,
    "train": train_model,
    "train-sweep": train_sweep,
    "lab": lab,
    "report": report,
    "export": export,
    "history": history.run,
    "bisect": bisect.run,
    "record-baseline": record_baseline.run,
    "measure-spread": measure_spread.run,
    "spreads": measure_spread.show,
}


def _dtype(text: str) -> str:
    try:
        return schema.canonical_dtype(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("dtype: ")) from None


def _add_model_arguments(parser: argparse.ArgumentParser, what: str = "architecture name (see `list`)") -> None:
    parser.add_argument("arch", metavar="ARCH", help=what)
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="config option, repeatable, e.g. --set hidden=1024,128 (default: none)",
    )


def _add_training_arguments(parser: argparse.ArgumentParser, seed: bool = True) -> None:
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
    _add_model_arguments(count, "architecture name (see `list`), or MODULE:CALLABLE that builds any model")
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
        type=_dtype,
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
    _add_model_arguments(train)
    train.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    train.add_argument(
        "--batch-size", type=positive_int, default=None, metavar="N", help="(default: 32 for MNIST, 64 for SST-2)"
    )
    _add_training_arguments(train)
    train.add_argument("--json", action="store_true", help="one JSON object instead of text")

    sweep = verbs.add_parser(
        "train-sweep",
        help="train every config that benchmark JSON files hold, at the "
        "batch size it was timed at; one JSON list the report reads",
    )
    sweep.add_argument("results", nargs="+", metavar="RESULTS", help="pytest-benchmark JSON files")
    sweep.add_argument("--out", required=True, metavar="FILE", help="the training JSON to write")
    sweep.add_argument("--epochs", type=positive_int, default=1, metavar="N", help="(default: 1)")
    _add_training_arguments(sweep)

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
    _add_training_arguments(lab, seed=False)

    report = verbs.add_parser("report", help="Markdown tables and PNG plots from result JSON files")
    report.add_argument("results", nargs="+", metavar="RESULTS", help="benchmark or training JSON files")
    report.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")

    export = verbs.add_parser("export", help="write the model graph as ONNX for Netron")
    _add_model_arguments(export)
    export.add_argument("--onnx", required=True, metavar="PATH", help="output .onnx file")
    for command in (history, bisect, record_baseline, measure_spread):
        command.add_parser(verbs)
    return root


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    try:
        return VERBS[arguments.command](arguments)
    except (HistoryError, bisect.BisectError, record_baseline.RecordingError, measure_spread.SpreadError) as error:
        print(error, file=sys.stderr)
        return 2
    except (ConfigError, DataError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MemoryError, RuntimeError) as error:  # torch's allocators raise RuntimeError subclasses
        if not isinstance(error, MemoryError) and "memory" not in str(error):
            raise
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"error: out of memory ({first}); try a smaller --batch-size", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; the processes it started were ended and nothing was saved", file=sys.stderr)
        return INTERRUPTED_EXIT
