"""A/B mode: the base revision timed beside the working tree, on this machine, in this run.

Where no stored baseline was recorded on this machine (or when asked with --gate-base=REV), the
base revision is checked out into a temporary worktree (models.gate.worktree) and two fresh
`pytest bench` processes start over the same selection, one in each checkout, each with its own
`models` package in the same environment (only the working tree gets the working-tree options,
such as --inject-slowdown). Both load the probe's side plugin (models.gate.launch); the lockstep
(models.gate.scheduler) times them in alternate slots; the paired rule (models.gate.pairing)
gives each benchmark's verdict. With instruction counting, both checkouts are counted while the
worktree is still there.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import torch

from models import schema
from models.gate.instructions import Counted
from models.gate.launch import install, last_line, start_side
from models.gate.pairing import PairedTimes, decide
from models.gate.rules import BenchmarkVerdict
from models.gate.scheduler import Lockstep, Side
from models.gate.worktree import base_worktree
from models.probe import protocol
from models.schema import Verdict

SIDE_EXIT_SECONDS = 60  # a side that has not exited this long after its channel closed is killed

# (checkout, label, pytest options) of each side to count; the counted sides in the same order.
Counter = Callable[[list[tuple[Path, str, list[str]]]], list[Counted]]


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

    def close(self, at_once: bool = False) -> None:
        """Close the channel and wait for the process to end; kill it where it does not, or `at_once`
        (the run was interrupted, or failed)."""
        self.channel.close()
        try:
            if at_once:
                raise subprocess.TimeoutExpired(self.process.args, 0)
            self.process.wait(timeout=SIDE_EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class ABResult:
    verdicts: list[BenchmarkVerdict]
    base_ran: dict[str, dict] = field(default_factory=dict)  # what each benchmark ran: ops, instructions
    tree_ran: dict[str, dict] = field(default_factory=dict)
    counted: list[Counted] = field(default_factory=list)  # each side's counting run, working tree first


@dataclass
class ABRunner:
    rootdir: Path  # the working tree
    commit: str  # the base revision, resolved
    options: list[str]  # pytest options both sides share (profile, device, dtype, threads)
    working_tree_options: list[str]  # options only the working tree gets (--inject-slowdown)
    threshold: float
    max_pairs: int

    @property
    def base_label(self) -> str:
        return f"base revision {self.commit[:12]}"

    def run(self, names: list[str], count: Counter | None = None) -> ABResult:
        """Both sides over the benchmarks `names` (node ids), slot pairs until each is decided;
        then, with `count`, both checkouts counted (the base's worktree is still there)."""
        with tempfile.TemporaryDirectory(prefix="nnbench-ab-") as scratch:
            scratch = Path(scratch)
            with base_worktree(self.rootdir, self.commit, scratch / "base") as base:
                install(scratch, names)
                result = self._alternate(base, scratch, names)
                if count is not None:
                    result.counted = count(
                        [
                            (self.rootdir, "working tree", self.options + self.working_tree_options),
                            (base, self.base_label, self.options),
                        ]
                    )
                    for ran, counted in zip((result.tree_ran, result.base_ran), result.counted, strict=True):
                        for name in counted.per_call:
                            ran.setdefault(name, {}).update(counted.entries(name))
                return result

    def _start(self, root: Path, scratch: Path, label: str, names: list[str], extra: list[str]) -> ProcessSide:
        ours, theirs = socket.socketpair()
        cpus = sorted(os.sched_getaffinity(0))[-torch.get_num_threads() :]
        env = {protocol.CHANNEL_FD: str(theirs.fileno()), protocol.CPUS: ",".join(map(str, cpus))}
        log = scratch / f"{label.split()[0]}.log"
        try:
            process = start_side(
                root, scratch, label, names, [*self.options, *extra], env, log, pass_fds=(theirs.fileno(),)
            )
        finally:
            theirs.close()
        return ProcessSide(label, Connection(ours.detach()), process=process, log=log)

    def _alternate(self, base_root: Path, scratch: Path, names: list[str]) -> ABResult:
        sides: list[ProcessSide] = []
        try:
            sides.append(self._start(self.rootdir, scratch, "working tree", names, self.working_tree_options))
            sides.append(self._start(base_root, scratch, self.base_label, names, []))
            tree, base = sides
            timed = Lockstep(self.threshold, self.max_pairs).run(tree, base, names)
        except BaseException:  # an interrupt (SIGINT, SIGTERM) or a failure: no side outlives the run
            for side in sides:
                side.close(at_once=True)
            raise
        for side in sides:
            side.close()
        result = ABResult([self._verdict(name, timed.get(name)) for name in names])
        for side, ran_by in ((tree, result.tree_ran), (base, result.base_ran)):
            for name, ops in side.ops.items():
                ran_by.setdefault(name, {})[schema.OPS] = ops
        return result

    def _verdict(self, name: str, paired: PairedTimes | None) -> BenchmarkVerdict:
        limit = 1 + self.threshold
        if paired is None or not paired.pairs:
            return BenchmarkVerdict(name, Verdict.NEW, None, None, None, limit)
        ratios = paired.ratios
        trees, bases = zip(*paired.pairs, strict=True)
        return BenchmarkVerdict(
            name,
            decide(ratios, self.threshold, len(ratios)),
            statistics.median(bases),
            statistics.median(trees),
            statistics.median(ratios),
            limit,
            tuple(ratios),
        )
