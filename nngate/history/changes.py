"""Change points in a series of scores: where its level steps, found by ruptures and kept where a
test says the step is real.

The candidates are PELT's (ruptures, l2 cost) over each commit's mean log score, so a step is a ratio
and one commit's repeated runs are one point; PELT's penalty is BIC's for the series' own noise
(from the spread of repeated runs within commits, else from successive differences: either way the
steps themselves do not inflate it). Each candidate is placed where it best splits every sample
between its neighbours, then tested with Welch's t-test on every run's log score of the segments either side,
and the least significant is merged away until all are below P_VALUE: Apache Otava's rule (E-divisive
candidates, a t-test, p = 0.001), with ruptures in place of Otava, whose pins (numpy 2.2, scipy 1.16)
clash with this environment's numpy (docs/history.md).

Runs a backfill timed side by side in one round robin share what the machine did meanwhile: their
scores move together, by up to 17% from one round robin to the next (docs/history.md), while the
unchanged commits within one agree within 2%. Where runs carry their round robin, its offset is estimated
(least squares: log score = commit level + round robin offset) and taken out before anything else,
so the noise, the steps and the tests are those between commits in the same round robin.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import ruptures
from scipy import stats

P_VALUE = 0.001  # Otava's default
MIN_SEGMENT = 2  # commits each side of a change: one commit alone is not a level
NOISE_FLOOR = 1e-4  # log-ratio: a series that repeats itself exactly still gets a penalty
OFFSET_SWEEPS = 50  # alternating least squares: exact after one sweep where every round robin has every commit


@dataclass(frozen=True)
class ChangePoint:
    index: int  # the first commit (position in the series) at the new level
    before: float  # median score of the segment before
    after: float  # median score of the segment after
    p_value: float

    @property
    def change(self) -> float:
        """after / before - 1: +0.05 is 5% slower."""
        return self.after / self.before - 1


def _without_round_robins(
    logs: list[list[float]], round_robins: Sequence[Sequence[str | None]]
) -> tuple[list[list[float]], int]:
    """Each run's log score less its round robin's offset, and how many offsets were estimated (each
    costs the noise estimate a degree of freedom). Only a round robin over two commits or more has an
    offset that is not simply its commit's level; runs without one (a `--history` run, an import)
    keep theirs at 0, and where every run has one the offsets average 0."""
    spans = defaultdict(set)
    for index, commit in enumerate(round_robins):
        for name in commit:
            spans[name].add(index)
    shared = {name for name, commits in spans.items() if name is not None and len(commits) > 1}
    if not shared:
        return logs, 0
    everywhere = all(name in shared for commit in round_robins for name in commit)
    offset = dict.fromkeys(shared, 0.0)
    for _ in range(OFFSET_SWEEPS):
        levels = [
            statistics.fmean(value - offset.get(name, 0.0) for value, name in zip(commit, names, strict=True))
            for commit, names in zip(logs, round_robins, strict=True)
        ]
        residuals = defaultdict(list)
        for level, commit, names in zip(levels, logs, round_robins, strict=True):
            for value, name in zip(commit, names, strict=True):
                if name in shared:
                    residuals[name].append(value - level)
        offset = {name: statistics.fmean(values) for name, values in residuals.items()}
        if everywhere:
            centre = statistics.fmean(offset[name] for names in round_robins for name in names)
            offset = {name: value - centre for name, value in offset.items()}
    adjusted = [
        [value - offset.get(name, 0.0) for value, name in zip(commit, names, strict=True)]
        for commit, names in zip(logs, round_robins, strict=True)
    ]
    return adjusted, len(shared) - everywhere


def _noise(logs: list[list[float]], levels: np.ndarray, estimated: int) -> float:
    """The noise of a commit's level: from the spread of repeated runs within commits where there
    are any (steps between commits cannot inflate it), else from successive differences. `estimated`:
    round robin offsets taken out of the runs, each a degree of freedom fewer."""
    repeated = [commit for commit in logs if len(commit) > 1]
    freedom = sum(len(commit) - 1 for commit in repeated) - estimated
    if repeated and freedom > 0:
        pooled = sum(_squared_error(commit) for commit in repeated) / freedom
        noise = math.sqrt(pooled / statistics.fmean(len(commit) for commit in logs))
    else:
        steps = np.diff(levels)
        noise = 1.4826 * float(np.median(np.abs(steps - np.median(steps)))) / math.sqrt(2) if steps.size else 0.0
    return max(noise, NOISE_FLOOR)


def _p_value(before: list[float], after: list[float]) -> float:
    if min(len(before), len(after)) < 2:
        return 1.0
    if statistics.pvariance(before) == 0 and statistics.pvariance(after) == 0:
        return 0.0 if statistics.fmean(before) != statistics.fmean(after) else 1.0
    return float(stats.ttest_ind(before, after, equal_var=False).pvalue)


def _squared_error(values: list[float]) -> float:
    mean = statistics.fmean(values)
    return sum((value - mean) ** 2 for value in values)


def _placed(logs: list[list[float]], breaks: list[int]) -> list[int]:
    """Each break moved to where it best splits every sample between its neighbouring breaks: PELT
    saw one median per commit, and with few commits noise can put a step a commit early or late."""
    placed = list(breaks)
    for i in range(len(placed)):
        low, high = ([0, *placed][i], [*placed, len(logs)][i + 1])
        placed[i] = min(
            range(low + MIN_SEGMENT, high - MIN_SEGMENT + 1),
            key=lambda cut: _squared_error(sum(logs[low:cut], [])) + _squared_error(sum(logs[cut:high], [])),
        )
    return placed


def _adjusted_logs(
    samples: Sequence[Sequence[float]], round_robins: Sequence[Sequence[str | None]] | None
) -> tuple[list[list[float]], int]:
    logs = [[math.log(score) for score in commit] for commit in samples]
    return _without_round_robins(logs, round_robins or [[None] * len(commit) for commit in logs])


def levels(
    samples: Sequence[Sequence[float]], round_robins: Sequence[Sequence[str | None]] | None = None
) -> list[float]:
    """Each commit's level, as change points compare them: the geometric mean of its scores, each less
    its round robin's offset. A commit's raw median can move with the round robins it was timed in."""
    logs, _ = _adjusted_logs(samples, round_robins)
    return [math.exp(statistics.fmean(commit)) for commit in logs]


def change_points(
    samples: Sequence[Sequence[float]],
    round_robins: Sequence[Sequence[str | None]] | None = None,
    p_value: float = P_VALUE,
) -> list[ChangePoint]:
    """The change points of a series: `samples[i]` is every score recorded at the i-th commit, and
    `round_robins[i]` the round robin each was timed in (None: not in one)."""
    if len(samples) < 2 * MIN_SEGMENT:
        return []
    logs, estimated = _adjusted_logs(samples, round_robins)
    commit_levels = np.array([statistics.fmean(commit) for commit in logs])
    penalty = 2 * _noise(logs, commit_levels, estimated) ** 2 * math.log(len(commit_levels))
    found = (
        ruptures.Pelt(model="l2", min_size=MIN_SEGMENT, jump=1).fit(commit_levels.reshape(-1, 1)).predict(pen=penalty)
    )
    breaks = _placed(logs, found[:-1])  # ruptures ends the list with the series' length

    def tested(cuts: list[int]) -> list[float]:
        edges = [0, *cuts, len(logs)]
        return [
            _p_value(sum(logs[edges[i] : edges[i + 1]], []), sum(logs[edges[i + 1] : edges[i + 2]], []))
            for i in range(len(cuts))
        ]

    p_values = tested(breaks)
    while breaks and max(p_values) >= p_value:
        del breaks[p_values.index(max(p_values))]
        breaks = _placed(logs, breaks)
        p_values = tested(breaks)
    edges = [0, *breaks, len(samples)]
    return [
        ChangePoint(
            index=cut,
            before=math.exp(statistics.median(sum(logs[edges[i] : cut], []))),
            after=math.exp(statistics.median(sum(logs[cut : edges[i + 2]], []))),
            p_value=p,
        )
        for i, (cut, p) in enumerate(zip(breaks, p_values, strict=True))
    ]
