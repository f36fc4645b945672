"""Where a benchmark runs: the device, the thread count, and synchronization for honest host timing.

Threads are set explicitly and recorded with every result: on a 2-vCPU VM, two torch threads make
a train step's spread an order of magnitude wider than one (docs/options.md).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

DEVICES = ("cpu", "cuda")


class DeviceUnavailable(RuntimeError):
    """The requested device cannot run here (CUDA without a GPU)."""


def resolve_device(name: str) -> torch.device:
    if name not in DEVICES:
        raise ValueError(f"device: {name!r} is not one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("CUDA asked for, but torch.cuda.is_available() is False on this machine")
    return torch.device(name)


def set_threads(threads: int) -> int:
    """Pin torch's intra-op threads; returns what torch reports back."""
    torch.set_num_threads(threads)
    return torch.get_num_threads()


def synchronized(function: Callable[[], object], device: torch.device) -> Callable[[], object]:
    """`function` followed by a device synchronize, so the host timer sees finished work."""
    if device.type != "cuda":
        return function

    def synchronized_call() -> object:
        result = function()
        torch.cuda.synchronize(device)
        return result

    return synchronized_call
