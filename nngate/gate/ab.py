"""A/B mode: the base revision timed beside the working tree, on this machine, in this run.

Where no stored baseline was recorded on this machine (or when asked with --gate-base=REV), the
base revision is checked out into a temporary worktree (nngate.runtime.git) and two fresh
`pytest bench` processes start over the same selection, one in each checkout, each with its own
`models` package in the same environment (only the working tree gets the working-tree options,
such as --inject-slowdown). Both load the probe's side plugin (nngate.runtime.launch); the lockstep
(nngate.runtime.scheduler) times them in alternate slots, and the paired rule (nngate.gate.pairing)
gives one process pair's ratio. A process pair shares a process offset that its slot pairs cannot
see, so further fresh process pairs time the benchmarks still undecided, each started with
another layout, and the rule over process pairs (nngate.gate.process_pairs) gives each
benchmark's verdict. With instruction counting, both checkouts are counted while the worktree is
still there.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nngate import schema
from nngate.gate.instructions import Counted, CountSide
from nngate.gate.options import DEFAULT_MAX_PROCESS_PAIRS
from nngate.gate.pairing import decide
from nngate.gate.process_pairs import decide_over_processes
from nngate.gate.rules import BenchmarkVerdict
from nngate.gate.spread import Spreads
from nngate.runtime.git import base_worktree
from nngate.runtime.launch import benchmark_files, files_in, install, write_names
from nngate.runtime.processes import scratch_folder
from nngate.runtime.scheduler import Lockstep, PairedTimes
from nngate.runtime.sides import DEFAULT_THREADS, ProcessSide, start_process_side, timing_cpus
from nngate.schema import Verdict

# The sides to count; the counted sides in the same order.
Counter = Callable[[list[CountSide]], list[Counted]]


@dataclass
class ABResult:
    verdicts: list[BenchmarkVerdict]
    base_ran: dict[str, dict] = field(default_factory=dict)  # what each benchmark ran: ops, kernels, instructions
    tree_ran: dict[str, dict] = field(default_factory=dict)
    counted: list[Counted] = field(default_factory=list)  # each side's counting run, working tree first
    process_pairs: int = 0  # how many process pairs were started
    note: str = ""  # why nothing was timed, where the base revision has none of the benchmarks


@dataclass
class ABRunner:
    rootdir: Path  # the working tree
    commit: str  # the base revision, resolved
    options: list[str]  # pytest options both sides share (profile, device, dtype, threads)
    working_tree_options: list[str]  # options only the working tree gets (--inject-slowdown)
    threshold: float
    max_pairs: int
    spreads: Spreads = field(default_factory=Spreads)
    max_process_pairs: int = DEFAULT_MAX_PROCESS_PAIRS  # independent process pairs at most (nngate.gate.process_pairs)
    min_process_pairs: int = 1  # at least this many for every benchmark (measure-spread: all)
    threads: int = DEFAULT_THREADS  # each side's torch threads: it is timed on as many CPUs (timing_cpus)

    @property
    def base_label(self) -> str:
        return f"base revision {self.commit[:12]}"

    def allowed(self, name: str) -> float:
        return self.spreads.allowed(name, self.threshold)

    def run(self, names: list[str], count: Counter | None = None) -> ABResult:
        """Both sides over the benchmarks `names` (node ids), in process pairs until each is decided;
        then, with `count`, both checkouts counted (the base's worktree is still there)."""
        with scratch_folder("ab") as scratch:
            scratch = Path(scratch)
            with base_worktree(self.rootdir, self.commit, scratch / "base") as base:
                if not files_in(base, names):  # a commit that adds them all: each is new
                    files = ", ".join(benchmark_files(names))
                    note = f"A/B: the {self.base_label} has none of the benchmark files {files}: "
                    return ABResult([self._verdict(name, []) for name in names], note=note + "each benchmark is new")
                install(scratch, names)
                result = self._process_pairs(base, scratch, names)
                if count is not None:
                    result.counted = count(
                        [
                            CountSide(self.rootdir, "working tree", self.options + self.working_tree_options),
                            CountSide(base, self.base_label, self.options, self.commit),
                        ]
                    )
                    for ran, counted in zip((result.tree_ran, result.base_ran), result.counted, strict=True):
                        for name in counted.per_call:
                            ran.setdefault(name, {}).update(counted.entries(name))
                return result

    def _process_pairs(self, base_root: Path, scratch: Path, names: list[str]) -> ABResult:
        """A fresh process pair over the benchmarks still undecided, until none is or the cap; a
        benchmark one process pair could not time is not timed again (its verdict stands on the rest)."""
        by_process_pair: dict[str, list[PairedTimes]] = {name: [] for name in names}
        result, pending = ABResult([]), list(names)
        while pending and result.process_pairs < self.max_process_pairs:
            write_names(scratch, pending)
            paired = self._alternate(base_root, scratch, pending, result)
            for name in pending:
                if paired.get(name) and paired[name].pairs:
                    by_process_pair[name].append(paired[name])
            result.process_pairs += 1
            pending = [
                name
                for name in pending
                if len(by_process_pair[name]) == result.process_pairs and self._undecided(name, by_process_pair[name])
            ]
        result.verdicts = [self._verdict(name, by_process_pair[name]) for name in names]
        return result

    def decided(self, name: str, ratios: list[float]) -> bool:
        """Whether one process pair's slot pairs so far decide `name` (the paired rule, nngate.gate.pairing)."""
        return decide(ratios, self.allowed(name), self.max_pairs) is not None

    def _undecided(self, name: str, processes: list[PairedTimes]) -> bool:
        ratios = [process_ratio(paired) for paired in processes]
        return (
            len(ratios) < self.min_process_pairs
            or decide_over_processes(ratios, self.allowed(name), self.max_process_pairs) is None
        )

    def _alternate(self, base_root: Path, scratch: Path, names: list[str], result: ABResult) -> dict[str, PairedTimes]:
        """One process pair over `names`; what each side ran, where not yet known, into `result`.
        Every other process pair starts the base first, so neither side always has the first pick of
        memory and caches."""
        index = result.process_pairs
        starts = [
            (self.rootdir, "working tree", self.working_tree_options),
            (base_root, self.base_label, []),
        ]
        sides: dict[str, ProcessSide] = {}
        try:
            for root, label, extra in starts if index % 2 == 0 else starts[::-1]:
                sides[label] = start_process_side(
                    root, scratch, label, names, [*self.options, *extra], timing_cpus(self.threads), index
                )
            tree, base = sides["working tree"], sides[self.base_label]
            lockstep = Lockstep(self.max_pairs, self.decided)
            paired = lockstep.run(tree, base, names)
        except BaseException:  # an interrupt (SIGINT, SIGTERM) or a failure: no side outlives the run
            for side in sides.values():
                side.close(at_once=True)
            raise
        for side in sides.values():
            side.close()
        for side, ran_by in ((tree, result.tree_ran), (base, result.base_ran)):
            for name, ran in side.ran.items():
                if ran[schema.OPS] or ran[schema.KERNELS]:  # the process pair that listed it
                    ran_by.setdefault(name, {}).update(ran)
        return paired

    def _verdict(self, name: str, processes: list[PairedTimes]) -> BenchmarkVerdict:
        allowed = self.allowed(name)
        limit = 1 + allowed
        if not processes:
            return BenchmarkVerdict(name, Verdict.NEW, None, None, None, limit)
        ratios = [process_ratio(paired) for paired in processes]
        pairs = [pair for paired in processes for pair in paired.pairs]
        trees, bases = zip(*pairs, strict=True)
        return BenchmarkVerdict(
            name,
            decide_over_processes(ratios, allowed, len(ratios)),  # at its own count, the cap: never None
            statistics.median(bases),
            statistics.median(trees),
            statistics.median(ratios),
            limit,
            tuple(tree / base for tree, base in pairs),
            process_ratios=tuple(ratios),
            limit_why=self.spreads.why_wider(name, self.threshold) or "",
        )


def process_ratio(paired: PairedTimes) -> float:
    """One process pair's ratio: the median of its slot pairs' ratios."""
    return statistics.median(paired.ratios)
