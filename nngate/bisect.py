"""`nngate bisect --good REV --bad REV [-k EXPR] [--instructions]`: the first commit on the
first-parent line from good to bad where the selected benchmarks got slower than at good beyond the
threshold (each step that commit timed beside good by the gate's A/B lockstep, over process pairs),
or, with --instructions, counted more instructions per call (callgrind; good is counted once).

The bad commit is judged first: where it is not slower there is nothing to find. Then a binary
search, every step printed (commit, ratio, verdict). A commit that cannot be timed (its run fails,
it lacks the benchmarks) is skipped as `git bisect skip` does: the nearest untried commit is judged
instead, and where skipped commits remain next to the answer it is said as a range.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nngate.gate import instructions
from nngate.gate.ab import ABRunner
from nngate.gate.options import (
    DEFAULT_INSTRUCTIONS_THRESHOLD,
    DEFAULT_MAX_PAIRS,
    DEFAULT_MAX_PROCESS_PAIRS,
    DEFAULT_THRESHOLD,
    fraction,
)
from nngate.gate.rules import instructions_limit
from nngate.gate.spread import Spreads, load_recorded, spreads_file, spreads_for
from nngate.project import benchmark_paths
from nngate.runtime.git import RevisionError, checked_out, first_parent_line, resolve_revision
from nngate.runtime.machine import fingerprint
from nngate.runtime.processes import RunError, interrupt_on_sigterm, node_ids
from nngate.schema import Verdict
from nngate.workloads.config import positive_int


class BisectError(Exception):
    """A bisect that cannot start, in one line."""


@dataclass(frozen=True)
class Step:
    commit: str
    slower: bool | None  # None: the commit could not be judged (skipped)
    ratios: dict[str, float] = field(default_factory=dict)  # per benchmark: time (or instructions) ratio to good
    verdicts: dict[str, str] = field(default_factory=dict)
    why: str = ""  # why it was skipped
    seconds: float = 0.0

    def line(self, number: int, position: int, total: int) -> str:
        where = f"step {number}: {self.commit[:12]} (commit {position + 1} of {total}, {self.seconds:.0f} s): "
        if self.slower is None:
            return where + f"skipped: {self.why}"
        judged = ", ".join(f"{name} {self.ratios[name]:.3f} {self.verdicts[name]}" for name in self.ratios)
        return where + ("slower" if self.slower else "not slower") + f" ({judged})"


@dataclass(frozen=True)
class Found:
    first: int | None  # index of the first slower commit; None: bad is not slower
    last_good: int  # index of the last commit judged not slower (-1: good itself)
    skipped_between: tuple[int, ...]  # skipped commits between last_good and first: the answer is a range
    steps: tuple[tuple[int, Step], ...]


def search(count: int, judge: Callable[[int], Step]) -> Found:
    """The first slower of `count` commits (after good, up to bad, index count - 1), judging as few as
    a binary search does: bad first, then at most ceil(log2(count)) more where none is skipped."""
    steps = [(count - 1, judge(count - 1))]
    if not steps[0][1].slower:
        return Found(None, count - 1, (), tuple(steps))
    low, high, skipped = -1, count - 1, set()
    while untried := [index for index in range(low + 1, high) if index not in skipped]:
        middle = (low + high) // 2
        index = min(untried, key=lambda candidate: (abs(candidate - middle), candidate))
        step = judge(index)
        steps.append((index, step))
        if step.slower is None:
            skipped.add(index)
        elif step.slower:
            high = index
        else:
            low = index
    return Found(high, low, tuple(sorted(i for i in skipped if low < i < high)), tuple(steps))


@dataclass
class TimeJudge:
    """A commit timed A/B beside good: slower where any selected benchmark is a regression."""

    rootdir: Path
    good: str
    names: list[str]
    threshold: float
    max_process_pairs: int = DEFAULT_MAX_PROCESS_PAIRS
    spreads: Spreads | None = None  # the rootdir's recorded spreads for this machine, read once a bisect

    def __post_init__(self) -> None:
        if self.spreads is None:
            self.spreads = spreads_for(fingerprint(), load_recorded(spreads_file(self.rootdir)))

    def __call__(self, commit: str) -> Step:
        started = time.perf_counter()
        try:
            with checked_out(self.rootdir, commit, "nnbench-bisect-") as tree:
                runner = ABRunner(
                    tree, self.good, [], [], self.threshold, DEFAULT_MAX_PAIRS, self.spreads, self.max_process_pairs
                )
                verdicts = [v for v in runner.run(self.names).verdicts if v.ratio is not None]
        except RunError as error:
            return Step(commit, None, why=str(error), seconds=time.perf_counter() - started)
        seconds = time.perf_counter() - started
        if not verdicts:
            return Step(commit, None, why="no selected benchmark could be timed at both commits", seconds=seconds)
        return Step(
            commit,
            any(v.verdict == Verdict.REGRESSION for v in verdicts),
            {v.name.rsplit("::", 1)[-1]: v.ratio for v in verdicts},
            {v.name.rsplit("::", 1)[-1]: str(v.verdict) for v in verdicts},
            seconds=seconds,
        )


@dataclass
class InstructionJudge:
    """A commit's instructions per call against good's (counted once): slower where any selected
    benchmark counts more than the gate's instructions limit allows."""

    rootdir: Path
    names: list[str]
    threshold: float
    good_counts: instructions.Counted | None = None

    def count(self, commit: str, label: str) -> instructions.Counted:
        with checked_out(self.rootdir, commit, "nnbench-bisect-") as tree:
            return instructions.count_sides([instructions.CountSide(tree, label, [], commit)], self.names, {})[0]

    def __call__(self, commit: str) -> Step:
        started = time.perf_counter()
        try:
            counted = self.count(commit, f"commit {commit[:12]}")
        except RunError as error:
            return Step(commit, None, why=str(error), seconds=time.perf_counter() - started)
        good, ratios, verdicts = self.good_counts, {}, {}
        for name in self.names:
            before, now = good.entries(name), counted.entries(name)
            if before and now:
                ratio = now["instructions"] / before["instructions"]
                limit = instructions_limit(before, now, self.threshold)
                ratios[name.rsplit("::", 1)[-1]] = ratio
                verdicts[name.rsplit("::", 1)[-1]] = "instructions regression" if ratio > limit else "ok"
        seconds = time.perf_counter() - started
        if not ratios:
            return Step(commit, None, why=counted.problem or "nothing was counted at both commits", seconds=seconds)
        return Step(commit, "instructions regression" in verdicts.values(), ratios, verdicts, seconds=seconds)


