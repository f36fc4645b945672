"""`history backfill A..B`: each first-parent commit of a range timed on this machine and recorded.

Every commit gets a worktree of its own and, per run, a fresh `pytest bench` side process there (that
commit's own code, the same harness a user runs), all started at once and timed in one round robin
(nngate.runtime.scheduler): a slot of each commit in turn, on the same CPU, so that a neighbour's
spell of load falls on every commit alike instead of on whichever ran during it. Each side's own
pytest-benchmark document supplies what the store keeps (settings, params, MACs, its commit, the
machine), with its statistics replaced by those of its slots: seconds per call, one round a slot.
Each run starts its sides with another environment size and in the other order, as the gate's
process pairs do, so a process's layout is a sample and not a constant. Every run records the id
of its round robin, which the change-point test uses to take out what that round robin shared.

A commit that cannot be timed (it lacks the benchmarks, its run fails, it predates the machine
fingerprint) is skipped in one line, as `git bisect skip` does, and the others go on. What a run
timed is recorded before the next run starts: an interrupted backfill keeps every finished run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from pytest_benchmark.stats import Stats

from nngate import schema
from nngate.history.documents import HISTORY_SCORE
from nngate.history.recording import record_document
from nngate.history.store import HistoryError, Store
from nngate.runtime.git import RevisionError, checked_out, first_parent_line, resolve_revision
from nngate.runtime.launch import install
from nngate.runtime.processes import RunError, scratch_folder
from nngate.runtime.scheduler import DEFAULT_SLOTS, RoundRobin
from nngate.runtime.sides import DEFAULT_THREADS, ProcessSide, start_process_side, timing_cpus

DEFAULT_AT_ONCE = 12  # side processes alive at once: each holds torch and its models (0.7-1.5 GB)
# The side's own pytest-benchmark timing only has to fill its document's other entries: the slots
# are the measurement, so one short round is enough.
SIDE_TIMING = ("--benchmark-enable", "--benchmark-min-rounds=1", "--benchmark-max-time=0", "--benchmark-warmup=off")


def first_parent_range(rootdir: Path, revision_range: str) -> list[str]:
    """The first-parent commits of `A..B` (after A, up to B), oldest first."""
    good, separator, bad = revision_range.partition("..")
    if not separator or not good or not bad:
        raise HistoryError(f"history: {revision_range!r} is not a range: name one as A..B (e.g. HEAD~12..HEAD)")
    try:
        good, bad = (
            resolve_revision(rootdir, end, "range end", "name a range of commits it has (A..B)") for end in (good, bad)
        )
    except RevisionError as error:
        raise HistoryError(f"history: {error}") from None
    commits = first_parent_line(rootdir, good, bad)
    if commits is None:
        raise HistoryError(f"history: {good[:12]} is not an ancestor of {bad[:12]}: the range has no first-parent line")
    return commits


def slot_statistics(times: list[float]) -> dict:
    """pytest-benchmark's statistics over slot times (seconds per call), a round a slot."""
    stats = Stats()
    for seconds in times:
        stats.update(seconds)
    return stats.as_dict()


def timed_document(document: dict, times: dict[str, list[float]]) -> dict:
    """A side's document with each benchmark's statistics those of its slots, and the score the store
    keeps their q1; a benchmark it did not time in the round robin is left out."""
    benchmarks = []
    for bench in document.get("benchmarks", []):
        if len(times.get(bench.get("fullname"), [])) > 1:
            stats = slot_statistics(times[bench["fullname"]])
            score = {schema.GATE_SCORE: stats[HISTORY_SCORE], schema.GATE_SECONDS: stats[HISTORY_SCORE]}
            benchmarks.append({**bench, "stats": stats, "extra_info": {**bench.get("extra_info", {}), **score}})
    return {**document, "benchmarks": benchmarks}


