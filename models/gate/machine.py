"""The identity of the machine a result was measured on: what a baseline must match to be compared."""
from __future__ import annotations

import os
import platform
from pathlib import Path

import torch


def machine_class(device: torch.device) -> str:
    """OS, architecture, cores and accelerator, e.g. `linux-x86_64-2cpu-cpu`."""
    accelerator = torch.cuda.get_device_name(device).replace(" ", "_") if device.type == "cuda" else "cpu"
    return f"{platform.system().lower()}-{platform.machine()}-{os.cpu_count()}cpu-{accelerator}"


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it (platform's guess elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
