"""Does anything the harness does around a call move that call's time? One process, states in turn.

Issue 31 lists what could make the suite's small calls slower than a plain loop's: the order in
which model, inputs and buffers are allocated (their alignment, 4 KiB aliasing), the allocator
settings the harness changes (`retained_allocations`), the peak-memory reading, the dispatch mode
of the ops listing, the references' 48 MB stream, denormals. Across fresh processes the machine's
own drift hides a few percent (docs/evidence/process-modes.md); inside one process it does not:
each state is timed in a short block, the states in a shuffled order each cycle, and each block's
median is divided by the plain loop's block of the same cycle. A state that moves the call shows
a ratio away from 1 in every process.

States (bs1 inference, 1 thread):

* `plain`:            the model built and called as a plain loop would (process_modes.py's `loop`);
* `prepared`:         the harness's own prepared case (nngate.harness.cases.prepare): its
                      allocation order, its wrappers;
* `copy`:             a second prepared copy (other addresses: placement and aliasing);
* `retained`:         `prepared` inside retained_allocations() (glibc keeps freed memory);
* `flush-denormal`:   `prepared` with torch.set_flush_denormal(True);
* `after-references`: `prepared` right after the references (GEMM, then the 48 MB stream), no warm-up;
* `after-peak`:       `prepared` right after the peak-memory reading around one call;
* `after-ops`:        `prepared` right after the ops listing's dispatch mode (one call).

Run from the repository's root (each process about 70 s):

    python docs/evidence/scripts/harness_state.py --processes 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from process_modes import CASES, cpu_model  # noqa: E402

BLOCK_SECONDS = 0.1  # shorter than the machine's fast and slow periods (~0.3 s): a cycle's blocks share one
CYCLES = 25
STATES = (
    "plain",
    "prepared",
    "copy",
    "retained",
    "flush-denormal",
    "after-references",
    "after-peak",
    "after-ops",
)


def block_median(function, seconds: float = BLOCK_SECONDS) -> float:
    times, started = [], time.perf_counter()
    while time.perf_counter() - started < seconds:
        before = time.perf_counter()
        function()
        times.append(time.perf_counter() - before)
    return statistics.median(times)


def states_of(arch: str) -> dict:
    """Each state's way to time one block of `arch`'s call."""
    import torch

    from nngate.harness.cases import Case, prepare
    from nngate.harness.memory import peak_memory, retained_allocations
    from nngate.harness.timing import memory_reference_seconds, reference_seconds, warm_up
    from nngate.harness.training import forward
    from nngate.probe.ops import ops_of_one_call
    from nngate.workloads import build_from_config, example_inputs, make_config

    torch.manual_seed(0)
    config = make_config(arch)
    model = build_from_config(config).eval()
    inputs = example_inputs(config, 1)

    def plain():
        with torch.inference_mode():
            return forward(model, inputs)

    prepared, copy = (prepare(Case(arch, 1), "inference", torch.device("cpu"), "fp32").body for _ in range(2))
    for body in (plain, prepared, copy):
        warm_up(body)

    def retained():
        with retained_allocations():
            return block_median(prepared)

    def flush_denormal():
        torch.set_flush_denormal(True)
        try:
            return block_median(prepared)
        finally:
            torch.set_flush_denormal(False)

    def after_references():
        reference_seconds(), memory_reference_seconds()
        return block_median(prepared)

    def after_peak():
        with peak_memory(torch.device("cpu"), {}):
            prepared()
        return block_median(prepared)

    def after_ops():
        ops_of_one_call(prepared)
        return block_median(prepared)

    return {
        "plain": lambda: block_median(plain),
        "prepared": lambda: block_median(prepared),
        "copy": lambda: block_median(copy),
        "retained": retained,
        "flush-denormal": flush_denormal,
        "after-references": after_references,
        "after-peak": after_peak,
        "after-ops": after_ops,
    }


def child() -> dict:
    import torch

    sys.path.insert(0, str(ROOT))  # the suite's models/ is not installed: it lives in the checkout
    import models  # noqa: F401  (declares the suite's five workloads)

    torch.set_num_threads(1)
    order = random.Random(0)
    found = {}
    for arch in CASES:
        blocks = states_of(arch)
        ratios: dict[str, list[float]] = {state: [] for state in STATES}
        plain_medians = []
        for _ in range(CYCLES):
            states = list(STATES)
            order.shuffle(states)
            medians = {state: blocks[state]() for state in states}
            plain_medians.append(medians["plain"])
            for state in STATES:
                ratios[state].append(medians[state] / medians["plain"])
        found[arch] = {"plain_us": statistics.median(plain_medians) * 1e6, "ratios": ratios}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child()))
        return
    print(f"{cpu_model()}; 1 thread; bs1 inference; {CYCLES} cycles of {BLOCK_SECONDS} s blocks per state")
    print("each state's block median / the plain loop's in the same cycle: median [10th-90th percentile]")
    for process in range(options.processes):
        output = subprocess.run(
            [sys.executable, __file__, "--child"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        for arch, found in json.loads(output.splitlines()[-1]).items():
            cells = []
            for state in STATES[1:]:
                values = sorted(found["ratios"][state])
                low, high = values[len(values) // 10], values[-1 - len(values) // 10]
                cells.append(f"{state} {statistics.median(values):.3f} [{low:.3f}-{high:.3f}]")
            print(f"process {process + 1} {arch:<8} plain {found['plain_us']:.1f} µs; " + "; ".join(cells))


if __name__ == "__main__":
    main()
