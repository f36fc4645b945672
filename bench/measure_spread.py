"""Each benchmark's process spread on this machine: unchanged code, many fresh process pairs.

    python bench/measure_spread.py --runs 4 --process-pairs 3            # 12 process pairs a benchmark
    python bench/measure_spread.py --runs 2 --process-pairs 3 --write    # and record them for the gate

Each run is one A/B comparison of the working tree with a base revision (default HEAD: the same
code), every benchmark timed by exactly --process-pairs fresh process pairs (none settles early),
in the same lockstep the gate uses. A process pair's ratio is the median of its slot pairs; a
benchmark's spread is the largest distance from 1 of any of its process pairs' ratios, either way.
With --write the spreads go into models/gate/spreads.json under this machine's fingerprint
(replacing its earlier entry), and the gate allows each benchmark the larger of the threshold and
its spread (models.gate.spread). The raw ratios are printed, one line a benchmark, to keep as the
evidence.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.gate.ab import ABRunner  # noqa: E402
from models.gate.machine import fingerprint  # noqa: E402
from models.gate.options import DEFAULT_MAX_PAIRS, DEFAULT_THRESHOLD  # noqa: E402
from models.gate.process_pairs import spread_of  # noqa: E402
from models.gate.spread import SPREADS_FILE, Spreads, load_recorded, with_machine  # noqa: E402
from models.gate.worktree import resolve_revision  # noqa: E402
from models.processes import interrupt_on_sigterm, node_ids  # noqa: E402
from models.pytest_options import DEFAULT_THREADS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4, help="A/B runs (default: 4)")
    parser.add_argument("--process-pairs", type=int, default=3, help="process pairs per run (default: 3)")
    parser.add_argument("--base", default="HEAD", help="the base revision (default: HEAD)")
    parser.add_argument("--write", action="store_true", help=f"record the spreads in {SPREADS_FILE.name}")
    parser.add_argument("selection", nargs="*", default=["bench"], help="what to collect (default: bench)")
    arguments = parser.parse_args()
    interrupt_on_sigterm()
    # As the plugin does in a gated run: the sides are pinned to as many CPUs as timing threads. With
    # torch's default here (every core) they were pinned to both cores of this VM, a slot ran on
    # whichever core was free, and one process pair's ratio of MLP bs1 came out anywhere in 0.64-1.42.
    torch.set_num_threads(DEFAULT_THREADS)
    machine = fingerprint()
    names = node_ids(ROOT, arguments.selection)
    if not names:
        sys.exit("error: nothing collected")
    commit = resolve_revision(ROOT, arguments.base)
    print(f"machine: {machine.describe()}; {len(names)} benchmarks; base {commit[:12]}", flush=True)
    ratios: dict[str, list[float]] = {name: [] for name in names}
    for run in range(1, arguments.runs + 1):
        runner = ABRunner(
            ROOT,
            commit,
            [],  # no shared options: each side runs at the suite's defaults, as a plain gated run does
            [],
            DEFAULT_THRESHOLD,
            DEFAULT_MAX_PAIRS,
            Spreads(),
            max_process_pairs=arguments.process_pairs,
            min_process_pairs=arguments.process_pairs,
        )
        for verdict in runner.run(names).verdicts:
            ratios[verdict.name].extend(verdict.process_ratios)
            print(f"run {run}: {verdict.name} {' '.join(f'{r:.3f}' for r in verdict.process_ratios)}", flush=True)
    spreads = {name: round(max(map(spread_of, values)), 4) for name, values in ratios.items() if values}
    print("\nbenchmark  process pairs  median  spread  ratios")
    for name, values in ratios.items():
        if values:
            print(
                f"{name}  {len(values)}  {statistics.median(values):.3f}  {spreads[name]:.1%}  "
                + " ".join(f"{value:.3f}" for value in values)
            )
    if arguments.write:
        about = (
            f"{datetime.date.today()}: {arguments.runs} x {arguments.process_pairs} process pairs of unchanged code, "
            "bench/measure_spread.py"
        )
        entries = with_machine(load_recorded(), machine, spreads, about)
        SPREADS_FILE.write_text(json.dumps({"machines": entries}, indent=1) + "\n")
        print(f"written: {SPREADS_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
