"""A/B mode: the base revision timed beside the working tree, on this machine, in this run.

Where no stored baseline was recorded on this machine (or when asked with --gate-base=REV), the
gate checks the base revision out into a temporary git worktree and starts two fresh `pytest bench`
processes over the same selection: one in the working tree, one in the base's checkout, each with
its own `models` package in the same environment (only the working tree gets --inject-slowdown).
Both load the side plugin (models.gate.side, started by models.gate.launch). At each benchmark both sides prepare and warm up in parallel, then
wait; this process asks them in turn for slots of timed calls (A B, B A, A B, ...: each side goes
first in every other pair), pinned to the same CPU, the other side idle meanwhile. A pair's ratio
is working-tree slot time / base slot time (each slot's q1 call time), both taken moments apart;
each side's first slot of a benchmark is a warm-up, not counted.

Why slots and not whole processes: on these 2-vCPU machines a neighbour on the same core slows
everything 1.3-1.9x for spells of one to several seconds (README, "The gate"), so two processes
timed a minute apart disagree by up to 1.8x on unchanged code, while two slots 0.05 s apart see
the same spell and their ratio cancels it.

The paired rule, per benchmark, with L = 1 + threshold and the quartiles of the pair ratios:
  * after MIN_PAIRS pairs: regression when the lower quartile is over L (three quarters of the
    pairs over the limit), faster when the upper quartile is under 1 / L, ok when both quartiles
    lie within [1 / L, L];
  * otherwise another pair, up to the cap; at the cap, the median decides: regression over L,
    faster under 1 / L.
The false-alarm rate this rule gave on unchanged code is in the README ("The gate").
"""
from __future__ import annotations

import math
import os
import socket
import statistics
import subprocess
import tempfile
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import torch

from models import schema
from models.gate import side as side_plugin
from models.gate.instructions import Counted, count_sides
from models.gate.launch import RevisionError, install, last_line, start_side
from models.gate.rules import Verdict

MIN_PAIRS = 4
DEFAULT_MAX_PAIRS = 12
SLOT_SECONDS = 0.05  # short, so both slots of a pair fall in the same spell of a neighbour's load
MAX_SLOT_CALLS = 10_000
SIDE_SILENCE_SECONDS = 1800  # a side that says nothing for this long is stuck


