"""The identity of the machine a result was measured on, and of the software it ran.

A fingerprint has two parts:
  * machine: CPU vendor, model name, family/model numbers, the ISA level torch dispatches to,
    logical cores, accelerator. A stored baseline is compared only when this part is equal: the
    same code runs at very different speeds on two CPUs of one declared class (docs/gate.md).
  * environment: torch, its BLAS, Python. Where it differs the gate still compares, and says so:
    a torch upgrade is something to judge, not to hide.
"""

from __future__ import annotations

import os
import platform
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from nngate import schema

CPUINFO_FIELDS = {
    "vendor_id": "cpu_vendor",
    "model name": "cpu_model",
    "cpu family": "cpu_family",
    "model": "cpu_model_number",
}


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo that name the CPU; empty where there is none."""
    found: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key in CPUINFO_FIELDS and CPUINFO_FIELDS[key] not in found:
                found[CPUINFO_FIELDS[key]] = value.strip()
            if not line.strip() and found:
                break  # the end of the first processor's block
    except OSError:
        pass
    return found


def _model_name(cpu: dict[str, str]) -> str:
    return cpu.get("cpu_model") or platform.processor() or "unknown"


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo gives it (platform's guess elsewhere)."""
    return _model_name(_cpuinfo())


def _accelerator(device: torch.device) -> str:
    if device.type != "cuda":
        return "none"
    return torch.cuda.get_device_name(device) if torch.cuda.is_available() else "cuda unavailable"


def _blas() -> str:
    match = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return match.group(1) if match else "unknown"


@dataclass(frozen=True)
class MachinePart:
    os: str
    architecture: str
    cpu_vendor: str
    cpu_model: str
    cpu_family: str
    cpu_model_number: str
    isa: str  # torch.backends.cpu.get_cpu_capability(): the kernels torch picks (AVX2, AVX512, ...)
    logical_cores: int
    accelerator: str


@dataclass(frozen=True)
class EnvironmentPart:
    torch: str
    blas: str
    python: str


@dataclass(frozen=True)
class Fingerprint:
    machine: MachinePart
    environment: EnvironmentPart

    def to_json(self) -> dict:
        return {"machine": asdict(self.machine), "environment": asdict(self.environment)}

    def describe(self) -> str:
        """One line for the verdict table: CPU, ISA, cores, accelerator."""
        machine = self.machine
        accelerator = "" if machine.accelerator == "none" else f", {machine.accelerator}"
        return f"{machine.cpu_model} ({machine.isa}, {machine.logical_cores} cores{accelerator})"


def fingerprint(device: torch.device | None = None) -> Fingerprint:
    """This machine's fingerprint, with the accelerator of `device` (default: the CPU alone)."""
    device = device or torch.device("cpu")
    cpu = _cpuinfo()
    machine = MachinePart(
        platform.system().lower(),
        platform.machine(),
        cpu.get("cpu_vendor", "unknown"),
        _model_name(cpu),
        cpu.get("cpu_family", "?"),
        cpu.get("cpu_model_number", "?"),
        torch.backends.cpu.get_cpu_capability(),
        os.cpu_count() or 0,
        _accelerator(device),
    )
    return Fingerprint(machine, EnvironmentPart(torch.__version__, _blas(), platform.python_version()))


def _recorded(document: dict, part: str) -> dict | None:
    recorded = schema.nnbench_info(document).get(schema.FINGERPRINT)
    found = recorded.get(part) if isinstance(recorded, dict) else None
    return found if isinstance(found, dict) else None


def machine_part_of(document: dict) -> dict | None:
    """The machine part a saved pytest-benchmark document was recorded on; None for files saved
    before fingerprints (no machine matches them)."""
    return _recorded(document, "machine")


AVX512_FLAGS = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "fma"}  # what torch needs to pick AVX512 kernels
AVX2_FLAGS = {"avx2", "fma"}


def machine_part_from_cpu_info(document: dict) -> dict | None:
    """The machine part read back from what pytest-benchmark itself records (machine_info["cpu"], from
    py-cpuinfo), for documents saved without an nnbench fingerprint; the ISA is the level torch would
    pick from the CPU's flags. None where the document names no CPU."""
    info = document.get("machine_info") if isinstance(document, dict) else None
    cpu = info.get("cpu") if isinstance(info, dict) else None
    if not isinstance(cpu, dict) or not cpu.get("brand_raw"):
        return None
    flags = set(cpu.get("flags") or ())
    isa = "AVX512" if flags >= AVX512_FLAGS else "AVX2" if flags >= AVX2_FLAGS else "DEFAULT"
    part = MachinePart(
        str(info.get("system", "")).lower(),
        str(info.get("machine") or cpu.get("arch_string_raw", "")),
        str(cpu.get("vendor_id_raw", "unknown")),
        str(cpu["brand_raw"]),
        str(cpu.get("family", "?")),
        str(cpu.get("model", "?")),
        isa,
        int(cpu.get("count") or 0),
        "none",  # pytest-benchmark records no accelerator; the CPU's is the machine part a CPU result needs
    )
    return asdict(part)


def recorded_environment(document: dict) -> dict:
    """The environment part a saved document was recorded in ({} before fingerprints)."""
    return _recorded(document, "environment") or {}


def environment_changes(baseline_document: dict, now: Fingerprint) -> list[str]:
    """`torch 2.13.0 -> 2.14.1`-style differences between the baseline's environment and this one."""
    saved, current = recorded_environment(baseline_document), asdict(now.environment)
    return [f"{key} {saved.get(key)} -> {value}" for key, value in current.items() if saved and saved.get(key) != value]


def machine_class(device: torch.device) -> str:
    """OS, architecture, cores and accelerator, e.g. `linux-x86_64-2cpu-cpu`: a coarse label kept in
    every result for reading; comparability is decided by the fingerprint's machine part."""
    accelerator = torch.cuda.get_device_name(device).replace(" ", "_") if device.type == "cuda" else "cpu"
    return f"{platform.system().lower()}-{platform.machine()}-{os.cpu_count()}cpu-{accelerator}"
