"""`history backfill A..B`: each first-parent commit of a range timed on this machine, in a worktree
of its own, by the same harness a user runs (a fresh `pytest bench` there, that commit's own code),
each run recorded in the store. A commit that cannot be timed (its run fails, or it predates the
machine fingerprint) is skipped in one line, as `git bisect skip` does, and the others go on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from models.gate.worktree import RevisionError, checked_out, first_parent_line, resolve_revision
from models.history.recording import record_document
from models.history.store import HistoryError, Store
from models.processes import fresh_pytest


def first_parent_range(rootdir: Path, revision_range: str) -> list[str]:
    """The first-parent commits of `A..B` (after A, up to B), oldest first."""
    good, separator, bad = revision_range.partition("..")
    if not separator or not good or not bad:
        raise HistoryError(f"history: {revision_range!r} is not a range: name one as A..B (e.g. HEAD~12..HEAD)")
    try:
        good, bad = resolve_revision(rootdir, good), resolve_revision(rootdir, bad)
    except RevisionError as error:
        raise HistoryError(f"history: {error}") from None
    commits = first_parent_line(rootdir, good, bad)
    if commits is None:
        raise HistoryError(f"history: {good[:12]} is not an ancestor of {bad[:12]}: the range has no first-parent line")
    return commits


def backfill(
    store: Store, rootdir: Path, commits: list[str], pytest_arguments: list[str], runs: int, say: Callable[[str], None]
) -> int:
    """Time and record each commit `runs` times; how many runs were skipped."""
    skipped = 0
    for number, commit in enumerate(commits, 1):
        for run in range(1, runs + 1):
            where = f"commit {number} of {len(commits)}, run {run} of {runs}"
            try:
                with checked_out(rootdir, commit, "nnbench-backfill-") as tree:
                    done = fresh_pytest(pytest_arguments, tree)
            except RevisionError as error:
                skipped += 1
                say(f"history: skip {commit[:12]} ({where}): {error}")
                continue
            if done.document is None or done.status not in (0, 1):
                skipped += 1
                last = (done.output.strip().splitlines() or ["no output"])[-1]
                say(f"history: skip {commit[:12]} ({where}): pytest exit {done.status}: {last}")
                continue
            try:
                say(f"{record_document(store, done.document, f'backfill {commit[:12]}', rootdir)} ({where})")
            except HistoryError as error:
                skipped += 1
                say(f"history: skip {commit[:12]} ({where}): {error}")
    return skipped
