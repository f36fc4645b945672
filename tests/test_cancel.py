"""A cancelled job leaves nothing behind: SIGTERM (CI cancellation, `timeout`) or SIGINT to the
pytest process alone, while the gate's side processes run, ends every one of them, removes the
base revision's worktree and the temporary folders, prints one line and exits with pytest's
"interrupted" status (2), never the regression status (1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import models
from models.gate import instructions

from tiny_bench import FAST, git

SIDE_MARK = "nnbench_probe"  # in the command line of every side process the gate starts


def side_processes() -> list[str]:
    """Command lines of the side processes running now (the probe's plugin, valgrind or not)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if SIDE_MARK in text:
            found.append(text)
    return found


def scratch_folders() -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob("nnbench-*")}


def cancel_when(bench, arguments: list[str], ready, sig: int) -> tuple[int, str]:
    """pytest with `arguments`, in its own session (the signal reaches pytest alone, as `timeout`
    sends it); `sig` once `ready()` holds. Its exit status and output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=bench.path,
        env={**os.environ, "PYTHONPATH": str(Path(models.__file__).parent.parent)},  # the code under test
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not ready():
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before it could be cancelled"
        time.sleep(0.05)
    time.sleep(0.5)  # into the middle of it
    process.send_signal(sig)
    output, _ = process.communicate(timeout=120)
    return process.returncode, output


@pytest.fixture
def committed(bench):
    git(bench, "init", "-q")
    git(bench, "add", "-A")
    git(bench, "commit", "-qm", "base")
    return bench


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find processes left behind")
def test_sigterm_during_ab_slots_ends_the_sides_and_removes_the_worktree(committed):
    before = scratch_folders()
    status, output = cancel_when(
        committed, [*FAST, "--gate-base=HEAD", "--gate-pairs=12", "--gate-threshold=1%"], side_processes, signal.SIGTERM
    )
    assert status == pytest.ExitCode.INTERRUPTED, output
    assert "gate: interrupted: nothing was judged; the processes it started were ended" in output
    assert "Traceback" not in output
    assert side_processes() == []
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=committed.path, capture_output=True, text=True)
    assert worktrees.stdout.count("\n") == 1  # the checkout itself: the base's worktree is gone
    assert scratch_folders() <= before


@pytest.mark.skipif(instructions.unavailable() is not None, reason=f"{instructions.unavailable()}")
def test_sigint_during_instruction_counting_leaves_no_valgrind_running(bench):
    before = scratch_folders()

    def counting() -> bool:
        return any("valgrind" in line for line in side_processes())

    status, output = cancel_when(bench, [*FAST, "--instructions"], counting, signal.SIGINT)
    assert status == pytest.ExitCode.INTERRUPTED, output
    assert "gate: interrupted: nothing was judged" in output and "Traceback" not in output
    assert side_processes() == []
    assert scratch_folders() <= before
