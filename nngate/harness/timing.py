"""Timing loops and the reference workloads timed beside every benchmark.

* `warm_up` runs a case until caches, allocator pools and lazy kernels settle;
* `round_times` samples as pytest-benchmark does (rounds of `iterations` calls), for re-measuring;
* `memory_reference_seconds` times a fixed streaming add through main memory (numpy, not torch)
  beside each benchmark: the gate widens a limit by how much slower memory is than at baseline
  time, so a neighbour saturating memory is told apart from a slower workload (the rule:
  nngate.gate.rules). `reference_seconds` times a fixed torch.mm; it is recorded for reading,
  and the gate no longer divides by it (docs/gate.md, has the measurement why).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from nngate.harness.devices import synchronized

REFERENCE_SIZE = 192  # a 192^3 float32 product: ~1 ms on one core, big enough to be cache- and FMA-bound
REFERENCE_REPEATS = 25  # its best of 25 settles within about 1% on a quiet core
MEMORY_REFERENCE_ELEMENTS = 4_000_000  # three float32 arrays of 16 MB: 48 MB streamed, far past L2, ~1.7 ms
MEMORY_REFERENCE_REPEATS = 5


def warm_up(function: Callable[[], object], min_calls: int = 3, min_seconds: float = 0.2) -> None:
    """Call until both bounds are met: caches, allocator pools and lazy kernels settle first."""
    started, calls = time.perf_counter(), 0
    while calls < min_calls or time.perf_counter() - started < min_seconds:
        function()
        calls += 1


def best_time(function: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def round_times(function: Callable[[], object], iterations: int, rounds: int) -> list[float]:
    """Per-call time of each round of `iterations` calls, pytest-benchmark's way of sampling."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(iterations):
            function()
        times.append((time.perf_counter() - started) / iterations)
    return times


def reference_seconds(device: torch.device | None = None) -> float:
    """Best time of a fixed matrix product built from torch.mm alone (no nn module can slow it), on
    `device` (default: the CPU)."""
    device = device or torch.device("cpu")
    generator = torch.Generator().manual_seed(0)
    left, right = (torch.randn(REFERENCE_SIZE, REFERENCE_SIZE, generator=generator).to(device) for _ in range(2))
    product = synchronized(lambda: torch.mm(left, right), device)
    product()
    return best_time(product, REFERENCE_REPEATS)


def memory_reference_seconds() -> float:
    """Best time of a fixed elementwise add over arrays much larger than the caches, in numpy: no
    torch code, so no torch change moves it, and numpy's loops are single-threaded."""
    import numpy

    generator = numpy.random.default_rng(0)
    left, right = (generator.random(MEMORY_REFERENCE_ELEMENTS, dtype=numpy.float32) for _ in range(2))
    total = numpy.empty_like(left)
    stream = lambda: numpy.add(left, right, out=total)  # noqa: E731
    stream()
    return best_time(stream, MEMORY_REFERENCE_REPEATS)


def bracketed(measure: Callable[[], object], device: torch.device) -> tuple[object, float, float]:
    """Run `measure` between two readings of both references; returns its result, and the quieter
    (lower) reading of the matrix product and of the streaming add."""
    compute_before, memory_before = reference_seconds(device), memory_reference_seconds()
    result = measure()
    return result, min(compute_before, reference_seconds(device)), min(memory_before, memory_reference_seconds())