def add_parser(verbs) -> None:
    bisect = verbs.add_parser(
        "bisect", help="the first commit from --good to --bad where the selected benchmarks got slower"
    )
    bisect.add_argument("--good", required=True, metavar="REV", help="a revision that was fast")
    bisect.add_argument("--bad", default="HEAD", metavar="REV", help="a revision that is slow (default: HEAD)")
    bisect.add_argument("-k", dest="expression", metavar="EXPR", help="pytest's -k: the benchmarks to judge")
    bisect.add_argument(
        "--instructions", action="store_true", help="judge instructions per call under callgrind instead of time"
    )
    bisect.add_argument(
        "--threshold",
        type=fraction,
        default=None,
        metavar="FRACTION",
        help=f"slower than this is a regression (default: {DEFAULT_THRESHOLD:.0%}% time, "
        f"{DEFAULT_INSTRUCTIONS_THRESHOLD:.0%}% instructions)",
    )
    bisect.add_argument(
        "--process-pairs",
        type=positive_int,
        default=DEFAULT_MAX_PROCESS_PAIRS,
        metavar="N",
        help=f"time: at most N pairs of fresh processes per step, as the gate's --gate-process-pairs "
        f"(default: {DEFAULT_MAX_PROCESS_PAIRS})",
    )


def _resolved(rootdir: Path, revision: str, role: str) -> str:
    try:
        return resolve_revision(rootdir, revision, role, "name commits it has with --good and --bad")
    except RevisionError as error:
        raise BisectError(f"bisect: {error}") from None


def run(arguments: argparse.Namespace) -> int:
    """Print every step and the answer: 0 where the first slower commit was named, 1 where bad is not
    slower or skipped commits leave a range."""
    rootdir = Path.cwd()
    interrupt_on_sigterm()  # a cancelled job unwinds as Ctrl-C does: no worktree or side process is left
    good, bad = _resolved(rootdir, arguments.good, "--good"), _resolved(rootdir, arguments.bad, "--bad")
    commits = first_parent_line(rootdir, good, bad)
    if commits is None:
        raise BisectError(f"bisect: --good {good[:12]} is not an ancestor of --bad {bad[:12]}")
    if not commits:
        raise BisectError(f"bisect: --good and --bad are the same commit ({good[:12]}): nothing to search")
    names = node_ids(
        rootdir, [*benchmark_paths(rootdir), *(["-k", arguments.expression] if arguments.expression else [])]
    )
    if not names:
        raise BisectError("bisect: no benchmark is selected (pytest --collect-only -k ... collects none here)")
    if arguments.instructions:
        if why := instructions.unavailable():
            raise BisectError(f"bisect: --instructions: {why}")
        threshold = DEFAULT_INSTRUCTIONS_THRESHOLD if arguments.threshold is None else arguments.threshold
        judge = InstructionJudge(rootdir, names, threshold)
        judge.good_counts = judge.count(good, f"good {good[:12]}")
    else:
        threshold = DEFAULT_THRESHOLD if arguments.threshold is None else arguments.threshold
        judge = TimeJudge(rootdir, good, names, threshold, arguments.process_pairs)
    print(
        f"bisect: {len(commits)} commit(s) after {good[:12]} up to {bad[:12]}, {len(names)} benchmark(s), "
        f"{'instructions' if arguments.instructions else 'time'} at most +{judge.threshold:.0%}; "
        f"at most {math.ceil(math.log2(len(commits))) + 1 if len(commits) > 1 else 1} step(s) where none is skipped",
        flush=True,
    )
    numbered = 0

    def judged(index: int) -> Step:
        nonlocal numbered
        step = judge(commits[index])
        numbered += 1
        print(step.line(numbered, index, len(commits)), flush=True)
        return step

    found = search(len(commits), judged)
    if found.first is None:
        print(f"bisect: {bad[:12]} is not slower than {good[:12]}: nothing to find")
        return 1
    if found.skipped_between:
        candidates = [commits[i][:12] for i in (*found.skipped_between, found.first)]
        print(f"bisect: the first slower commit is one of {', '.join(candidates)} (the others could not be timed)")
        return 1
    print(f"bisect: first slower commit: {commits[found.first]}")
    return 0
