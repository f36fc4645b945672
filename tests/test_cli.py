"""The command line: every verb's happy path and its one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

import models
from nngate.cli import main, parser


def test_list_prints_every_architecture_with_options(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in models.ARCHITECTURES:
        assert f"\n{name} " in f"\n{out}"
    assert "hidden=256,128" in out and "kernel=5" in out and "attention=sdpa" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["count", "vgg"], "unknown workload 'vgg'"),
        (["count", "cnn", "--set", "kernel=30"], "kernel: 30x30 conv1 on a 28x28 map leaves no pixels"),
        (["count", "mlp", "--set", "hidden"], "hidden: expected key=value"),
    ],
)
def test_user_errors_are_one_line_with_status_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["count", "mlp", "--batch-size", "0"], "must be at least 1, got 0"),
        (["count", "mlp", "--dtype", "int8"], "'int8' is not one of fp32, bf16, fp16"),
    ],
)
def test_bad_options_are_argparse_usage_errors_that_name_the_choices(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.integration
def test_no_traceback_from_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "models", "count", "cnn", "--set", "kernel=30"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.startswith("error: kernel:")


def _verb_paths(parser, path=()):
    """Every verb and sub-verb of the command line, as the argv that reaches it."""
    yield path
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        for name, child in action.choices.items():
            yield from _verb_paths(child, (*path, name))


@pytest.mark.parametrize("path", list(_verb_paths(parser())), ids=lambda path: " ".join(path) or "(root)")
def test_every_verb_prints_its_help(capsys, path):
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: nngate") and "options:" in out
