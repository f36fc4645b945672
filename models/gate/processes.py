"""A fresh pytest process and the pytest-benchmark JSON it wrote: how the gate confirms a suspect
at a later moment, and how the baseline recorder and the evidence script take their samples."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FreshRun:
    status: int  # pytest's exit status
    document: dict | None  # the JSON it wrote; None when it wrote none or it is unreadable
    output: str  # the tail of its stdout and stderr, for an error message


def fresh_pytest(arguments: list[str], cwd: Path, env: dict[str, str] | None = None) -> FreshRun:
    """`python -m pytest ARGUMENTS` in a new process (no cache) in `cwd`, with its results as JSON.
    `python -m` puts `cwd` first on sys.path, so the process imports the `models` package found there."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "run.json"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               f"--benchmark-json={report}", *arguments], cwd=cwd, env=env, capture_output=True, text=True)
        try:
            document = json.loads(report.read_text())
        except (OSError, ValueError):
            document = None
        return FreshRun(done.returncode, document, done.stdout[-3000:] + done.stderr[-2000:])
