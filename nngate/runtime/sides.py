"""A timing side that is a process of ours: a fresh `pytest bench` of one checkout, started with the
probe's side plugin and a socket pair to the scheduler, pinned to the timing CPUs inside its slots.

The A/B runner (nngate.gate.ab) starts two per process pair; the history's backfill
(nngate.history.backfill) one per commit of a range, all timed in one round robin.
"""

from __future__ import annotations

import os
import socket
import subprocess
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from nngate.probe import protocol
from nngate.runtime.launch import last_line, start_side
from nngate.runtime.scheduler import Side

LAYOUT_VARIABLE = "NNBENCH_AB_LAYOUT"  # padding in a side's environment, another length per process pair
LAYOUT_STEP = 4160  # bytes more per process pair: a page and a cache line, so both alignments move
DEFAULT_THREADS = 1  # torch threads per benchmark unless --threads says otherwise: 2 threads here made p90/p10 64x
NO_TESTS_COLLECTED = 5  # pytest.ExitCode.NO_TESTS_COLLECTED, without importing pytest here
SIDE_EXIT_SECONDS = 60  # a side that has not exited this long after its channel closed is killed


@dataclass(eq=False)
class ProcessSide(Side):
    """A side that is a process of ours: how it ended is its exit status and its log's last line."""

    process: subprocess.Popen | None = None
    log: Path | None = None

    def why_it_stopped(self) -> str:
        try:  # its channel is closed: it is on its way out
            status = self.process.wait(timeout=SIDE_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            status = "none yet"
        return f"pytest exit {status}: {last_line(self.log)}"

    def had_none(self) -> bool:
        """It exited by itself, having collected none of the selection (pytest exit 5) or run none
        of it to a timing (exit 0: each one skipped): its checkout has none of them to time."""
        try:
            status = self.process.wait(timeout=SIDE_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            return False
        return self.reached == 0 and status in (NO_TESTS_COLLECTED, 0)

    def close(self, at_once: bool = False) -> int | None:
        """Close the channel and wait for the process to end; kill it where it does not, or `at_once`
        (the run was interrupted, or failed). Its exit status (None where it was killed)."""
        self.channel.close()
        try:
            if at_once:
                raise subprocess.TimeoutExpired(self.process.args, 0)
            return self.process.wait(timeout=SIDE_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def timing_cpus(threads: int) -> list[int]:
    """The CPUs every side is timed on: the last `threads` this process may use (a side runs `threads`
    torch threads, one per CPU)."""
    return sorted(os.sched_getaffinity(0))[-max(1, threads) :]


def start_process_side(
    root: Path,
    scratch: Path,
    label: str,
    names: list[str],
    options: list[str],
    cpus: list[int],
    layout: int,
    log_name: str = "",
) -> ProcessSide:
    """A side process in `root` over `names` with `options`, timed on `cpus`; `layout` sets its
    environment's padding (another per process pair); its output into `scratch/log_name.log` (default:
    the label's first word)."""
    ours, theirs = socket.socketpair()
    env = {
        protocol.CHANNEL_FD: str(theirs.fileno()),
        protocol.CPUS: ",".join(map(str, cpus)),
        # Another environment size per process pair: the stack, and what is laid out after it, moves.
        LAYOUT_VARIABLE: "x" * (LAYOUT_STEP * layout),
        protocol.LISTS: "1" if layout == 0 else "0",  # what a benchmark ran is listed once
    }
    log = scratch / f"{log_name or label.split()[0]}.log"
    try:
        process = start_side(root, scratch, label, names, options, env, log, pass_fds=(theirs.fileno(),))
    finally:
        theirs.close()
    return ProcessSide(label, Connection(ours.detach()), process=process, log=log)
