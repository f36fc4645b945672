"""Device-aware timing helpers: threads, synchronization, a reference workload, peak memory.

The suite times with pytest-benchmark; these helpers make what it times correct and comparable:
  * threads are set explicitly and recorded (2 threads on a 2-vCPU VM made a train step's p90/p10
    spread 64x; 1 thread, 1.4x);
  * on CUDA every timed call ends with a synchronize, so the host clock measures the GPU work;
  * while timing, freed memory stays in the process (`retained_allocations`): otherwise glibc hands
    large blocks back to the kernel and every step page-faults them in again (a BERT train step's
    q3/q1 spread here: 1.058 with glibc's defaults, 1.010 retained);
  * `reference_seconds` times a fixed matrix product, so a run on a machine that is slower as a
    whole (a noisy neighbour, a lower clock) can be told apart from a slower workload;
  * `memory_reference_seconds` times a fixed streaming add through main memory: on this VM a
    neighbour's memory traffic comes and goes for seconds at a time, slowing the streaming add up
    to 40% and memory-bound workloads with it (a bag-of-words train step 6.5 -> 8.8 ms, correlation
    0.93 over a minute) while the cache-resident matrix product does not move (cv 1%).
"""
from __future__ import annotations

import contextlib
import platform
import resource
import time
from pathlib import Path
from typing import Callable

import torch

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc mallopt parameters (malloc.h)
GLIBC_DEFAULT_TRIM_THRESHOLD, GLIBC_DEFAULT_MMAP_MAX = 128 * 1024, 65536
REFERENCE_SIZE = 192  # a 192^3 float32 product: ~1 ms on one core, big enough to be cache- and FMA-bound
REFERENCE_REPEATS = 25  # its best of 25 settles within about 1% on a quiet core
MEMORY_REFERENCE_ELEMENTS = 4_000_000  # three float32 arrays of 16 MB: 48 MB streamed, far past L2, ~1.7 ms
MEMORY_REFERENCE_REPEATS = 5


class DeviceUnavailable(RuntimeError):
    """The requested device cannot run here (CUDA without a GPU)."""


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("CUDA asked for, but torch.cuda.is_available() is False on this machine")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"device: {name!r} is not cpu or cuda")
    return torch.device(name)


def set_threads(threads: int) -> int:
    """Pin torch's intra-op threads; returns what torch reports back."""
    torch.set_num_threads(threads)
    return torch.get_num_threads()


def synchronized(function: Callable[[], object], device: torch.device) -> Callable[[], object]:
    """`function` followed by a device synchronize, so the host timer sees finished work."""
    if device.type != "cuda":
        return function

    def run() -> object:
        result = function()
        torch.cuda.synchronize(device)
        return result

    return run


def _glibc():
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@contextlib.contextmanager
def retained_allocations():
    """Serve every allocation from the heap and never trim it, then restore glibc's defaults.

    A no-op where the C library is not glibc (macOS, musl): timings there keep the page-fault noise.
    """
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_MAX, 0)
    libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_MAX, GLIBC_DEFAULT_MMAP_MAX)
        libc.mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT_TRIM_THRESHOLD)
        libc.malloc_trim(0)


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


def reference_seconds(device: torch.device = torch.device("cpu")) -> float:
    """Best time of a fixed matrix product built from torch.mm alone (no nn module can slow it)."""
    generator = torch.Generator().manual_seed(0)
    left, right = (torch.randn(REFERENCE_SIZE, REFERENCE_SIZE, generator=generator).to(device) for _ in range(2))
    product = synchronized(lambda: torch.mm(left, right), device)
    product()
    return best_time(product, REFERENCE_REPEATS)


def memory_reference_seconds(device: torch.device = torch.device("cpu")) -> float:
    """Best time of a fixed elementwise add over arrays much larger than the caches."""
    generator = torch.Generator().manual_seed(0)
    left, right = (torch.randn(MEMORY_REFERENCE_ELEMENTS, generator=generator).to(device) for _ in range(2))
    total = torch.empty_like(left)
    stream = synchronized(lambda: torch.add(left, right, out=total), device)
    stream()
    return best_time(stream, MEMORY_REFERENCE_REPEATS)


def bracketed(measure: Callable[[], object], device: torch.device) -> tuple[object, float, float]:
    """Run `measure` between two readings of both references; returns its result, and the quieter
    (lower) reading of the matrix product and of the streaming add."""
    compute_before, memory_before = reference_seconds(device), memory_reference_seconds(device)
    result = measure()
    return (result, min(compute_before, reference_seconds(device)),
            min(memory_before, memory_reference_seconds(device)))


def _read_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@contextlib.contextmanager
def peak_memory(device: torch.device, result: dict):
    """Fills result["peak_memory_bytes"]: CUDA max allocated, or CPU resident growth over the block."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        yield
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device) - start
        return
    resident = _read_kib("VmRSS")
    try:  # Linux: writing 5 resets the high-water mark, so VmHWM becomes this block's peak
        Path("/proc/self/clear_refs").write_text("5")
        high_water_field = "VmHWM"
    except OSError:
        high_water_field = None
    before_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    if high_water_field and resident is not None and (peak := _read_kib(high_water_field)) is not None:
        result["peak_memory_bytes"] = max(peak - resident, 0) * 1024
    else:  # ru_maxrss only grows: this is growth of the process peak, a lower bound
        result["peak_memory_bytes"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_max, 0) * 1024


def machine_class(device: torch.device) -> str:
    """What a baseline must match to be comparable: OS, architecture, cores, accelerator."""
    import os

    accelerator = torch.cuda.get_device_name(device).replace(" ", "_") if device.type == "cuda" else "cpu"
    return f"{platform.system().lower()}-{platform.machine()}-{os.cpu_count()}cpu-{accelerator}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
