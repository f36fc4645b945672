"""Stand-ins for what the gate's plan reads, so that it is tested without git or processes: a
fingerprint, a committed baseline recorded on it, and a resolver of revisions."""

from __future__ import annotations

import json
from pathlib import Path

from nngate.runtime.git import RevisionError
from nngate.runtime.machine import EnvironmentPart, Fingerprint, MachinePart


def machine(cpu_model: str = "AMD EPYC", torch_version: str = "2.14.1") -> Fingerprint:
    return Fingerprint(
        MachinePart("linux", "x86_64", "AuthenticAMD", cpu_model, "25", "17", "AVX512", 2, "none"),
        EnvironmentPart(torch_version, "mkl", "3.11.7"),
    )


def save(
    root: Path, name: str, recorded_on: Fingerprint | None, commit: str | None = None, dirty: bool = False
) -> Path:
    path = root / ".benchmarks" / "Linux-CPython-3.11-64bit" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nnbench = {"fingerprint": recorded_on.to_json()} if recorded_on else {}
    path.write_text(
        json.dumps(
            {
                "machine_info": {"nnbench": nnbench},
                "commit_info": {"id": commit, "dirty": dirty} if commit else {},
                "benchmarks": [{"fullname": "bench/t.py::a", "extra_info": {"gate_score": 1.0}}],
            }
        )
    )
    return path


def resolve(rootdir: Path, revision: str) -> str:
    """A stand-in for git: every revision but "missing" is a commit."""
    if revision == "missing":
        raise RevisionError(f"base revision {revision!r} is not a commit of the repository at {rootdir}")
    return revision.ljust(40, "0")
