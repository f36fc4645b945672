"""Record the gate's baseline for this machine: the smoke set timed in several fresh processes.

    python bench/record_baseline.py [--runs 5] [--name baseline] [--instructions] [-- extra pytest options]

Each run is a fresh `pytest bench` process; the runs are merged (models.gate.baselines) into the
next `.benchmarks/<machine id>/NNNN_<name>.json`. An existing file is never overwritten, and
nothing is written unless every run succeeded. With --instructions the first run also counts
instructions under callgrind (a count is exact: one run's is the baseline's).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import schema  # noqa: E402
from models.gate.baselines import BASELINE_NAME, BaselineError, check_name, machine_class_of, merge, save_new  # noqa: E402
from models.gate.confirmation import MIN_ROUNDS  # noqa: E402
from models.gate.counting_policy import COUNTED  # noqa: E402
from models.processes import fresh_pytest, interrupt_on_sigterm  # noqa: E402

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


def record(arguments: argparse.Namespace) -> None:
    from pytest_benchmark.utils import get_machine_id

    documents = []
    for index in range(1, arguments.runs + 1):
        counting = ["--instructions"] if arguments.instructions and index == 1 else []
        run = fresh_pytest(["bench", *arguments.pytest_options, *counting], ROOT)
        if run.status != 0 or run.document is None:
            sys.exit(f"error: run {index} failed (pytest exit {run.status}); nothing saved\n{run.output}")
        if counting and not all(
            schema.INSTRUCTIONS in bench["extra_info"]
            or bench["extra_info"].get(schema.INSTRUCTIONS_COUNTING) not in (None, COUNTED)
            for bench in run.document["benchmarks"]
        ):
            sys.exit(f"error: run {index} counted no instructions for some benchmarks; nothing saved\n{run.output}")
        documents.append(run.document)
        print(f"run {index}/{arguments.runs} done", flush=True)
    merged = merge(documents)
    path = save_new(ROOT / ".benchmarks" / get_machine_id(), arguments.name, merged)
    print(f"{'benchmark':<45} {'median q1 ms':>12} {'noise':>7} {'instructions':>14}")
    for bench in merged["benchmarks"]:
        info = bench["extra_info"]
        print(
            f"{bench['name']:<45} {info[schema.GATE_SECONDS] * 1e3:>12.3f} {info[schema.GATE_NOISE]:>7.1%} "
            f"{info.get(schema.INSTRUCTIONS, '-'):>14}"
        )
    for line in warnings_about(arguments.pytest_options, documents):
        print(line)
    print(f"saved {path.relative_to(ROOT)} ({arguments.runs} processes, machine class {machine_class_of(merged)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes to merge (default: 5)")
    parser.add_argument("--name", default="baseline", help="saved name; the gate reads *_baseline* (default: baseline)")
    parser.add_argument("--instructions", action="store_true", help="the first run counts instructions (default: off)")
    parser.add_argument("pytest_options", nargs="*", help="after --: options for each pytest run, e.g. --threads=2")
    arguments = parser.parse_args()
    if arguments.runs < 2:
        parser.error("--runs: at least 2, or there is no noise to measure (plain --benchmark-save records one run)")
    try:
        check_name(arguments.name)
    except BaselineError as error:
        parser.error(str(error))
    if not arguments.name.startswith(BASELINE_NAME):
        print(f"warning: plain --gate reads *_{BASELINE_NAME}*.json only; this one is for --gate={arguments.name}")
    interrupt_on_sigterm()  # SIGTERM as SIGINT: the running pytest child is ended
    try:
        record(arguments)
    except BaselineError as error:
        sys.exit(f"error: {error}; nothing saved")
    except KeyboardInterrupt:
        sys.exit("error: interrupted; the running pytest was ended and nothing was saved")


if __name__ == "__main__":
    main()
