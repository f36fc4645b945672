"""Which reference, if any, should divide a benchmark's time in stored mode? Measured, not assumed.

    python docs/evidence/scripts/reference_choice.py [--phases 6] [--samples 4]

A stored baseline is only compared on a machine with the same fingerprint, so the reference's one
job is to cancel the machine's weather (a neighbour on the other core, its memory traffic, clock
changes) without cancelling the code's own changes. This script times a few workloads and each
candidate reference back to back, through phases with no neighbour, a compute-bound neighbour and a
memory-bound neighbour on the other core, then prints, per workload, the spread (coefficient of
variation over all samples) of its raw time and of its time divided by each reference. The lower,
the better that reference cancels weather. Candidates:
  none         the raw q1 time
  torch_mm     a 192^3 float32 torch.mm: MKL, so a torch or MKL regression would slow it too
  torch_add    a 48 MB streaming torch.add
  numpy_add    the same add in numpy (the gate's memory-pressure reading)
  zlib         zlib.compress of a fixed 256 KiB buffer: C code outside torch, in cache
  interpreter  a fixed pure-Python loop
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import zlib
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nngate.harness.cases import Case, prepare  # noqa: E402
from nngate.harness.memory import retained_allocations  # noqa: E402
from nngate.harness.timing import memory_reference_seconds, reference_seconds, round_times, warm_up  # noqa: E402
from nngate.runtime.machine import fingerprint  # noqa: E402
from nngate.runtime.quantile import q1  # noqa: E402

WORKLOADS = {
    "mlp-bs64": (Case("mlp", 64), "inference"),
    "cnn-bs64": (Case("cnn", 64), "inference"),
    "resnet18-bs1": (Case("resnet18", 1), "inference"),
    "bow_mlp-bs64-train": (Case("bow_mlp", 64), "train"),
    "bert_qa-bs1": (Case("bert_qa", 1), "inference"),
}
NEIGHBOURS = {
    "quiet": None,
    "compute": "import torch; a = torch.randn(256, 256)\nwhile True: a @ a",
    "memory": "import torch; a, b = torch.randn(8_000_000), torch.randn(8_000_000)\nwhile True: a + b",
}
BUFFER = bytes(range(256)) * 1024  # 256 KiB, compressible but not trivially


def _best(function, repeats: int) -> float:
    return min(round_times(function, 1, repeats))


def torch_add_seconds() -> float:
    left, right = torch.rand(4_000_000), torch.rand(4_000_000)
    total = torch.empty_like(left)
    return _best(lambda: torch.add(left, right, out=total), 5)


def zlib_seconds() -> float:
    return _best(lambda: zlib.compress(BUFFER, 6), 5)


def interpreter_seconds() -> float:
    def loop() -> int:
        total = 0
        for value in range(20_000):
            total += value * value
        return total

    return _best(loop, 5)


REFERENCES = {
    "torch_mm": reference_seconds,
    "torch_add": torch_add_seconds,
    "numpy_add": memory_reference_seconds,
    "zlib": zlib_seconds,
    "interpreter": interpreter_seconds,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phases", type=int, default=6, help="neighbour phases, cycling quiet/compute/memory (default: 6)"
    )
    parser.add_argument("--samples", type=int, default=4, help="samples per phase (default: 4)")
    arguments = parser.parse_args()
    torch.set_num_threads(1)
    timed = {}
    for name, (case, mode) in WORKLOADS.items():
        timed[name] = prepare(case, mode, torch.device("cpu"), "fp32").body
        warm_up(timed[name])
    samples: list[dict[str, float]] = []
    with retained_allocations():
        for phase in range(arguments.phases):
            kind = list(NEIGHBOURS)[phase % len(NEIGHBOURS)]
            neighbour = NEIGHBOURS[kind] and subprocess.Popen([sys.executable, "-c", NEIGHBOURS[kind]])
            try:
                for _ in range(arguments.samples):
                    sample = {name: reference() for name, reference in REFERENCES.items()}
                    for name, function in timed.items():
                        sample[name] = q1(round_times(function, 1, 12))  # the gate's score
                    samples.append(sample | {"phase": kind})
                print(f"phase {phase + 1}/{arguments.phases} ({kind} neighbour) done", flush=True)
            finally:
                if neighbour:
                    neighbour.kill()
                    neighbour.wait()

    def cv(values: list[float]) -> float:
        return statistics.pstdev(values) / statistics.mean(values)

    print(f"\nmachine: {fingerprint().describe()}; {len(samples)} samples over {arguments.phases} phases")
    print("coefficient of variation of the score (lower: the reference cancels more of the machine's weather)")
    print(f"{'workload':<20} {'none':>8} " + " ".join(f"{name:>11}" for name in REFERENCES))
    for name in WORKLOADS:
        raw = [sample[name] for sample in samples]
        row = [cv(raw)] + [cv([sample[name] / sample[reference] for sample in samples]) for reference in REFERENCES]
        print(
            f"{name:<20} "
            + " ".join(f"{value:>8.1%}" if index == 0 else f"{value:>11.1%}" for index, value in enumerate(row))
        )
    quiet = [sample for sample in samples if sample["phase"] == "quiet"]
    for kind in NEIGHBOURS:
        chosen = [sample for sample in samples if sample["phase"] == kind]
        if chosen:
            print(
                f"{kind:>8} neighbour, mean time relative to quiet: "
                + ", ".join(
                    f"{name} {statistics.mean(s[name] for s in chosen) / statistics.mean(s[name] for s in quiet):.2f}"
                    for name in [*WORKLOADS, *REFERENCES]
                )
            )


if __name__ == "__main__":
    main()
