"""`nngate (or python -m models) {list,count,train,train-sweep,lab,report,export,history,bisect,record-baseline,
measure-spread,spreads}`: what each verb does (their options: nngate.arguments).

Every user error (bad option, unknown architecture, missing data) ends as one line on stderr and
exit status 2; a verb returns its exit status.
"""

from __future__ import annotations

import argparse
import json
import sys

from nngate import bisect, measure_spread, record_baseline, schema
from nngate.arguments import parser
from nngate.history import commands as history
from nngate.history.store import HistoryError
from nngate.runtime.processes import INTERRUPTED_EXIT
from nngate.workloads import example_call, get_workload, workloads
from nngate.workloads.config import ConfigError, parse_assignments
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
