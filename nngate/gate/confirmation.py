"""Confirming a suspect before the gate fails a run: time it again, then in new processes.

A benchmark whose score is over its plain limit is a suspect, not yet a regression. Interference
comes in two sizes: a burst (another process, a page-fault storm) that has passed by the end of the
session, and a spell that outlasts a whole run. So a suspect is timed again in this process, then in
new ones, later. Of its measurements, a quiet one (memory as fast as at baseline time) beats any
taken under memory pressure, and among equals the lowest ratio over its limit stands: a slowdown
that belongs to the code still fails, and one that belongs to a burst or a spell does not.
"""

from __future__ import annotations

from pathlib import Path

from nngate import schema
from nngate.gate import rules
from nngate.gate.baselines import extra_info_by_name
from nngate.harness.measure import Measurement
from nngate.harness.memory import retained_allocations
from nngate.harness.timing import bracketed, round_times, warm_up
from nngate.runtime.processes import fresh_pytest
from nngate.runtime.quantile import q1

REMEASURE_ATTEMPTS = 3  # a suspect is timed again up to three times in this process
MIN_ROUNDS, MAX_ROUNDS = 20, 200  # rounds per re-measurement: enough for q1, bounded in time
FRESH_PROCESS_LIMIT = 4  # still-regressed suspects confirmed in new processes; more is a broad, real slowdown
FRESH_PROCESS_ATTEMPTS = 3  # new processes per suspect, until one is within its limit
JUDGED_ENTRIES = (schema.GATE_SCORE, schema.GATE_SECONDS, schema.MEMORY_PRESSURE)


def _trust(baseline: dict | None, info: dict, threshold: float) -> tuple[bool, float]:
    """Sort key, lower is better: quiet first, then the lowest ratio over limit."""
    return not rules.is_quiet(baseline, info), rules.ratio_over_limit(baseline, info, threshold)


def keep_best(info: dict, candidate: dict, baseline: dict | None, threshold: float) -> None:
    """A re-measurement's entries replace the recorded ones only where they are more trustworthy:
    quiet where the recorded ones were not, or equally quiet and lower over the limit."""
    if _trust(baseline, candidate, threshold) < _trust(baseline, info, threshold):
        info.update({key: candidate[key] for key in JUDGED_ENTRIES if key in candidate})


def remeasure_suspects(
    suspects: dict[str, Measurement], timed: dict[str, dict], baseline: dict[str, dict], threshold: float
) -> None:
    """Time each suspect again in this process, up to REMEASURE_ATTEMPTS times, while it is still
    over its plain limit."""
    with retained_allocations():
        for name, measurement in suspects.items():
            _remeasure(timed[name], baseline.get(name), measurement, threshold)


def _remeasure(info: dict, baseline: dict | None, measurement: Measurement, threshold: float) -> None:
    rounds = min(max(measurement.rounds, MIN_ROUNDS), MAX_ROUNDS)
    for attempt in range(1, REMEASURE_ATTEMPTS + 1):
        if not rules.is_suspect(baseline, info, threshold):
            break
        warm_up(measurement.timed, min_calls=1, min_seconds=0.05)
        durations, _, memory = bracketed(
            lambda: round_times(measurement.timed, measurement.iterations, rounds), measurement.device
        )
        keep_best(info, rules.gate_entries(q1(durations), memory), baseline, threshold)
        info[schema.REMEASURED] = attempt


def confirm_in_fresh_processes(
    timed: dict[str, dict], baseline: dict[str, dict], threshold: float, forwarded: list[str], rootdir: Path
) -> None:
    """Time each benchmark still over its plain limit in up to FRESH_PROCESS_ATTEMPTS new pytest
    processes (with this run's `forwarded` options), stopping at the first within it; each
    process's score is kept in extra_info."""

    def regressed(name: str) -> bool:
        return rules.is_suspect(baseline.get(name), timed[name], threshold)

    suspects = [name for name in timed if regressed(name)]
    if len(suspects) > FRESH_PROCESS_LIMIT:
        return
    for name in suspects:
        scores = timed[name].setdefault(schema.FRESH_PROCESS_SCORES, [])
        while regressed(name) and len(scores) < FRESH_PROCESS_ATTEMPTS:
            fresh = fresh_pytest(
                [name, "-p", "nngate.plugin", *forwarded, f"--benchmark-min-rounds={MIN_ROUNDS}"], rootdir
            )
            info = extra_info_by_name(fresh.document).get(name, {}) if fresh.document else {}
            if not info.get(schema.GATE_SCORE):
                break  # the confirming run broke: the measurements so far stand
            scores.append(info[schema.GATE_SCORE])
            keep_best(timed[name], info, baseline.get(name), threshold)
