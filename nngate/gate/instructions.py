"""Instruction counts per call: the selected benchmarks run again, under callgrind, one valgrind
process per side (this checkout; in A/B mode the base revision's too), after the timing is done.

The counting side (nngate.probe.side) warms each body up uninstrumented, then counts COUNTED_CALLS
calls (one, with no warm-up, where a call is slower than SLOW_CALL_SECONDS), each dumped apart. A benchmark's count is
the median of those, less what a count of a call that does nothing costs; its spread, (largest -
smallest) / median, is recorded beside it, and the gate's limit for it is never tighter than
SPREAD_MARGIN times the larger spread of the two sides (nngate.gate.rules). What a count leaves out, so that it repeats:
  * glibc's allocator (ALLOCATOR, through --toggle-collect): the cost of malloc and free depends on
    the heap's history, which changes with whatever ran before in the process;
  * the interpreter's warm-up: the first calls of a body re-specialize CPython's bytecode.
docs/instructions.md has the measurements behind both and what the count catches.

Valgrind runs SIMD code through its own translator, and FMA instructions through helper calls
far slower than the CPU (docs/instructions.md has the figures), so the counting side caps the ISA of torch's
own kernels, of MKL and of oneDNN (VALGRIND_ENV): the count is of those code paths, not of the
ones a production run takes.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nngate import schema
from nngate.gate import count_cache
from nngate.probe import protocol
from nngate.probe.callgrind import OVERHEAD, SEPARATOR
from nngate.runtime.git import clean_tree, tree_of
from nngate.runtime.launch import install, last_line, start_side
from nngate.runtime.machine import fingerprint
from nngate.runtime.processes import RunError, scratch_folder

COUNTED_CALLS = 3  # counted calls per cheap benchmark, after the warm-up: a median, and a spread to judge it by
# A body slower than this natively (its timed q1) is counted once, after the fixture's call alone: its
# count is millions of instructions that interpreter or heap state cannot move, and each counted call
# costs a minute or more under valgrind (docs/instructions.md).
SLOW_CALL_SECONDS = 0.005
# What a count means; a count taken another way (an older baseline's) is never compared with it.
METHOD = (
    f"callgrind/2: median of {COUNTED_CALLS} warm calls (1 for slow ones), glibc allocator left out, ISA capped at SSE4"
)
VALGRIND_ENV = {
    "ATEN_CPU_CAPABILITY": "default",  # torch's own kernels: no AVX2 (no FMA)
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",  # MKL's GEMM
    "ONEDNN_MAX_CPU_ISA": "SSE41",  # oneDNN's convolutions
    "PYTHONHASHSEED": "0",  # the same dict and set orders in every run
}
# glibc's allocator entry points: collection is toggled off inside each, and on again after.
ALLOCATOR = ("malloc", "free", "calloc", "realloc", "posix_memalign", "memalign", "aligned_alloc")
# Instrumentation starts and stops around each count (nngate.probe.callgrind); no line or
# instruction detail in the dumps, only their totals are read.
CALLGRIND = (
    "valgrind",
    "--tool=callgrind",
    "--instr-atstart=no",
    "--collect-atstart=no",
    "--dump-line=no",
    "--dump-instr=no",
    *(f"--toggle-collect={function}" for function in ALLOCATOR),
)
COUNT_TIMEOUT_SECONDS = 3600  # a counting side that runs longer than this is stopped
INSTALL_HINT = "install it to count instructions (Debian: apt-get install valgrind)"
TRIGGER = "desc: Trigger: Client Request: "  # a dump's header line that names the benchmark and call


def unavailable() -> str | None:
    """Why instructions cannot be counted here, in one line; None when they can."""
    if shutil.which("valgrind") is None:
        return f"valgrind is not installed: {INSTALL_HINT}"
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"instruction counts need an x86-64 machine (this is {platform.machine()})"
    return None


@dataclass
class Counted:
    """One side's instructions per call and their spread, by benchmark node id."""

    label: str
    per_call: dict[str, int] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)  # (largest - smallest) / median of the counted calls
    seconds: float = 0.0  # the counting processes' wall time
    problem: str | None = None  # one line, where the side failed before it counted everything
    cached: int = 0  # how many of its counts came from the cache (nngate.gate.count_cache), not counted now

    def take(self, name: str, instructions: int, spread: float | None) -> None:
        self.per_call[name] = instructions
        if spread is not None:
            self.spread[name] = spread

    def entries(self, name: str) -> dict:
        """The extra_info entries of one benchmark's count ({} where it has none)."""
        if name not in self.per_call:
            return {}
        spread = {schema.INSTRUCTIONS_SPREAD: self.spread[name]} if name in self.spread else {}
        return {schema.INSTRUCTIONS: self.per_call[name], **spread, schema.INSTRUCTIONS_METHOD: METHOD}


