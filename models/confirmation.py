"""Confirming a suspect before the gate fails a run: time it again, then in new processes.

A benchmark whose first score is over its limit is a suspect, not yet a regression. Interference
comes in two sizes: a burst (another process, a page-fault storm) that has passed by the end of the
session, and a spell that outlasts a whole run (a bag-of-words train step, 10 MB of weights, stayed
11% slow for a whole run here, re-measured three times). So a suspect is timed again in this
process, then in new ones, later; the measurement with the lowest ratio over its limit stands, so a
slowdown that belongs to the code still fails, and one that belongs to a burst or a spell does not.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from models import gate, timing

REMEASURE_ATTEMPTS = 3  # a suspect is timed again up to three times in this process
FRESH_PROCESS_LIMIT = 4  # still-regressed suspects confirmed in new processes; more is a broad, real slowdown
FRESH_PROCESS_ATTEMPTS = 3  # new processes per suspect, until one is within its limit
# Options a confirming process must share with this run, so it builds and times the same case.
FORWARDED_OPTIONS = ("--profile", "--device", "--dtype", "--threads", "--inject-slowdown")


def keep_best(info: dict, candidate: dict, baseline: dict | None, threshold: float) -> None:
    """A re-measurement's scores replace the recorded ones only where they judge better."""
    if gate.margin(baseline, candidate, threshold) < gate.margin(baseline, info, threshold):
        info.update({key: candidate[key] for key in (gate.SCORE, gate.TIME, gate.PRESSURE) if key in candidate})


def remeasure_suspects(suspects: list, run: dict[str, dict], baseline: dict[str, dict], threshold: float) -> None:
    """Time each suspect (name, timed callable, pytest-benchmark metadata, device) again in this
    process, up to REMEASURE_ATTEMPTS times, while it is still over its limit."""
    with timing.retained_allocations():
        for name, timed, metadata, device in suspects:
            _remeasure(run[name], baseline.get(name), timed, metadata, device, threshold)
    suspects.clear()


def _remeasure(info: dict, baseline: dict | None, timed, metadata, device, threshold: float) -> None:
    from pytest_benchmark.stats import Stats

    iterations, rounds = max(int(metadata.iterations), 1), min(max(int(metadata.stats.rounds), 20), 200)
    for attempt in range(1, REMEASURE_ATTEMPTS + 1):
        if gate.judge(baseline, info, threshold) != "regression":
            break
        timing.warm_up(timed, min_calls=1, min_seconds=0.05)
        durations, compute, memory = timing.bracketed(lambda: timing.round_times(timed, iterations, rounds), device)
        again = Stats()  # pytest-benchmark's own statistics, so q1 means the same as in the first run
        for duration in durations:
            again.update(duration)
        keep_best(info, gate.scores(again.q1, compute, memory), baseline, threshold)
        info["gate_remeasured"] = attempt


def confirm_in_fresh_processes(config: pytest.Config, run: dict[str, dict], baseline: dict[str, dict],
                               threshold: float) -> None:
    """Time each still-regressed benchmark in up to FRESH_PROCESS_ATTEMPTS new pytest processes,
    stopping at the first within its limit; each process's score is kept in extra_info."""
    def regressed(name: str) -> bool:
        return gate.judge(baseline.get(name), run[name], threshold) == "regression"

    suspects = [name for name in run if regressed(name)]
    if len(suspects) > FRESH_PROCESS_LIMIT:
        return
    for name in suspects:
        scores = run[name].setdefault("gate_fresh_process_scores", [])
        while regressed(name) and len(scores) < FRESH_PROCESS_ATTEMPTS:
            fresh = _time_in_fresh_process(config, name)
            if fresh is None:
                break  # the confirming run broke: the measurements so far stand
            scores.append(fresh[gate.SCORE])
            keep_best(run[name], fresh, baseline.get(name), threshold)


def _time_in_fresh_process(config: pytest.Config, name: str) -> dict | None:
    """The extra_info of benchmark `name` timed by a new pytest process with this run's options."""
    forwarded = [f"{option}={config.getoption(option)}" for option in FORWARDED_OPTIONS]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "fresh.json"
        subprocess.run([sys.executable, "-m", "pytest", name, "-q", "-p", "no:cacheprovider", "-p", "models.plugin",
                        *forwarded, f"--benchmark-json={report}", "--benchmark-min-rounds=20"],
                       cwd=config.rootpath, capture_output=True)
        try:
            (fresh,) = json.loads(report.read_text())["benchmarks"]
            return fresh["extra_info"] if fresh["extra_info"].get(gate.SCORE) else None
        except (OSError, ValueError, KeyError):
            return None
