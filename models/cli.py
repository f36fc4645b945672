"""`python -m models {list,count,train,report,export}`: the parser, then what each verb does.

Every user error (bad option, unknown architecture, missing data) ends as one line on stderr and
exit status 2; a verb returns its exit status.
"""
from __future__ import annotations

import argparse
import json
import sys

from models import schema
from models.arch.config import ConfigError, parse_assignments, positive_int
from models.arch.registry import ARCHITECTURES, get_architecture
from models.data.splits import DataError


def _config(arguments: argparse.Namespace, **defaults):
    arch = get_architecture(arguments.arch)
    return arch, arch.config(**{**defaults, **parse_assignments(arguments.assignments)})


def list_architectures(arguments: argparse.Namespace) -> int:
    for arch in ARCHITECTURES.values():
        config = arch.config()
        shapes = ", ".join("x".join(map(str, shape)) for shape in config.input_shapes(1))
        options = " ".join(f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}"
                           for key, value in config.options().items())
        print(f"{arch.name:<9} {arch.summary}\n          task: {arch.task}; input: {shapes}\n"
              f"          options: {options}")
    return 0


def count_layers(arguments: argparse.Namespace) -> int:
    from models.counting import count, render
    from models.counting.measured import check

    _, config = _config(arguments)
    table = count(config, arguments.batch_size, arguments.dtype, arguments.view)
    print(json.dumps(table.to_json()) if arguments.json else render(table))
    if not arguments.check:
        return 0
    ok, lines = check(config, arguments.batch_size)
    print("\n".join(lines), file=sys.stderr if arguments.json else sys.stdout)
    return 0 if ok else 1


# The train command's defaults per task: MNIST-shaped ResNet, and batch sizes that train well.
TASK_DEFAULTS = {"mnist": {"resnet18": {"in_channels": 1, "image_size": 28, "classes": 10}}}
TRAIN_BATCH_SIZE = {"mnist": 32, "sst2": 64}


def train_model(arguments: argparse.Namespace) -> int:
    import torch

    from models.arch.registry import build_from_config
    from models.counting import count
    from models.data import load_mnist, load_sst2
    from models.harness.devices import set_threads
    from models.harness.training import fit

    arch = get_architecture(arguments.arch)
    if arch.task not in TRAIN_BATCH_SIZE:
        raise ValueError(f"{arch.name}: no {arch.task} training set is bundled; its train step is timed in "
                         f"bench/test_train_step.py")
    _, config = _config(arguments, **TASK_DEFAULTS.get(arch.task, {}).get(arch.name, {}))
    shape = config.input_shapes(1)[0]
    if arch.task == "mnist" and shape[1:] not in ((784,), (1, 28, 28)):
        raise ValueError(f"{arch.name}: input {'x'.join(map(str, shape[1:]))} does not fit 1x28x28 MNIST digits")
    threads = set_threads(arguments.threads)
    data = (load_mnist(arguments.data_dir, arguments.download) if arch.task == "mnist"
            else load_sst2(arguments.data_dir, arguments.download, vocab=config.vocab))
    print(f"data: {data.source}", file=sys.stderr)
    torch.manual_seed(arguments.seed)
    model = build_from_config(config)
    batch_size = arguments.batch_size or TRAIN_BATCH_SIZE[arch.task]
    result = fit(model, data, arch.task, arguments.epochs, batch_size, seed=arguments.seed,
                 progress=not arguments.json)
    table = count(config, view="complete")
    summary = {"architecture": arch.name, "config": config.options(), "accuracy": result.accuracy,
               "train_seconds": result.train_seconds, "step_seconds": result.step_seconds, "steps": result.steps,
               "epochs": result.epochs, "batch_size": batch_size, "loss_per_epoch": result.losses,
               "params": table.params, "macs": table.macs, "input_shape": list(shape[1:]),
               "output_shape": list(table.rows[-1].output_shape[1:]), "data_source": data.source,
               "threads": threads, "seed": arguments.seed}
    if arguments.json:
        print(json.dumps(summary))
    else:
        print(f"{arch.name}: accuracy {result.accuracy:.4f} after {result.epochs} epoch(s) of {result.steps} steps; "
              f"train {result.train_seconds:.2f} s ({result.step_seconds * 1e3:.2f} ms/step, batch {batch_size}, "
              f"{threads} thread(s)); params {table.params:,}; MACs/example {table.macs:,}")
    return 0


def report(arguments: argparse.Namespace) -> int:
    from models.report.document import write_report

    path = write_report(arguments.results, arguments.out)
    print(f"report: {path}")
    return 0


# Inputs and outputs named as a reader of the graph expects them; BERT's are transformers' own names.
ONNX_NAMES = {"bert_qa": (["input_ids", "attention_mask", "token_type_ids"], ["start_logits", "end_logits"]),
              "default": (["input"], ["logits"])}


def export(arguments: argparse.Namespace) -> int:
    import importlib.util

    from models.arch.registry import build_from_config
    from models.data.synthetic import example_inputs

    if importlib.util.find_spec("onnx") is None:
        raise ValueError("export needs the onnx package: pip install 'nnbench[onnx]' (or pip install onnx)")
    import torch

    _, config = _config(arguments)
    model = build_from_config(config).eval()
    inputs = example_inputs(config, 2)  # batch 2, so the exporter cannot fold the batch axis into a constant
    names = ONNX_NAMES.get(get_architecture(arguments.arch).name, ONNX_NAMES["default"])
    torch.onnx.export(model, inputs, arguments.onnx, dynamo=False, input_names=names[0], output_names=names[1],
                      dynamic_axes={name: {0: "batch"} for name in names[0] + names[1]})
    print(f"wrote {arguments.onnx}: open it in Netron (https://netron.app)")
    return 0


VERBS = {"list": list_architectures, "count": count_layers, "train": train_model, "report": report, "export": export}




def _dtype(text: str) -> str:
    try:
        return schema.canonical_dtype(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("dtype: ")) from None


def _add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("arch", metavar="ARCH", help="architecture name (see `list`)")
    parser.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="config option, repeatable, e.g. --set hidden=1024,128 (default: none)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m models", description="Workloads, counts, training and reports of nnbench.")
    verbs = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    verbs.add_parser("list", help="architectures, their options and default inputs")

    count = verbs.add_parser("count", help="analytic params, MACs and per-layer table")
    _add_model_arguments(count)
    count.add_argument("--batch-size", type=positive_int, default=1, metavar="N", help="(default: 1)")
    count.add_argument("--dtype", type=_dtype, default="fp32", metavar="DTYPE",
                       help=f"{'|'.join(schema.DTYPE_BYTES)} (float32/bfloat16/float16 accepted) (default: fp32)")
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
        return VERBS[arguments.command](arguments)
    except (ConfigError, DataError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
