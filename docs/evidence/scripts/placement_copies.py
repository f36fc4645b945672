"""Does where a case's tensors lie, inside one process, make a process pair's wide ratio?

Prepares N copies of one benchmark case with the harness (nngate.harness.cases.prepare), each after a
dummy allocation of random size (0-300 KB, kept alive) so that every copy's tensors land at other
page offsets, then times the copies in shuffled 0.04 s blocks (15 cycles) and prints each copy's
median over its cycle's median: a copy placed badly enough to make a 1.2-1.4x pair would stand out.
`--spacer-mb M` also fills M MB of fresh memory (kept alive) before each copy, so that each copy's
pages come from another stretch of the VM's physical memory, as another process's would.

    python docs/evidence/scripts/placement_copies.py mlp 24 --seed 1
    python docs/evidence/scripts/placement_copies.py mlp 12 --seed 1 --spacer-mb 256
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness_state import block_median  # noqa: E402

BLOCK_SECONDS, CYCLES = 0.04, 15  # many copies a cycle: shorter blocks than harness_state's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arch")
    parser.add_argument("copies", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spacer-mb", type=int, default=0, help="MB of touched memory before each copy")
    options = parser.parse_args()
    import torch

    sys.path.insert(0, str(ROOT))  # the suite's models/ is not installed: it lives in the checkout
    import models  # noqa: F401  (declares the suite's five workloads)
    from nngate.harness.cases import Case, prepare
    from nngate.harness.timing import warm_up

    torch.set_num_threads(1)
    order = random.Random(options.seed)
    kept, bodies = [], []
    for _ in range(options.copies):
        kept.append(torch.empty(order.randrange(1, 300_000) // 4))  # moves where the next copy lands
        kept.append(torch.ones(options.spacer_mb * 2**18))  # touched: its pages are taken, the copy's are others
        bodies.append(prepare(Case(options.arch, 1), "inference", torch.device("cpu"), "fp32").body)
    for body in bodies:
        warm_up(body)
    ratios: list[list[float]] = [[] for _ in bodies]
    for _ in range(CYCLES):
        turn = list(range(len(bodies)))
        order.shuffle(turn)
        medians = {index: block_median(bodies[index], BLOCK_SECONDS) for index in turn}
        middle = statistics.median(medians.values())
        for index, median in medians.items():
            ratios[index].append(median / middle)
    per_copy = sorted(statistics.median(values) for values in ratios)
    print(
        f"{options.arch} bs1, {options.copies} copies, spacer {options.spacer_mb} MB: "
        "each copy's median / its cycle's median "
        f"{per_copy[0]:.3f}-{per_copy[-1]:.3f}; over 1.10: {[round(value, 3) for value in per_copy if value > 1.10]}"
    )


if __name__ == "__main__":
    main()