def read_dump(path: Path) -> tuple[str, int] | None:
    """(the benchmark a callgrind dump names, the instructions it collected), from its header."""
    name = None
    try:
        with path.open() as dump:
            for line in dump:
                if line.startswith(TRIGGER):
                    name = line[len(TRIGGER) :].rstrip("\n")
                elif line.startswith("totals:") and name is not None:
                    return name, int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_counts(folder: Path) -> tuple[dict[str, int], dict[str, float]]:
    """Instructions per call of every benchmark whose dumps are in `folder` (a failed call's are
    not): the median of its counted calls, less the median count of a call that does nothing; and
    the spread of its calls."""
    calls: dict[str, list[int]] = {}
    for path in sorted(folder.glob("callgrind.out.*")):
        if (read := read_dump(path)) is not None and not read[0].startswith("failed "):
            name = read[0].rsplit(SEPARATOR, 1)[0]
            calls.setdefault(name, []).append(read[1])
    overhead = statistics.median(calls.pop(OVERHEAD, [0]))
    per_call = {name: round(statistics.median(counts) - overhead) for name, counts in calls.items()}
    spread = {  # only where several calls were counted (a slow body is counted once)
        name: (max(counts) - min(counts)) / per_call[name] if per_call[name] > 0 else 0.0
        for name, counts in calls.items()
        if len(counts) > 1
    }
    return per_call, spread


def shares(names: list[str], weights: dict[str, float], processes: int) -> list[list[str]]:
    """`names` in `processes` groups of about equal weight (the longest first, each to the lightest
    group), each group in the selection's order."""
    loads = [(0.0, index) for index in range(processes)]
    groups: list[list[str]] = [[] for _ in range(processes)]
    for name in sorted(names, key=lambda name: -weights.get(name, 0.0)):
        load, index = min(loads)
        groups[index].append(name)
        loads[index] = (load + weights.get(name, 0.0), index)
    order = {name: position for position, name in enumerate(names)}
    return [sorted(group, key=order.__getitem__) for group in groups if group]


@dataclass(frozen=True)
class CountSide:
    """One checkout to count: its root, its label in the summary, its pytest options, and the commit it
    is a clean checkout of (None for a working tree): counts are cached (nngate.gate.count_cache) under a
    commit's tree, or a working tree's where it has no change."""

    root: Path
    label: str
    options: list[str]
    commit: str | None = None


def cache_key(side: CountSide) -> count_cache.SideKey | None:
    """Where `side`'s counts are cached: under its commit's tree, or a working tree's where git sees no
    change in it; None for a working tree with changes, or a commit git cannot name."""
    tree = tree_of(side.root, side.commit) if side.commit is not None else clean_tree(side.root)
    method = {"method": METHOD, "callgrind": list(CALLGRIND), "env": VALGRIND_ENV, "calls": COUNTED_CALLS}
    options = [*side.options, "--threads=1"]
    return count_cache.side_key(tree, options, method, asdict(fingerprint().machine))