def groups(commits: list[str], size: int) -> list[list[str]]:
    """The range in groups of at most `size` commits timed together, each group's last commit the
    next one's first, so that every group shares a commit, measured in both, with its neighbour."""
    if len(commits) <= size:
        return [commits]
    return [commits[start : start + size] for start in range(0, len(commits) - 1, size - 1)]


@dataclass
class Backfill:
    store: Store
    rootdir: Path
    names: list[str]  # node ids, as the range's last commit collects them
    options: list[str]  # pytest options every side gets (-k is in names already)
    say: Callable[[str], None]
    slots: int = DEFAULT_SLOTS
    at_once: int = DEFAULT_AT_ONCE
    threads: int = DEFAULT_THREADS  # the sides' torch threads (--threads in `options`): timed on as many CPUs

    @property
    def cpus(self) -> list[int]:
        return timing_cpus(self.threads)

    def run(self, commits: list[str], runs: int) -> int:
        """Each commit timed in `runs` round robins; how many (commit, run)s were skipped."""
        return sum(self._group(commits, group, runs) for group in groups(commits, self.at_once))

    def _group(self, commits: list[str], group: list[str], runs: int) -> int:
        with ExitStack() as stack:
            scratch = Path(stack.enter_context(scratch_folder("backfill")))
            install(scratch, self.names)
            trees, skipped = {}, 0
            for commit in group:
                try:
                    trees[commit] = stack.enter_context(checked_out(self.rootdir, commit, "nnbench-backfill-"))
                except RevisionError as error:
                    skipped += runs
                    self.say(
                        f"history: skip {commit[:12]} (commit {commits.index(commit) + 1} of {len(commits)}): {error}"
                    )
            for run in range(runs):
                skipped += self._round_robin(scratch, commits, trees, run, runs)
            return skipped

    def _round_robin(self, scratch: Path, commits: list[str], trees: dict[str, Path], run: int, runs: int) -> int:
        order = [commit for commit in commits if commit in trees]  # this group's, oldest first
        order = order if run % 2 == 0 else order[::-1]  # neither end always starts first
        sides: dict[str, ProcessSide] = {}
        try:
            for commit in order:
                options = [*self.options, *SIDE_TIMING, f"--benchmark-json={scratch / f'{commit}.json'}"]
                try:
                    sides[commit] = start_process_side(
                        trees[commit], scratch, f"commit {commit[:12]}", self.names, options, self.cpus, run, commit
                    )
                except RunError as error:
                    self.say(f"history: skip {commit[:12]} (run {run + 1} of {runs}): {error}")
            timed = RoundRobin(self.slots).run(list(sides.values()), self.names)
        except BaseException:  # an interrupt or a failure: no side outlives the backfill
            for side in sides.values():
                side.close(at_once=True)
            raise
        statuses = {commit: side.close() for commit, side in sides.items()}
        skipped, round_robin = len(order) - len(sides), uuid.uuid4().hex[:16]
        for commit in commits:
            if commit in sides:
                where = f"commit {commits.index(commit) + 1} of {len(commits)}, run {run + 1} of {runs}"
                side = sides[commit]
                skipped += not self._record(scratch, commit, side, statuses[commit], timed, where, round_robin)
        return skipped

    def _record(
        self,
        scratch: Path,
        commit: str,
        side: ProcessSide,
        status: int | None,
        timed: dict,
        where: str,
        round_robin: str,
    ) -> bool:
        times = {name: by_side[side.label] for name, by_side in timed.items() if side.label in by_side}
        path = scratch / f"{commit}.json"
        try:
            document = json.loads(path.read_text())
            path.unlink()
        except (OSError, ValueError):
            document = None
        if document is None or status not in (0, 1) or not times:
            self.say(f"history: skip {commit[:12]} ({where}): {side.why_it_stopped()}")
            return False
        try:
            recorded = record_document(
                self.store, timed_document(document, times), f"backfill {commit[:12]}", self.rootdir, round_robin
            )
            self.say(f"{recorded} ({where})")
        except HistoryError as error:
            self.say(f"history: skip {commit[:12]} ({where}): {error}")
            return False
        return True
