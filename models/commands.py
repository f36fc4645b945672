"""What each CLI verb does, given parsed arguments; returns the exit status."""
from __future__ import annotations

import argparse
import json
import sys

from models.config import parse_assignments
from models.registry import ARCHITECTURES, get_architecture


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


VERBS = {"list": list_architectures, "count": count_layers}