def count_sides(sides: list[CountSide], names: list[str], weights: dict[str, float]) -> list[Counted]:
    """Instructions per call of `names` in each side; a committed side's counts come from the cache
    where they were taken before, and only the rest are counted. All at once: a count does not depend
    on what else runs, so each side's selection is split over the CPUs left to it, by `weights` (each
    benchmark's time per call). One torch thread each. However the counting ends (an interrupt
    included), no valgrind process outlives it."""
    started_at = time.perf_counter()
    keys = [cache_key(side) for side in sides]
    results = [Counted(side.label) for side in sides]
    to_count: list[list[str]] = []
    for counted, key in zip(results, keys, strict=True):
        cached = count_cache.load(key) if key is not None else {}
        for name in names:
            if name in cached:
                counted.take(name, cached[name].instructions, cached[name].spread)
                counted.cached += 1
        to_count.append([name for name in names if name not in cached])
    active = [index for index, left in enumerate(to_count) if left]
    processes = max(1, len(os.sched_getaffinity(0)) // max(1, len(active)))
    with scratch_folder("count") as scratch:
        running: list[tuple[int, list[tuple[subprocess.Popen, Path]]]] = []
        try:
            for index in active:
                side, counted = sides[index], results[index]
                jobs = _start_counting(Path(scratch), index, side, counted, to_count[index], weights, processes)
                running.append((index, jobs))
            for index, jobs in running:
                for process, folder in jobs:
                    _wait(results[index], process, folder, started_at)
                results[index].seconds = time.perf_counter() - started_at
        except BaseException:
            for _, jobs in running:
                for process, _ in jobs:
                    process.kill()
                    process.wait()
            raise
    for index, key in enumerate(keys):
        if key is not None and index in active:
            fresh = {
                name: count_cache.CachedCount(results[index].per_call[name], results[index].spread.get(name))
                for name in to_count[index]
                if name in results[index].per_call
            }
            if problem := count_cache.store(key, fresh):
                results[index].problem = results[index].problem or problem
    return results


def _start_counting(
    scratch: Path,
    index: int,
    side: CountSide,
    counted: Counted,
    names: list[str],
    weights: dict[str, float],
    processes: int,
) -> list[tuple[subprocess.Popen, Path]]:
    """One side's valgrind processes, each over its share of `names` (every side splits it alike)."""
    jobs = []
    for part, group in enumerate(shares(names, weights, processes)):
        folder = scratch / f"side{index}-{part}"
        folder.mkdir()
        install(folder, group)
        prefix = (
            *CALLGRIND,
            f"--callgrind-out-file={folder / 'callgrind.out'}",
            f"--log-file={folder / 'valgrind.log'}",
        )
        slow = [name for name in group if weights.get(name, 0.0) >= SLOW_CALL_SECONDS]
        (folder / "slow").write_text("".join(f"{name}\n" for name in slow))
        env = {**VALGRIND_ENV, protocol.COUNTED_CALLS: str(COUNTED_CALLS), protocol.SLOW_NAMES: str(folder / "slow")}
        try:
            jobs.append(
                (
                    start_side(
                        side.root,
                        folder,
                        side.label,
                        group,
                        [*side.options, "--threads=1"],
                        env,
                        folder / "log",
                        prefix,
                    ),
                    folder,
                )
            )
        except RunError as error:
            counted.problem = str(error)
    return jobs


def _wait(counted: Counted, process: subprocess.Popen, folder: Path, started_at: float) -> None:
    """Until one counting process ends (killed past COUNT_TIMEOUT_SECONDS); its counts into `counted`."""
    try:
        process.wait(timeout=max(1.0, COUNT_TIMEOUT_SECONDS - (time.perf_counter() - started_at)))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        counted.problem = f"the {counted.label}'s counting run took over {COUNT_TIMEOUT_SECONDS} s"
    per_call, spread = read_counts(folder)
    for name, instructions in per_call.items():
        counted.take(name, instructions, spread.get(name))
    if counted.problem is None and process.returncode not in (0, 5):  # 5: pytest collected nothing
        counted.problem = (
            f"the {counted.label}'s counting run failed (pytest exit {process.returncode}: {last_line(folder / 'log')})"
        )
