"""The store's results as series: one per benchmark and machine, its points in first-parent commit
order (a commit's several runs are one point with several scores), each with its change points."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

# pytest's own -k parser: not public API, but the same language users type for `pytest -k`; its error's
# class moved between releases (ParseError, then a SyntaxError subclass), hence the broad except below.
from _pytest.mark.expression import Expression

from nngate.history.changes import ChangePoint, change_points, levels
from nngate.history.store import HistoryError


@dataclass(frozen=True)
class Point:
    commit: str  # sha, or "unversioned"
    commit_time: str | None
    scores: tuple[float, ...]  # seconds: one per run at this commit (a baseline: one per recording process)
    dirty: bool  # a run had uncommitted changes
    round_robins: tuple[str | None, ...] = ()  # each score's backfill round robin (None: not timed in one)


@dataclass(frozen=True)
class Series:
    name: str  # the benchmark's pytest name, without its file where that is unambiguous (identities)
    machine_key: str
    machine: str  # the CPU model, for reading
    points: tuple[Point, ...]
    changes: tuple[ChangePoint, ...]
    levels: tuple[float, ...]  # seconds: each point's level with its round robins' offsets removed


def selector(expression: str | None):
    """pytest's -k over a benchmark's name: each word matches as a case-insensitive substring."""
    if not expression:
        return lambda name: True
    try:
        compiled = Expression.compile(expression)
    except Exception as error:  # noqa: BLE001 (see the import)
        raise HistoryError(f"history: -k {expression!r} is not an expression: {error}") from None
    return lambda name: compiled.evaluate(lambda word, **_: word.lower() in name.lower())


def _scores(row: dict) -> list[tuple[float, str | None]]:
    """A run's scores, each with its round robin: one, or a baseline's, one for each process that
    recorded it."""
    if row["process_scores"]:
        return [(score, None) for score in json.loads(row["process_scores"])]
    return [(row["score"], row.get("round_robin"))]


def identities(rows: list[dict]) -> dict[str, str]:
    """Each benchmark's series name: its pytest name without the file (`test_inference[mlp-bs1-cpu-fp32]`),
    so that moving or renaming the file does not split its series; its full name where two benchmarks
    of one run would share the short one (two files with the same test)."""
    short = {row["name"]: row["name"].partition("::")[2] or row["name"] for row in rows}
    per_run: dict[tuple, set[str]] = defaultdict(set)
    for row in rows:
        per_run[(row["run_id"], short[row["name"]])].add(row["name"])
    shared = {name for names in per_run.values() if len(names) > 1 for name in names}
    return {name: name if name in shared else shortened for name, shortened in short.items()}


def build(rows: list[dict], order: list[str] | None, select=None) -> tuple[list[Series], int]:
    """Series of the selected rows, and how many runs were left out as off HEAD's first-parent line.
    Without git (order None) points go by commit time."""
    select = select or (lambda name: True)
    position = {sha: index for index, sha in enumerate(order or [])}
    grouped: dict[tuple[str, str], dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    left_out = set()
    selected = [row for row in rows if select(row["name"])]
    identity = identities(selected)
    for row in selected:
        commit = row["commit_sha"] or "unversioned"
        if order is not None and commit not in position:
            left_out.add(row["run_id"])
            continue
        grouped[(identity[row["name"]], row["machine_key"])][commit].append(row)
    series = []
    for (name, key), by_commit in sorted(grouped.items()):

        def when(commit: str, runs=by_commit) -> tuple:
            return (position.get(commit, 0), runs[commit][0]["commit_time"] or "", commit)

        points = []
        for commit in sorted(by_commit, key=when):
            scored = [s for row in sorted(by_commit[commit], key=lambda r: r["recorded_at"]) for s in _scores(row)]
            points.append(
                Point(
                    commit,
                    by_commit[commit][0]["commit_time"],
                    tuple(score for score, _ in scored),
                    any(row["dirty"] for row in by_commit[commit]),
                    tuple(round_robin for _, round_robin in scored),
                )
            )
        first = next(iter(by_commit.values()))[0]
        machine = first["cpu_model"] or json.loads(first["machine"]).get("cpu_model", key)
        samples, round_robins = [p.scores for p in points], [p.round_robins for p in points]
        changes = change_points(samples, round_robins)
        series.append(Series(name, key, machine, tuple(points), tuple(changes), tuple(levels(samples, round_robins))))
    return series, len(left_out)
