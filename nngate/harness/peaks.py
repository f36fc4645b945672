"""The machine's measured limits, once per session, at the session's thread count: peak FLOP/s per
dtype from a large GEMM through torch, and bandwidth from a streaming kernel, twice: through main
memory (arrays far past the last-level cache) and within the last-level cache (arrays that fit it,
where a benchmark's whole footprint fits too). They are the roofs of nngate.harness.roofline and go
into the result document's nnbench_session.peaks (schema.SESSION_INFO).

Measured, not read from a datasheet: a VM's 2 vCPUs at one torch thread reach a fraction of the
socket's figure, and that fraction is the roof this session's benchmarks run under.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

import torch

from nngate import schema
from nngate.harness.devices import synchronized
from nngate.harness.timing import best_time, warm_up
from nngate.harness.variants import tf32_matmuls

# GEMM sides tried in turn, each its best of GEMM_REPEATS, until one product takes GEMM_SECONDS: the
# BLAS's peak is reached by 512-1024 here, and a slow dtype (bf16 without hardware support, 1.4 GFLOP/s
# on Zen 3) stops at the first side instead of costing seconds.
GEMM_SIDES = {"cpu": (256, 512, 1024, 2048), "cuda": (1024, 2048, 4096, 8192)}
GEMM_SECONDS = 0.02
GEMM_WARM_UP_SECONDS = 0.1
# This VM's GEMM speed moves by a fifth from one second to the next (72.7 then 90.9 GFLOP/s in two
# sweeps back to back, Zen 3): the sides are swept twice and the best of both kept.
GEMM_SWEEPS = 2
GEMM_REPEATS = 10  # best of 10: with best of 5 a session's roof came out 70 GFLOP/s where quiet runs reach 85-93
# The stream: out = a + b over arrays far past the last-level cache (64 MB each on CPU, 1 GB on CUDA).
STREAM_ELEMENTS = {"cpu": 16 * 2**20, "cuda": 256 * 2**20}
STREAM_REPEATS = 5
CACHE_STREAM_SHARE = 8  # the cache stream's arrays: each 1/8 of the last-level cache, 3/8 of it in all
CACHE_STREAM_REPEATS = 20  # short calls: more of them to find the quiet one
PEAK_DTYPES = {"cpu": ("fp32", "bf16"), "cuda": ("fp32", "tf32", "bf16", "fp16")}
TORCH_DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def gemm_flops_per_second(device: torch.device, dtype: str) -> tuple[float, int]:
    """The best FLOP/s of square torch.mm products of `dtype`, and the side it was reached at."""
    best, best_side = 0.0, 0
    with tf32_matmuls(dtype == "tf32"):
        for _ in range(GEMM_SWEEPS):
            for side in GEMM_SIDES[device.type]:
                left, right = (torch.randn(side, side, device=device).to(TORCH_DTYPES[dtype]) for _ in range(2))
                product = synchronized(lambda left=left, right=right: torch.mm(left, right), device)
                warm_up(product, min_seconds=GEMM_WARM_UP_SECONDS)
                seconds = best_time(product, GEMM_REPEATS)
                if 2 * side**3 / seconds > best:
                    best, best_side = 2 * side**3 / seconds, side
                if seconds >= GEMM_SECONDS:  # larger sides only cost more time
                    break
    return best, best_side


CPU_CACHES = Path("/sys/devices/system/cpu/cpu0/cache")


def last_level_cache_bytes(device: torch.device, caches: Path = CPU_CACHES) -> int | None:
    """The largest cache's size: CUDA's L2 from the device properties; on Linux the highest cache
    level sysfs lists for CPU 0; None where neither says."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).L2_cache_size) or None
    sizes = {}
    for index in caches.glob("index*"):
        try:
            level, size = int((index / "level").read_text()), (index / "size").read_text().strip()
        except (OSError, ValueError):
            continue
        units = {"K": 2**10, "M": 2**20, "G": 2**30}
        if size[:-1].isdigit() and size[-1] in units:
            sizes[level] = max(sizes.get(level, 0), int(size[:-1]) * units[size[-1]])
    return sizes[max(sizes)] if sizes else None


def stream_bytes_per_second(device: torch.device, elements: int, repeats: int) -> float:
    """Bytes read and written per second by out = a + b over `elements` float32s (two reads, one
    write per element)."""
    left, right, out = (torch.ones(elements, device=device) for _ in range(3))
    stream = synchronized(lambda: torch.add(left, right, out=out), device)
    stream()
    return 3 * elements * left.element_size() / best_time(stream, repeats)


@functools.cache  # per process, device and thread count: pytest runs inside one process share it
def _measured_peaks(device: torch.device, threads: int) -> dict:
    return measure_peaks(device)


def measure_peaks(device: torch.device) -> dict:
    """The session's peaks (schema.SESSION_INFO): what this session's thread count can reach on `device`."""
    started = time.perf_counter()
    flops, sides = {}, {}
    for dtype in PEAK_DTYPES[device.type]:
        flops[dtype], sides[dtype] = gemm_flops_per_second(device, dtype)
    cache = last_level_cache_bytes(device)
    return {
        schema.PEAK_FLOPS: flops,
        schema.PEAK_BANDWIDTH: stream_bytes_per_second(device, STREAM_ELEMENTS[device.type], STREAM_REPEATS),
        schema.CACHE_BYTES: cache,
        schema.PEAK_CACHE_BANDWIDTH: (
            stream_bytes_per_second(device, cache // CACHE_STREAM_SHARE // 4, CACHE_STREAM_REPEATS) if cache else None
        ),
        "gemm_sides": sides,
        schema.DEVICE: device.type,
        schema.THREADS: torch.get_num_threads(),
        "seconds": time.perf_counter() - started,
    }


class SessionPeaks:
    """Measured on first use, then the same figures for every benchmark of the session."""

    def __init__(self, device: torch.device) -> None:
        self.device, self.measured = device, None

    def get(self) -> dict:
        if self.measured is None:
            self.measured = _measured_peaks(self.device, torch.get_num_threads())
        return self.measured
