"""A cancelled job leaves nothing behind: SIGTERM (CI cancellation, `timeout`) or SIGINT to the
pytest process alone, while the gate's side processes run, ends every one of them, removes the
base revision's worktree and the temporary folders, prints one line and exits with the shell's
status for an interrupt (130), never the regression status (1); after the gate has finished, too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nngate.gate import instructions
from nngate.runtime.processes import INTERRUPTED_EXIT

from tiny_bench import FAST

pytestmark = pytest.mark.integration  # every test here starts processes (pytest, git, valgrind)

SIDE_MARK = "nnbench_probe"  # in the command line of every side process the gate starts


def _processes() -> dict[int, tuple[int, str]]:
    """Every process now: pid -> (parent pid, command line)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        found[int(stat.parent.name)] = (parent, cmdline)
    return found


def side_processes(root: int) -> set[int]:
    """The side processes (the probe's plugin, valgrind or not) descended from process `root`: those
    of this test's run, never another run's on the same machine."""
    processes, family = _processes(), {root}
    grew = True
    while grew:
        children = {pid for pid, (parent, _) in processes.items() if parent in family} - family
        family |= children
        grew = bool(children)
    return {pid for pid in family if SIDE_MARK in processes.get(pid, (0, ""))[1]}


def alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)}


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def scratch_folders(bench) -> list[str]:
    """The gate's temporary folders in the run's own TMPDIR (so another run's never count)."""
    return [path.name for path in (bench.path / "tmp").glob("nnbench-*")]


def _sigint_taken() -> None:
    """A job a shell started in the background without job control (`cmd &` in a script, `nohup`)
    ignores SIGINT, and so would the pytest under test, which inherits that: give it the default
    disposition, as a terminal's Ctrl-C finds it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def cancel_when(bench, arguments: list[str], ready, sig: int) -> tuple[int, str, set[int]]:
    """pytest with `arguments`, in its own session (the signal reaches pytest alone, as `timeout`
    sends it); `sig` once `ready(side pids)` holds. Its exit status, output, and the side processes
    it had running when it was signalled."""
    (bench.path / "tmp").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=bench.path,
        env={**os.environ, "TMPDIR": str(bench.path / "tmp")},  # PYTHONPATH has the suite's root (conftest.py)
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_sigint_taken,
    )
    deadline = time.monotonic() + 300  # (TMPDIR: the run's own)
    while not ready(sides := side_processes(process.pid)):
        assert process.poll() is None and time.monotonic() < deadline, "the run ended before it could be cancelled"
        time.sleep(0.05)
    time.sleep(0.5)  # into the middle of it
    sides |= side_processes(process.pid)
    process.send_signal(sig)
    output, _ = process.communicate(timeout=120)
    return process.returncode, output, sides


@pytest.fixture
def committed(committed_bench):
    return committed_bench


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc to find processes left behind")
def test_sigterm_during_ab_slots_ends_the_sides_and_removes_the_worktree(committed):
    status, output, sides = cancel_when(
        committed, [*FAST, "--gate-base=HEAD", "--gate-pairs=12", "--gate-threshold=1%"], bool, signal.SIGTERM
    )
    assert status == INTERRUPTED_EXIT, output
    assert "gate: interrupted: nothing was judged; the processes it started were ended" in output
    assert "Traceback" not in output
    assert sides and alive(sides) == set()  # both sides were running, and neither outlived the run
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=committed.path, capture_output=True, text=True)
    assert worktrees.stdout.count("\n") == 1  # the checkout itself: the base's worktree is gone
    assert scratch_folders(committed) == []


SIGTERM_IN_THE_SUMMARY = """
import os, signal, time


def pytest_terminal_summary():
    os.kill(os.getpid(), signal.SIGTERM)  # after the gate, while pytest prints: a job cancelled late
    time.sleep(5)
"""


def test_sigterm_after_the_gate_is_one_line_and_the_interrupted_status_not_a_traceback(committed):
    committed.makeconftest(SIGTERM_IN_THE_SUMMARY)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *FAST, "--gate-base=HEAD"],
        cwd=committed.path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == INTERRUPTED_EXIT, output
    assert "gate: interrupted after the gate had finished" in output and "Traceback" not in output
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=committed.path, capture_output=True, text=True)
    assert worktrees.stdout.count("\n") == 1


@pytest.mark.skipif(instructions.unavailable() is not None, reason=f"{instructions.unavailable()}")
def test_sigint_during_instruction_counting_leaves_no_valgrind_running(bench):

    def counting(sides: set[int]) -> bool:
        return any("valgrind" in _processes().get(pid, (0, ""))[1] for pid in sides)

    status, output, sides = cancel_when(bench, [*FAST, "--instructions"], counting, signal.SIGINT)
    assert status == INTERRUPTED_EXIT, output
    assert "gate: interrupted: nothing was judged" in output and "Traceback" not in output
    assert sides and alive(sides) == set()
    assert scratch_folders(bench) == []


SLEEPER = """
import os, time
from pathlib import Path

def test_sleeps():
    Path(os.environ["SLEEPER_PID_FILE"]).write_text(str(os.getpid()))
    time.sleep(120)
"""


def running(pid: int) -> bool:
    """Whether `pid` runs: not gone, and not a zombie (its parent died, and a container's PID 1 may reap late)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.integration
def test_a_recorder_killed_with_sigkill_leaves_no_pytest_and_its_scratch_folder_is_swept(tmp_path):
    (tmp_path / "test_sleeper.py").write_text(SLEEPER)
    scratch, pid_file = tmp_path / "tmp", tmp_path / "child.pid"
    scratch.mkdir()
    recorder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from nngate.runtime.processes import fresh_pytest;"
            " fresh_pytest(['-p', 'nngate.plugin', 'test_sleeper.py'], Path(sys.argv[1]))",
            str(tmp_path),
        ],
        env={**os.environ, "TMPDIR": str(scratch), "SLEEPER_PID_FILE": str(pid_file)},
    )
    deadline = time.monotonic() + 120
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    child = int(pid_file.read_text())
    recorder.kill()  # SIGKILL: no handler, no finally
    recorder.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and running(child):
        time.sleep(0.2)
    assert not running(child), "the recorder's pytest outlived it"
    left = [path.name for path in scratch.glob("nnbench-run-*")]
    assert left == [path.name for path in scratch.glob(f"nnbench-run-{recorder.pid}-*")] and len(left) == 1
    from nngate.runtime.processes import sweep_orphans

    assert [path.name for path in sweep_orphans(scratch)] == left and not list(scratch.iterdir())
