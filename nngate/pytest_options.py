"""The suite's pytest options: one `nnbench` group, each option with a metavar, a typed parser that
names the bad value, and help that ends with its default (the gate's defaults: nngate.gate.options)."""

from __future__ import annotations

import argparse

import pytest

from nngate import schema
from nngate.gate.options import (
    DEFAULT_INSTRUCTIONS_THRESHOLD,
    DEFAULT_MAX_PAIRS,
    DEFAULT_MAX_PROCESS_PAIRS,
    DEFAULT_THRESHOLD,
    DEFAULT_UNMEASURED_SPREAD,
    fraction,
)
from nngate.harness.devices import DEVICES
from nngate.harness.variants import DEFAULT_VARIANT, VARIANTS
from nngate.runtime.processes import HISTORY_VARIABLE
from nngate.runtime.sides import DEFAULT_THREADS
from nngate.workloads import workloads
from nngate.workloads.config import comma_names, positive_int


def _choice(*allowed: str):
    def parse(text: str) -> str:
        if text not in allowed:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _bench_dtype(text: str) -> str:
    try:
        return schema.canonical_dtype(text, schema.BENCH_DTYPES)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(schema.BENCH_DTYPES)}") from None


def add_options(parser: pytest.Parser) -> None:
    """The plugin's options in one `nnbench` group (the tests' --data-dir is the root conftest's), each
    with a typed parser and its default in its help."""
    group = parser.getgroup("nnbench", "nnbench: workloads, devices and the regression gate")
    group.addoption(
        "--profile",
        type=_choice(*schema.PROFILES),
        default="smoke",
        metavar="NAME",
        help="benchmark set: smoke (CI's, about a minute) or full (the labs' sweeps) (default: smoke)",
    )
    group.addoption(
        "--device",
        type=_choice(*DEVICES),
        default="cpu",
        metavar="DEVICE",
        help="cpu or cuda; cuda without a GPU skips with the reason (default: cpu)",
    )
    group.addoption(
        "--dtype",
        type=_bench_dtype,
        default="fp32",
        metavar="DTYPE",
        help="fp32, bf16 under autocast, or tf32 (CUDA fp32 matmuls in TF32; skips elsewhere) "
        "(float32/bfloat16 accepted) (default: fp32)",
    )
    group.addoption(
        "--arch",
        type=comma_names(lambda: tuple(workloads())),
        default=None,
        metavar="NAME[,NAME]",
        help="only these architectures' benchmarks, e.g. mlp,cnn (default: all)",
    )
    group.addoption(
        "--variant",
        type=comma_names(VARIANTS),
        default=(DEFAULT_VARIANT,),
        metavar="NAME[,NAME]",
        help="how each model runs, each a benchmark of its own: eager, channels_last (models with "
        "Conv2d), compile (torch.compile, its compile time recorded apart) or cudagraph (CUDA only); "
        "a variant that cannot run a case skips with the reason (default: eager)",
    )
    group.addoption(
        "--threads",
        type=positive_int,
        default=DEFAULT_THREADS,
        metavar="N",
        help=f"torch intra-op threads, recorded with every result (default: {DEFAULT_THREADS})",
    )
    group.addoption(
        "--gate",
        nargs="?",
        const="auto",
        default=None,
        metavar="BASELINE",
        help="fail on latency regressions: against the committed baseline recorded on this machine "
        "(its fingerprint), else A/B against the commit that recorded the newest baseline; or "
        "against BASELINE (a file, or a saved name such as 0001) (default: off)",
    )
    group.addoption(
        "--gate-base",
        default=None,
        metavar="REV",
        help="gate A/B against git revision REV, timed beside the working tree in this run "
        "(implies --gate) (default: none)",
    )
    group.addoption(
        "--gate-ab",
        action="store_true",
        default=False,
        help="gate A/B even where a committed baseline of this machine exists: against the commit that "
        "recorded the newest baseline (or --gate=BASELINE's), timed beside the working tree in this run "
        "(implies --gate) (default: off)",
    )
    group.addoption(
        "--gate-pairs",
        type=positive_int,
        default=DEFAULT_MAX_PAIRS,
        metavar="N",
        help=f"A/B mode: at most N pairs of timed slots per benchmark (default: {DEFAULT_MAX_PAIRS})",
    )
    group.addoption(
        "--gate-process-pairs",
        type=positive_int,
        default=DEFAULT_MAX_PROCESS_PAIRS,
        metavar="N",
        help="A/B mode: at most N pairs of fresh processes per benchmark, one more only while a benchmark is "
        f"undecided; a regression must hold in a majority of N (default: {DEFAULT_MAX_PROCESS_PAIRS})",
    )
    group.addoption(
        "--gate-unmeasured-spread",
        type=fraction,
        default=DEFAULT_UNMEASURED_SPREAD,
        metavar="FRACTION",
        help="A/B mode: the process spread assumed for a benchmark whose spread was never measured "
        f"(measure-spread); 0: the threshold alone (default: {DEFAULT_UNMEASURED_SPREAD:.0%}%)",
    )
    group.addoption(
        "--gate-strict",
        action="store_true",
        default=False,
        help="fail the run unless every selected benchmark was timed and judged (default: off: say so, pass)",
    )
    group.addoption(
        "--gate-threshold",
        type=fraction,
        default=DEFAULT_THRESHOLD,
        metavar="FRACTION",
        help=f"slowdown that counts as a regression, e.g. 0.05 or 5%%; a bare 1 or more is refused "
        f"(default: {DEFAULT_THRESHOLD:.0%}%)",
    )
    group.addoption(
        "--instructions",
        action="store_true",
        default=False,
        help="also count each benchmark's CPU instructions per call under callgrind (one valgrind per "
        "side, after the timing), recorded as extra_info['instructions'] and judged by the gate "
        "(default: off)",
    )
    group.addoption(
        "--gate-instructions-threshold",
        type=fraction,
        default=DEFAULT_INSTRUCTIONS_THRESHOLD,
        metavar="FRACTION",
        help="more instructions per call than this is an instructions regression "
        f"(default: {DEFAULT_INSTRUCTIONS_THRESHOLD:.0%}%)",
    )
    group.addoption(
        "--history",
        nargs="?",
        const="",
        default=None,
        metavar="URL",
        help="append every benchmark's result to the history store at URL (SQLAlchemy's form: sqlite:///PATH, "
        f"postgresql://USER@HOST/DB); alone: ${HISTORY_VARIABLE}, else sqlite:///.benchmarks/history.sqlite; "
        f"${HISTORY_VARIABLE} set records there without the option (default: off)",
    )
    group.addoption(
        "--inject-slowdown",
        type=fraction,
        default=0.0,
        metavar="FRACTION",
        help="busy-wait this fraction of every Linear/Conv2d forward's own time, to test the gate (default: 0)",
    )
