"""One way for the tool to start a fresh pytest process: the gate's side processes and confirmations,
the instruction counting, the lab command, bisect, the history's backfill and record-baseline all use
it (the evidence scripts in docs/evidence/scripts start `pytest bench` as a user types it, on purpose).

A fresh process is `python -m pytest -q -p no:cacheprovider -p no:pytester -p no:hypothesispytest ...`
in a checkout's root: `python -m` puts that root first on sys.path, so the process imports the
`models` package found there; no cache folder is written into the checkout, and no test plugin
loads. Its environment names this process, so it dies with it (die_with_parent); scratch folders
name it too, so a later run sweeps what a SIGKILL left (sweep_orphans). An interrupt ends every
command with INTERRUPTED_EXIT.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# A run's own results go into the history store it names; the processes a run starts (the gate's sides,
# its confirmations, the instruction counting) measure for it and are never recorded themselves.
HISTORY_VARIABLE = "NNBENCH_HISTORY"


# An interrupt (Ctrl-C, SIGTERM) ends every command of ours, and a gated pytest run, with the shell's
# status for SIGINT (128 + 2): one convention, whichever command a CI job cancelled.
INTERRUPTED_EXIT = 130


class RunError(RuntimeError):
    """Another revision could not be run: its commit (nngate.runtime.git.RevisionError) or one of its
    side processes (SideError); one line for the user."""


class SideError(RunError):
    """A side process that found nothing to run, went silent or broke the protocol; one line."""


PARENT_VARIABLE = "NNBENCH_PARENT_PID"  # a child pytest of ours ends when this process dies (die_with_parent)
SCRATCH = re.compile(r"^nnbench-[a-z]+-(\d+)-")  # scratch folders name the process that made them


def child_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a pytest it starts, with `extra`, less the history store's URL, and
    this process's id: the child ends with it, even where it is killed with SIGKILL and cleans up nothing."""
    kept = {k: v for k, v in os.environ.items() if k != HISTORY_VARIABLE}
    return {**kept, PARENT_VARIABLE: str(os.getpid()), **(extra or {})}


def die_with_parent() -> None:
    """In a child pytest of ours (PARENT_VARIABLE set): SIGTERM when the parent dies (Linux's
    PR_SET_PDEATHSIG), so a recorder or gate killed with SIGKILL leaves no pytest running under PID 1."""
    parent = os.environ.get(PARENT_VARIABLE)
    if not parent or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if str(os.getppid()) != parent:  # it died before the request: nobody is waiting for this process
        os.kill(os.getpid(), signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_orphans(folder: Path | None = None) -> list[Path]:
    """Remove the scratch folders of processes of ours that no longer run (killed with SIGKILL, which no
    `finally` survives); the folders removed."""
    folder = Path(folder or tempfile.gettempdir())
    removed = []
    for path in folder.glob("nnbench-*"):
        if (found := SCRATCH.match(path.name)) and path.is_dir() and not _alive(int(found.group(1))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def scratch_folder(kind: str) -> tempfile.TemporaryDirectory:
    """A temporary folder named for this process (`nnbench-KIND-PID-...`), after sweeping orphans."""
    sweep_orphans()
    return tempfile.TemporaryDirectory(prefix=f"nnbench-{kind}-{os.getpid()}-")


def interrupt_on_sigterm() -> object:
    """Take SIGTERM (CI cancellation, `timeout`) the way SIGINT is taken, as KeyboardInterrupt, so that
    one cleanup path ends every child; returns the handler it replaced."""
    return signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def pytest_command(arguments: list[str], prefix: tuple[str, ...] = ()) -> list[str]:
    """The command line of a fresh pytest with `arguments`, behind `prefix` (e.g. valgrind's)."""
    # Test plugins a benchmark process never needs, where a repository's configuration would load them.
    without = ("-p", "no:cacheprovider", "-p", "no:pytester", "-p", "no:hypothesispytest")
    return [*prefix, sys.executable, "-m", "pytest", "-q", *without, *arguments]


@dataclass(frozen=True)
class FreshRun:
    status: int  # pytest's exit status
    document: dict | None  # the JSON it wrote; None when it wrote none or it is unreadable
    output: str  # the tail of its stdout and stderr, for an error message


def fresh_pytest(arguments: list[str], cwd: Path, env: dict[str, str] | None = None) -> FreshRun:
    """A fresh pytest with `arguments` in `cwd`, waited for, with its results as JSON."""
    with scratch_folder("run") as scratch:
        report = Path(scratch) / "run.json"
        done = subprocess.run(
            pytest_command([f"--benchmark-json={report}", *arguments]),
            cwd=cwd,
            env=child_environment(env),
            capture_output=True,
            text=True,
        )
        try:
            document = json.loads(report.read_text())
        except (OSError, ValueError):
            document = None
        return FreshRun(done.returncode, document, done.stdout[-3000:] + done.stderr[-2000:])


def node_ids(root: Path, selection: list[str]) -> list[str]:
    """The node ids pytest collects in `root` for `selection` (paths and options such as -k)."""
    command = pytest_command(["--collect-only", *selection])
    listed = subprocess.run(command, cwd=root, env=child_environment(), capture_output=True, text=True)
    return [line for line in listed.stdout.splitlines() if "::" in line]
