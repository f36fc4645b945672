"""Change points in a series of scores: where its level steps, found by ruptures and kept where a
test says the step is real.

The candidates are PELT's (ruptures, l2 cost) over each commit's mean log score, so a step is a ratio
and one commit's repeated runs are one point; PELT's penalty is BIC's for the series' own noise
(from the spread of repeated runs within commits, else from successive differences: either way the
steps themselves do not inflate it). Each candidate is placed where it best splits every sample
between its neighbours, then tested with Welch's t-test on every run's log score of the segments either side,
and the least significant is merged away until all are below P_VALUE: Apache Otava's rule (E-divisive
candidates, a t-test, p = 0.001), with ruptures in place of Otava, whose pins (numpy 2.2, scipy 1.16)
clash with this environment's numpy (README, "History").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import ruptures
from scipy import stats

P_VALUE = 0.001  # Otava's default
MIN_SEGMENT = 2  # commits each side of a change: one commit alone is not a level
NOISE_FLOOR = 1e-4  # log-ratio: a series that repeats itself exactly still gets a penalty


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


def _noise(logs: list[list[float]], levels: np.ndarray) -> float:
    """The noise of a commit's level: from the spread of repeated runs within commits where there
    are any (steps between commits cannot inflate it), else from successive differences."""
    repeated = [commit for commit in logs if len(commit) > 1]
    if repeated:
        pooled = sum(_squared_error(commit) for commit in repeated) / sum(len(commit) - 1 for commit in repeated)
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


def change_points(samples: Sequence[Sequence[float]], p_value: float = P_VALUE) -> list[ChangePoint]:
    """The change points of a series: `samples[i]` is every score recorded at the i-th commit."""
    if len(samples) < 2 * MIN_SEGMENT:
        return []
    logs = [[math.log(score) for score in commit] for commit in samples]
    levels = np.array([statistics.fmean(commit) for commit in logs])
    penalty = 2 * _noise(logs, levels) ** 2 * math.log(len(levels))
    found = ruptures.Pelt(model="l2", min_size=MIN_SEGMENT, jump=1).fit(levels.reshape(-1, 1)).predict(pen=penalty)
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
            before=statistics.median(sum((list(s) for s in samples[edges[i] : cut]), [])),
            after=statistics.median(sum((list(s) for s in samples[cut : edges[i + 2]]), [])),
            p_value=p,
        )
        for i, (cut, p) in enumerate(zip(breaks, p_values, strict=True))
    ]
