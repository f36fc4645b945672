"""One fresh `pytest bench` process and its pytest-benchmark JSON, for the scripts in bench/."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_run(options: list[str], accepted_exits: tuple[int, ...] = (0,)) -> tuple[int, dict]:
    """Exit status and JSON document of `pytest bench OPTIONS`; exits the script with pytest's
    output where the status is not accepted or no JSON was written."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "run.json"
        command = [sys.executable, "-m", "pytest", "bench", "-q", "-p", "no:cacheprovider",
                   f"--benchmark-json={report}", *options]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in accepted_exits or not report.exists():
            sys.exit(f"pytest bench failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        return done.returncode, json.loads(report.read_text())
