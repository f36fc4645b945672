"""Is a process pair's wide ratio the process, or the lockstep's short window? One process, no pair.

A process pair's ratio of one benchmark is the median of its slot pairs (nngate.gate.pairing: at
least 4, most benchmarks decided after 4), so it stands for about 0.4 s of strictly alternating
0.05 s slots, not for the processes' whole lives. Here both "sides" are the same prepared case in
one process, pinned to the CPU the gate times on: every window's ratio away from 1 is the timing's
own, since nothing differs between the sides. A window is what one process pair gives a benchmark
(a warm-up slot each, then `--pairs` slot pairs, their median); the ways of ordering the slots are
timed window by window in turn, so they share the machine's periods:

* `strict`:  A B A B ... as the gate's lockstep (nngate.runtime.scheduler.Lockstep);
* `coin`:    each pair's order drawn by a seeded coin (A B or B A);
* `copies`:  strict, but B is a second prepared copy (other addresses, the harness's own way).

Each way's spread is the gate's (nngate.gate.spread.spread_from: all but one window in twenty within
it), beside how many windows lie beyond 5% and 10%. Run from the repository's root:

    python docs/evidence/scripts/lockstep_windows.py mlp --windows 150
    python docs/evidence/scripts/lockstep_windows.py bow_mlp --windows 150 --pairs 12
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from process_modes import cpu_model  # noqa: E402

from nngate.probe.side import call_times  # noqa: E402
from nngate.runtime.scheduler import slot_time  # noqa: E402

WAYS = ("strict", "coin", "copies")


def slot(body, calls: int) -> float:
    """One slot as a side times it and the gate reads it: the q1 of `calls` calls."""
    return slot_time(call_times(body, calls))


def window(first, second, calls: int, pairs: int, coin: random.Random | None) -> float:
    """One process pair's ratio of a benchmark, as the lockstep times it: first's slot over second's,
    second's slot timed first where the coin says so."""
    slot(first, calls), slot(second, calls)  # a warm-up slot each, not counted
    ratios = []
    for _ in range(pairs):
        if coin is not None and coin.random() < 0.5:
            second_time = slot(second, calls)
            first_time = slot(first, calls)
        else:
            first_time = slot(first, calls)
            second_time = slot(second, calls)
        ratios.append(first_time / second_time)
    return statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arch")
    parser.add_argument("--windows", type=int, default=150, help="windows per way")
    parser.add_argument("--pairs", type=int, default=4, help="slot pairs per window (the gate: 4 to 12)")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    import torch

    sys.path.insert(0, str(ROOT))  # the suite's models/ is not installed: it lives in the checkout
    import models  # noqa: F401  (declares the suite's five workloads)
    from nngate.gate.spread import spread_from, spread_of
    from nngate.harness.cases import Case, prepare
    from nngate.harness.timing import warm_up
    from nngate.runtime.scheduler import slot_calls
    from nngate.runtime.sides import timing_cpus

    torch.set_num_threads(1)
    bodies = [prepare(Case(options.arch, 1), "inference", torch.device("cpu"), "fp32").body for _ in range(2)]
    for body in bodies:
        warm_up(body)
    os.sched_setaffinity(0, timing_cpus(1))  # the CPU the gate times its sides on
    calls = slot_calls(min(slot(bodies[0], 20) for _ in range(5)))
    coin = random.Random(options.seed)
    windows: dict[str, list[float]] = {way: [] for way in WAYS}
    for _ in range(options.windows):
        windows["strict"].append(window(bodies[0], bodies[0], calls, options.pairs, None))
        windows["coin"].append(window(bodies[0], bodies[0], calls, options.pairs, coin))
        windows["copies"].append(window(bodies[0], bodies[1], calls, options.pairs, None))
    print(f"{cpu_model()}; {options.arch} bs1, {calls} calls a slot, {options.pairs} pairs a window")
    for way, ratios in windows.items():
        beyond = {limit: sum(spread_of(ratio) > limit for ratio in ratios) for limit in (0.05, 0.10)}
        print(
            f"  {way:7} {len(ratios)} windows: spread {spread_from(ratios):.1%}, beyond 5% {beyond[0.05]}, "
            f"beyond 10% {beyond[0.10]}, range {min(ratios):.3f}-{max(ratios):.3f}"
        )


if __name__ == "__main__":
    main()
