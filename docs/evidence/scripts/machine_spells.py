"""Is the machine itself two-speed, and for how long at a time? Issue 31's control with no suite in it.

One process per vCPU, all at once, each pinned to its vCPU, times a pure-Python sum (torch never
imported) in blocks of --block seconds for --seconds, and says: the fast level (the 10th percentile of
the block medians) and the slow one (the 90th), the share of blocks over --slow-above times the fast
level, how long the slow spells last, and how often every vCPU was slow in the same block against
how often that would happen if the vCPUs were independent. A spell longer than a benchmark's window
(0.3-1.2 s of rounds; BERT's 3-4 s) puts a whole process's median in one level, whatever the process
does. The fast level is the run's own: a run shorter than the machine's spells can sit wholly in
one (3 s at 64.9-71.3 µs against a fast level of 49-51 seen for minutes), so run it for minutes.

    python docs/evidence/scripts/machine_spells.py --seconds 120
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from process_modes import cpu_model, loop_median, pure_python_sum  # noqa: E402  (neither imports torch)


def block_medians(seconds: float, block: float) -> list[float]:
    """This process's block medians, µs, in the order timed."""
    medians = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        medians.append(loop_median(pure_python_sum, block) * 1e6)
    return medians


def spell_lengths(slow: list[bool]) -> list[int]:
    lengths, current = [], 0
    for is_slow in [*slow, False]:
        if is_slow:
            current += 1
        elif current:
            lengths.append(current)
            current = 0
    return lengths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--block", type=float, default=0.1)
    parser.add_argument("--slow-above", type=float, default=1.1, help="x the fast level")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 0 < args.block <= 1 or args.seconds < 2 * args.block:
        parser.error("--block must lie in (0, 1] s and --seconds hold at least two blocks")
    if args.child is not None:
        os.sched_setaffinity(0, {args.child})
        print(json.dumps(block_medians(args.seconds, args.block)))
        return

    cpus = sorted(os.sched_getaffinity(0))
    command = [sys.executable, __file__, "--seconds", str(args.seconds), "--block", str(args.block)]
    children = [subprocess.Popen([*command, "--child", str(cpu)], stdout=subprocess.PIPE, text=True) for cpu in cpus]
    series = [json.loads(child.communicate()[0]) for child in children]
    blocks = min(len(medians) for medians in series)
    print(f"{cpu_model()}; one process per vCPU, at once; pure-Python sum; {args.block} s blocks, µs")
    slow_by_cpu = []
    for cpu, medians in zip(cpus, series, strict=True):
        medians = medians[:blocks]
        deciles = statistics.quantiles(medians, n=10)
        fast, slow_level = deciles[0], deciles[-1]
        slow = [median > fast * args.slow_above for median in medians]
        slow_by_cpu.append(slow)
        lengths = spell_lengths(slow)
        print(
            f"vCPU {cpu}: fast {fast:.1f}, slow {slow_level:.1f} ({slow_level / fast:.2f}x); "
            f"slow {sum(slow) / blocks:.0%} of {blocks} blocks; {len(lengths)} spells, "
            f"longest {max(lengths, default=0) * args.block:.1f} s, "
            f"median {statistics.median(lengths or [0]) * args.block:.1f} s"
        )
        per_second = round(1 / args.block)
        print(
            "  per second:",
            " ".join(f"{statistics.median(medians[i : i + per_second]):.0f}" for i in range(0, blocks, per_second)),
        )
    together = sum(all(column) for column in zip(*slow_by_cpu, strict=True)) / blocks
    independent = 1.0
    for slow in slow_by_cpu:
        independent *= sum(slow) / blocks
    print(f"every vCPU slow in the same block: {together:.0%} (if independent: {independent:.0%})")


if __name__ == "__main__":
    main()
