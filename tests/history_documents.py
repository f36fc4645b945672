"""pytest-benchmark documents as nnbench writes them, made up for the history tests, and a git
history to record them at."""

from __future__ import annotations

from pathlib import Path

from repository import git

MACHINE = {"system": "linux", "cpu_model": "Test CPU", "isa": "AVX2", "logical_cores": 2}


def document(
    sha: str | None, scores: dict[str, float], *, cpu: str = "Test CPU", when: str = "2026-12-01T00:00:00"
) -> dict:
    """A document of one run at commit `sha`: each benchmark's q1 round time in seconds."""
    return {
        "machine_info": {
            "nnbench": {
                "cpu_model": cpu,
                "fingerprint": {"machine": {**MACHINE, "cpu_model": cpu}, "environment": {"torch": "2.14.1"}},
            }
        },
        "commit_info": {"id": sha, "time": when, "dirty": False, "branch": "main"},
        "datetime": when,
        "benchmarks": [
            {
                "fullname": f"bench/test_latency.py::{name}",
                "name": name,
                "stats": {"q1": score, "min": score * 0.99, "median": score * 1.01, "rounds": 20, "data": [score]},
                "extra_info": {"architecture": "mlp", "batch_size": 64, "mode": "inference", "threads": 1},
            }
            for name, score in scores.items()
        ],
    }


def commits(root: Path, count: int) -> list[str]:
    """A repository at root with `count` commits on one line; their shas, oldest first."""
    git(root, "init", "-q", "-b", "main")
    shas = []
    for index in range(count):
        (root / "notes.txt").write_text(f"{index}\n")
        git(root, "add", "notes.txt")
        git(root, "commit", "-q", "-m", f"commit {index}", "--date", f"2026-11-{index + 1:02d}T00:00:00")
        shas.append(git(root, "rev-parse", "HEAD"))
    return shas
