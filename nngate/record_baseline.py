"""Record the gate's baseline for this machine: the smoke set timed in several fresh processes.

    nngate record-baseline [--runs 5] [--name baseline] [--instructions] [-- extra pytest options]

Run in the repository's root (the folder with .benchmarks/). Each run is a fresh `pytest` over the
benchmarks (nngate.project.benchmark_paths); the runs are merged (nngate.gate.baselines) into the
next `.benchmarks/<machine id>/NNNN_<name>.json`. An existing file is never overwritten, and
nothing is written unless every run succeeded. With --instructions the first run also counts
instructions under callgrind (a count is exact: one run's is the baseline's).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nngate import schema
from nngate.gate.baselines import BASELINE_NAME, BaselineError, check_name, machine_class_of, merge, save_new
from nngate.gate.confirmation import MIN_ROUNDS
from nngate.gate.counting_policy import COUNTED
from nngate.project import benchmark_paths
from nngate.runtime.processes import fresh_pytest, interrupt_on_sigterm
from nngate.workloads.config import positive_int


class RecordingError(Exception):
    """A recording that saved nothing; one line."""


SUBSET_OPTIONS = ("-k", "-m", "--arch", "--deselect", "--lf", "--last-failed")


def warnings_about(pytest_options: list[str], documents: list[dict]) -> list[str]:
    """What makes a recording a weaker baseline: a subset of the benchmarks, or fewer rounds than the gate's."""
    found = []
    subset = [option for option in pytest_options if option.split("=")[0] in SUBSET_OPTIONS or "::" in option]
    if subset:
        found.append(
            f"warning: recorded from a subset ({' '.join(subset)}): the gate times the rest A/B against "
            "this baseline's commit, or calls them new"
        )
    rounds = min((bench["stats"]["rounds"] for document in documents for bench in document["benchmarks"]), default=0)
    if rounds < MIN_ROUNDS:
        found.append(f"warning: some benchmarks have {rounds} rounds, below the gate's {MIN_ROUNDS}: a rougher q1")
    return found


def record(arguments: argparse.Namespace, root: Path) -> None:
    from pytest_benchmark.utils import get_machine_id

    paths = benchmark_paths(root)
    documents = []
    for index in range(1, arguments.runs + 1):
        counting = ["--instructions"] if arguments.instructions and index == 1 else []
        run = fresh_pytest([*paths, *arguments.pytest_options, *counting], root)
        if run.status != 0 or run.document is None:
            raise RecordingError(
                f"record-baseline: run {index} failed (pytest exit {run.status}); nothing saved\n{run.output}"
            )
        if counting and not all(
            schema.INSTRUCTIONS in bench["extra_info"]
            or bench["extra_info"].get(schema.INSTRUCTIONS_COUNTING) not in (None, COUNTED)
            for bench in run.document["benchmarks"]
        ):
            raise RecordingError(
                f"record-baseline: run {index} counted no instructions for some benchmarks; nothing saved\n{run.output}"
            )
        documents.append(run.document)
        print(f"run {index}/{arguments.runs} done", flush=True)
    merged = merge(documents)
    path = save_new(root / ".benchmarks" / get_machine_id(), arguments.name, merged)
    print(f"{'benchmark':<45} {'median q1 ms':>12} {'noise':>7} {'instructions':>14}")
    for bench in merged["benchmarks"]:
        info = bench["extra_info"]
        print(
            f"{bench['name']:<45} {info[schema.GATE_SECONDS] * 1e3:>12.3f} {info[schema.GATE_NOISE]:>7.1%} "
            f"{info.get(schema.INSTRUCTIONS, '-'):>14}"
        )
    for line in warnings_about(arguments.pytest_options, documents):
        print(line)
    print(f"saved {path.relative_to(root)} ({arguments.runs} processes, machine class {machine_class_of(merged)})")


def add_parser(verbs) -> None:
    recorder = verbs.add_parser(
        "record-baseline", help="the gate's baseline for this machine: the benchmarks timed in fresh processes, merged"
    )
    recorder.add_argument(
        "--runs", type=positive_int, default=5, metavar="N", help="fresh processes to merge (default: 5)"
    )
    recorder.add_argument(
        "--name",
        default=BASELINE_NAME,
        help=f"saved name; the gate reads *_{BASELINE_NAME}* (default: {BASELINE_NAME})",
    )
    recorder.add_argument(
        "--instructions", action="store_true", help="the first run counts instructions (default: off)"
    )
    recorder.add_argument("pytest_options", nargs="*", help="after --: options for each pytest run, e.g. --threads=2")


def run(arguments: argparse.Namespace) -> int:
    if arguments.runs < 2:
        raise RecordingError(
            "record-baseline: --runs: at least 2, or there is no noise to measure "
            "(plain --benchmark-save records one run)"
        )
    try:
        check_name(arguments.name)
    except BaselineError as error:
        raise RecordingError(f"record-baseline: {error}") from None
    if not arguments.name.startswith(BASELINE_NAME):
        print(f"warning: plain --gate reads *_{BASELINE_NAME}*.json only; this one is for --gate={arguments.name}")
    interrupt_on_sigterm()  # SIGTERM as SIGINT: the running pytest child is ended (the CLI says so, exit 130)
    try:
        record(arguments, Path.cwd())
    except BaselineError as error:
        raise RecordingError(f"record-baseline: {error}; nothing saved") from None
    return 0
