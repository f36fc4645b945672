"""Record the gate's baseline for this machine: the smoke set timed in several fresh processes.

    python bench/record_baseline.py [--runs 5] [--name baseline] [-- extra pytest options]

Each run is a fresh `pytest bench` process; the runs are merged (models.baseline) into the next
`.benchmarks/<machine id>/NNNN_<name>.json`. An existing file is never overwritten, and nothing is
written unless every run succeeded.
"""
from __future__ import annotations

import argparse
import json
import sys

from runs import ROOT, bench_run  # bench/runs.py: this script's own folder is first on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes to merge (default: 5)")
    parser.add_argument("--name", default="baseline", help="saved name; the gate reads *_baseline.json (default: baseline)")
    parser.add_argument("pytest_options", nargs="*", help="after --: options for each pytest run, e.g. --threads=2")
    arguments = parser.parse_args()
    if arguments.runs < 2:
        parser.error("--runs: at least 2, or there is no noise to measure (plain --benchmark-save records one run)")
    sys.path.insert(0, str(ROOT))
    from pytest_benchmark.utils import get_machine_id

    from models import baseline, gate

    documents = []
    for index in range(1, arguments.runs + 1):
        documents.append(bench_run(arguments.pytest_options)[1])  # a failed run exits: nothing saved
        print(f"run {index}/{arguments.runs} done", flush=True)
    try:
        merged = baseline.merge(documents)
    except gate.BaselineError as error:
        sys.exit(f"error: {error}; nothing saved")
    directory = ROOT / ".benchmarks" / get_machine_id()
    directory.mkdir(parents=True, exist_ok=True)
    path = baseline.next_path(directory, arguments.name)
    path.write_text(json.dumps(merged, indent=4))
    print(f"{'benchmark':<45} {'median q1 ms':>12} {'noise':>7}")
    for bench in merged["benchmarks"]:
        info = bench["extra_info"]
        print(f"{bench['name']:<45} {info[gate.TIME] * 1e3:>12.3f} {info[gate.NOISE]:>7.1%}")
    print(f"saved {path.relative_to(ROOT)} ({arguments.runs} processes, machine class {gate.machine_class_of(merged)})")


if __name__ == "__main__":
    main()
