"""Each benchmark's process spread on this machine: unchanged code, many fresh process pairs.

    nngate measure-spread --runs 4 --process-pairs 3            # 12 process pairs a benchmark
    nngate measure-spread --runs 2 --process-pairs 3 --write    # and record them for the gate
    nngate spreads [--all]                                      # the recorded ones, per CPU met

Each run is one A/B comparison of the working tree with a base revision (default HEAD: the same
code), every benchmark timed by exactly --process-pairs fresh process pairs (none settles early),
in the same lockstep the gate uses. A process pair's ratio is the median of its slot pairs; a
benchmark's spread is the distance from 1, either way, that all but one process pair in twenty stay
within (the widest, below twenty pairs: nngate.gate.spread.spread_from). With --write the ratios
join those recorded before for this machine in .benchmarks/spreads.json and its spreads become
those of all of them (--replace starts over, for a cause removed); the gate allows each benchmark
the larger of the threshold and its spread. The raw ratios are printed, one line a benchmark.
"""

from __future__ import annotations

import argparse
import datetime
import json
import statistics
from dataclasses import asdict
from pathlib import Path

from nngate.gate.ab import ABRunner
from nngate.gate.options import DEFAULT_MAX_PAIRS, DEFAULT_THRESHOLD
from nngate.gate.spread import (
    Spreads,
    accumulated,
    entry_for,
    load_recorded,
    spread_from,
    spreads_file,
    with_machine,
)
from nngate.gate.spread_table import spread_table
from nngate.project import benchmark_paths
from nngate.runtime.git import RevisionError, resolve_revision
from nngate.runtime.machine import fingerprint
from nngate.runtime.processes import interrupt_on_sigterm, node_ids
from nngate.workloads.config import positive_int


class SpreadError(Exception):
    """A measurement that could not start; one line."""


def add_parser(verbs) -> None:
    spread = verbs.add_parser(
        "measure-spread", help="each benchmark's process spread here: unchanged code in many fresh process pairs"
    )
    spread.add_argument("--runs", type=positive_int, default=4, metavar="N", help="A/B runs (default: 4)")
    spread.add_argument(
        "--process-pairs", type=positive_int, default=3, metavar="N", help="process pairs per run (default: 3)"
    )
    spread.add_argument("--base", default="HEAD", metavar="REV", help="the base revision (default: HEAD)")
    spread.add_argument(
        "--write",
        action="store_true",
        help="record the ratios and spreads in .benchmarks/spreads.json, joined to this machine's recorded ones",
    )
    spread.add_argument(
        "--replace", action="store_true", help="with --write: drop this machine's recorded spreads (a cause removed)"
    )
    spread.add_argument(
        "selection",
        nargs="*",
        help="what to collect (default: [tool.nngate] benchmarks, else bench/, else pytest's own)",
    )
    shown = verbs.add_parser(
        "spreads", help="the recorded process spreads, per CPU met: the benchmarks that move more than the threshold"
    )
    shown.add_argument("--all", action="store_true", help="every recorded benchmark, not only those over it")
    shown.add_argument(
        "--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="F", help="(default: 0.05, the gate's)"
    )


def show(arguments: argparse.Namespace) -> int:
    """Print .benchmarks/spreads.json as the README's table; nothing is measured."""
    path = spreads_file(Path.cwd())
    recorded = load_recorded(path)
    if path.exists() and not recorded:
        raise SpreadError(f"spreads: {path} holds no machine's spreads (unreadable, or not a spreads file)")
    print(spread_table(recorded, arguments.threshold, every=arguments.all))
    return 0


def run(arguments: argparse.Namespace) -> int:
    root = Path.cwd()
    if arguments.replace and not arguments.write:
        raise SpreadError("measure-spread: --replace only goes with --write (it replaces what --write records)")
    interrupt_on_sigterm()
    try:  # before collecting: git's problems cost nothing to find, pytest's collection seconds
        commit = resolve_revision(root, arguments.base, "--base", "name a commit it has with --base REV")
    except RevisionError as error:
        raise SpreadError(f"measure-spread: {error}") from None
    # The sides run the suite's default threads and are pinned to as many CPUs (ABRunner.threads). Pinned
    # to both cores of this VM, a slot ran on whichever core was free, and one process pair's ratio of
    # MLP bs1 came out anywhere in 0.64-1.42.
    machine = fingerprint()
    selection = arguments.selection or benchmark_paths(root)
    names = node_ids(root, selection)
    if not names:
        raise SpreadError(
            f"measure-spread: pytest collects nothing for {' '.join(selection) or 'its testpaths'} in {root}"
        )
    print(f"machine: {machine.describe()}; {len(names)} benchmarks; base {commit[:12]}", flush=True)
    ratios: dict[str, list[float]] = {name: [] for name in names}
    for run in range(1, arguments.runs + 1):
        runner = ABRunner(
            root,
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
    spreads = {name: round(spread_from(values), 4) for name, values in ratios.items() if values}
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
            "measure-spread"
        )
        path = spreads_file(root)
        recorded = load_recorded(path)
        earlier = None if arguments.replace else entry_for(asdict(machine.machine), recorded)
        spreads, kept = accumulated(earlier, {name: values for name, values in ratios.items() if values})
        if earlier:
            about = f"{earlier.get('about', '')}; {about}"
        entries = with_machine(recorded, machine, spreads, about, kept)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps({"machines": entries}, indent=1) + "\n")
        print(f"written: {path.relative_to(root)}")
    return 0