def resolve_revision(rootdir: Path, revision: str) -> str:
    """The full commit id of `revision` (any git revision: a sha, a tag, HEAD~1)."""
    done = subprocess.run(["git", "-C", str(rootdir), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RevisionError(f"base revision {revision!r} is not a commit of the repository at {rootdir}")
    return done.stdout.strip()


@dataclass
class PairedTimes:
    """Each pair's slot times of one benchmark: (working tree, base), in the order timed."""
    pairs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ratios(self) -> list[float]:
        return [work / base for work, base in self.pairs]


def decide(ratios: list[float], threshold: float, max_pairs: int) -> str | None:
    """The paired rule (module docstring): "ok", "faster", "regression", or None (undecided)."""
    limit, n = 1 + threshold, len(ratios)
    if not ratios:
        return None
    if n >= min(MIN_PAIRS, max_pairs):
        lower, _, upper = statistics.quantiles(ratios, n=4, method="inclusive") if n > 1 else ratios * 3
        if lower > limit:
            return "regression"
        if upper < 1 / limit:
            return "faster"
        if 1 / limit <= lower and upper <= limit:
            return "ok"
    if n >= max_pairs:
        median = statistics.median(ratios)
        return "regression" if median > limit else "faster" if median < 1 / limit else "ok"
    return None


def slot_time(times: list[float]) -> float:
    """A slot's q1 call time (its fastest call when it has fewer than 4): calls an interrupt slowed do not count."""
    return statistics.quantiles(times, n=4, method="inclusive")[0] if len(times) >= 4 else min(times)


@dataclass(eq=False)
class Side:
    """One side's process and the gate's end of its channel (models.gate.side)."""
    label: str  # "working tree" or "base revision SHA"
    process: subprocess.Popen
    channel: Connection
    log: Path  # its output, for an error message
    at: tuple[str, float] | None = None  # the benchmark it waits at, and one call's seconds
    ops: dict[str, dict[str, int]] = field(default_factory=dict)  # each benchmark's ops of one call
    exited: bool = False
    reached: int = 0  # benchmarks it was ready at

    def _receive(self) -> tuple:
        if not self.channel.poll(SIDE_SILENCE_SECONDS):
            raise RevisionError(f"the {self.label} said nothing for {SIDE_SILENCE_SECONDS} s")
        return self.channel.recv()

    def wait_until_ready(self) -> None:
        """Until it waits at a benchmark, or has exited (its selection done, or it failed)."""
        if self.at is None and not self.exited:
            try:
                _, name, seconds, ops = self._receive()
                self.at, self.ops[name] = (name, seconds), ops
                self.reached += 1
            except (EOFError, OSError):
                self.exited = True

    def slot(self, calls: int) -> float:
        self.channel.send(("slot", calls))
        return slot_time(self._receive()[1])

    def release(self) -> None:
        """On to its next benchmark."""
        self.at = None
        try:
            self.channel.send(("next",))
        except OSError:
            self.exited = True


@dataclass
class ABRunner:
    rootdir: Path  # the working tree
    commit: str  # the base revision, resolved
    options: list[str]  # pytest options both sides share (profile, device, dtype, threads)
    working_tree_options: list[str]  # options only the working tree gets (--inject-slowdown)
    threshold: float
    max_pairs: int = DEFAULT_MAX_PAIRS
    count_instructions: bool = False  # --instructions: both sides counted under callgrind after the timing
    weights: dict[str, float] = field(default_factory=dict)  # each benchmark's seconds per call, to share the counting
    # What each side ran, by benchmark: schema.OPS (the side's own listing) and schema.INSTRUCTIONS.
    base_work: dict[str, dict] = field(default_factory=dict)
    tree_work: dict[str, dict] = field(default_factory=dict)
    counted: list[Counted] = field(default_factory=list)  # --instructions: each side's counting run

    def run(self, names: list[str]) -> list[Verdict]:
        """Both sides over the benchmarks `names` (node ids), slot pairs until each is decided; then,
        with count_instructions, both sides counted (the base's worktree is still there)."""
        with tempfile.TemporaryDirectory(prefix="nnbench-ab-") as scratch:
            scratch = Path(scratch)
            base = scratch / "base"
            added = subprocess.run(["git", "-C", str(self.rootdir), "worktree", "add", "--detach", "--quiet",
                                    str(base), self.commit], capture_output=True, text=True)
            if added.returncode != 0:
                raise RevisionError(f"cannot check out {self.commit[:12]} into a worktree: "
                                    f"{added.stderr.strip().splitlines()[-1] if added.stderr.strip() else 'git failed'}")
            try:
                install(scratch, names)
                verdicts = self._alternate(base, scratch, names)
                if self.count_instructions:
                    self.counted = count_sides([(self.rootdir, "working tree", self.options + self.working_tree_options),
                                                (base, f"base revision {self.commit[:12]}", self.options)],
                                               names, self.weights)
                    for work, counted in zip((self.tree_work, self.base_work), self.counted):
                        for name, instructions in counted.per_call.items():
                            work.setdefault(name, {})[schema.INSTRUCTIONS] = instructions
                return verdicts
            finally:
                subprocess.run(["git", "-C", str(self.rootdir), "worktree", "remove", "--force", str(base)],
                               capture_output=True)

    def _start(self, root: Path, scratch: Path, label: str, names: list[str], extra: list[str]) -> Side:
        ours, theirs = socket.socketpair()
        cpus = sorted(os.sched_getaffinity(0))[-torch.get_num_threads():]
        env = {side_plugin.CHANNEL_FD: str(theirs.fileno()), side_plugin.CPUS: ",".join(map(str, cpus))}
        log = scratch / f"{label.split()[0]}.log"
        try:
            process = start_side(root, scratch, label, names, [*self.options, *extra], env, log,
                                 pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        return Side(label, process, Connection(ours.detach()), log)

    def _alternate(self, base_root: Path, scratch: Path, names: list[str]) -> list[Verdict]:
        work = self._start(self.rootdir, scratch, "working tree", names, self.working_tree_options)
        base = self._start(base_root, scratch, f"base revision {self.commit[:12]}", names, [])
        order = {name: index for index, name in enumerate(names)}
        timed: dict[str, PairedTimes] = {}
        try:
            while True:
                work.wait_until_ready()
                base.wait_until_ready()
                if work.at is None and base.at is None:
                    break
                if work.at and base.at and work.at[0] == base.at[0]:
                    self._pairs(work, base, timed.setdefault(work.at[0], PairedTimes()))
                    work.release()
                    base.release()
                else:  # the other side lacks it (absent, skipped, failed) or has exited: this one goes on
                    min((side for side in (work, base) if side.at), key=lambda side: order.get(side.at[0], -1)).release()
        finally:
            for side in (work, base):
                side.channel.close()
                try:
                    side.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    side.process.kill()
        for listed, work_of in ((work.ops, self.tree_work), (base.ops, self.base_work)):
            for name, ops in listed.items():
                work_of.setdefault(name, {})[schema.OPS] = ops
        if not timed:
            failed = base if base.reached == 0 or work.reached else work
            raise RevisionError(f"the {failed.label} timed no benchmark (pytest exit {failed.process.returncode}: "
                                f"{last_line(failed.log)})")
        return [self._verdict(name, timed.get(name)) for name in names]

    def _pairs(self, work: Side, base: Side, paired: PairedTimes) -> None:
        """Slot pairs of one benchmark, each side first in every other pair, until it is decided."""
        calls = {side: max(1, min(MAX_SLOT_CALLS, math.ceil(SLOT_SECONDS / max(side.at[1], 1e-9))))
                 for side in (work, base)}
        try:  # a slot each first, not counted: a side's first calls after waiting ran 0.6x the next (CNN bs1)
            work.slot(calls[work])
            base.slot(calls[base])
        except (EOFError, OSError):
            return
        for pair in range(1, self.max_pairs + 1):
            try:
                seconds = {side: side.slot(calls[side]) for side in ((work, base) if pair % 2 else (base, work))}
            except (EOFError, OSError):  # a side failed inside its slot: what was paired stands
                return
            paired.pairs.append((seconds[work], seconds[base]))
            if decide(paired.ratios, self.threshold, self.max_pairs):
                return

    def _verdict(self, name: str, paired: PairedTimes | None) -> Verdict:
        limit = 1 + self.threshold
        if paired is None or not paired.pairs:
            return Verdict(name, "new", None, None, None, limit)
        ratios = paired.ratios
        works, bases = zip(*paired.pairs)
        return Verdict(name, decide(ratios, self.threshold, len(ratios)), statistics.median(bases),
                       statistics.median(works), statistics.median(ratios), limit, tuple(ratios))
