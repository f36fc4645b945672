"""What .ci/run decides before it runs anything heavy, run as .ci/run runs it (bash, in a git repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from repository import commit_all

CI_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "run"


def base_command() -> str:
    """The line of .ci/run that picks the revision its gate compares with."""
    lines = [line for line in CI_SCRIPT.read_text().splitlines() if line.startswith("base=$(")]
    assert len(lines) == 1, lines
    return lines[0]


def test_ci_gates_against_the_commit_that_recorded_the_newest_baseline_not_one_that_changed_spreads(tmp_path):
    storage = tmp_path / ".benchmarks"
    (storage / "Linux-CPython-3.11-64bit").mkdir(parents=True)
    (storage / "Linux-CPython-3.11-64bit" / "0001_baseline.json").write_text("{}")
    (tmp_path / "code.py").write_text("")
    recorded = commit_all(tmp_path, "a baseline")
    (storage / "spreads.json").write_text('{"machines": []}')
    (tmp_path / "code.py").write_text("changed = True\n")
    commit_all(tmp_path, "spreads measured again, and code")

    picked = subprocess.run(
        ["bash", "-c", f'{base_command()}\necho "$base"'], cwd=tmp_path, check=True, capture_output=True, text=True
    ).stdout.strip()

    assert picked == recorded
