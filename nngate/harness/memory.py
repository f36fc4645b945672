"""Memory around timing: a benchmark's peak, and an allocator that keeps freed memory while timing.

With glibc's defaults, large freed blocks go back to the kernel and every train step page-faults
its gradients in again; keeping them in the process narrows a BERT train step's spread (docs/gate.md,
stored mode's rule 6). Peak memory is read first, under the defaults, so it is the real footprint.
"""

from __future__ import annotations

import contextlib
import resource
from pathlib import Path

import torch

from nngate import schema

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # glibc mallopt parameters (malloc.h)
GLIBC_DEFAULT_TRIM_THRESHOLD, GLIBC_DEFAULT_MMAP_MAX = 128 * 1024, 65536


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
    """Fills result[PEAK_MEMORY_BYTES]: CUDA max allocated, or CPU resident growth over the block."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        start = torch.cuda.memory_allocated(device)
        yield
        result[schema.PEAK_MEMORY_BYTES] = torch.cuda.max_memory_allocated(device) - start
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
        result[schema.PEAK_MEMORY_BYTES] = max(peak - resident, 0) * 1024
    else:  # ru_maxrss only grows: this is growth of the process peak, a lower bound
        result[schema.PEAK_MEMORY_BYTES] = (
            max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_max, 0) * 1024
        )
