"""The regression gate: find the committed baseline for this machine class, compare, give verdicts.

What is compared is each benchmark's `gate_score`: the first quartile (q1) of its round times
divided by the best time of a fixed reference matrix product measured beside it. A low quantile
ignores the rounds that interference (another process, a page-fault storm) made slow, and unlike
the minimum it is not one lucky round; dividing by the reference cancels a machine that is slower
as a whole. A benchmark whose score looks regressed is re-measured before
the run is failed (see models.confirmation), so one unlucky burst does not fail CI.

Two more things set a benchmark's limit, the ratio above which it is a regression:
  * noise: a baseline recorded over several processes (models.baseline) holds each benchmark's
    median score and how far its slowest process was above it; the allowed slowdown is the larger
    of the threshold and that noise;
  * memory pressure: a streaming add through main memory is timed beside every benchmark too. When
    the machine's memory is slower relative to its arithmetic than at baseline time (another VM's
    traffic, here up to +40% for seconds at a time), the limit grows by that factor and no more, so
    a memory-bound workload is not failed for a neighbour's traffic. A compute-bound slowdown, such
    as --inject-slowdown's busy-wait, leaves the streaming add alone and is judged on the threshold.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SCORE = "gate_score"  # extra_info key: q1 time / reference time
TIME = "gate_seconds"  # extra_info key: the q1 round time the score was computed from
NOISE = "gate_noise"  # baseline extra_info key: slowest process's score / median score - 1
PRESSURE = "memory_pressure"  # extra_info key: streaming-add time / matrix-product time beside this benchmark
COMPARABLE_SETTINGS = ("device", "dtype", "threads", "mode")  # must match between baseline and run
DEFAULT_THRESHOLD = 0.10  # see README "The gate" for the false-alarm and detection runs behind it


class BaselineError(RuntimeError):
    """No comparable baseline; the message is the one line the user sees."""


def machine_class_of(document: dict) -> str | None:
    return document.get("machine_info", {}).get("nnbench", {}).get("machine_class")


def load_document(path: Path) -> dict:
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is unreadable ({type(error).__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise BaselineError(f"baseline {path} is not a pytest-benchmark JSON file")
    return document


BASELINE_NAME = "baseline"  # committed baselines are saved with --benchmark-save=baseline


def find_baseline(storage: Path, machine_class: str, choice: str) -> Path:
    """`choice` "auto": the newest NNNN_baseline.json in `storage` saved on this machine class (so
    a user's --benchmark-autosave never becomes the gate's reference); else a path or a name fragment
    of a saved file (e.g. "0001" or "mine")."""
    if choice != "auto":
        given = Path(choice)
        if given.is_dir():
            raise BaselineError(f"--gate value {choice!r} is a directory; write `pytest bench --gate` "
                                f"or --gate=FILE")
        if given.is_file():
            return given
        matches = sorted(storage.glob(f"*/*{choice}*.json"))
        if not matches:
            raise BaselineError(f"no saved baseline matches {choice!r} under {storage}")
        return matches[-1]
    candidates = []
    for path in sorted(storage.glob(f"*/*_{BASELINE_NAME}.json")):
        try:
            if machine_class_of(load_document(path)) == machine_class:
                candidates.append(path)
        except BaselineError:
            continue  # a corrupt file is not this machine's baseline; say so only if it was chosen
    if not candidates:
        raise BaselineError(f"no *_{BASELINE_NAME}.json for machine class {machine_class} under {storage}")
    return candidates[-1]


def load_scores(path: Path, machine_class: str) -> dict[str, dict]:
    """fullname -> extra_info of each benchmark in the baseline; refuses another machine class."""
    document = load_document(path)
    saved_class = machine_class_of(document)
    if saved_class != machine_class:
        raise BaselineError(f"baseline {path.name} is from machine class {saved_class}, this is {machine_class}")
    return {bench["fullname"]: bench.get("extra_info", {}) for bench in document["benchmarks"]
            if isinstance(bench, dict) and "fullname" in bench}


@dataclass(frozen=True)
class Verdict:
    name: str
    baseline: dict | None  # the baseline's extra_info for this benchmark
    now: dict
    verdict: str  # "ok", "faster", "regression", "new", "not comparable: ..."
    limit: float  # the ratio above which this benchmark is a regression (see `limit_ratio`)

    @property
    def ratio(self) -> float | None:
        """Change of the score (q1 time / reference time): 1.15 is 15% slower on an equal machine."""
        if not self.baseline or not self.baseline.get(SCORE) or not self.now.get(SCORE):
            return None
        return self.now[SCORE] / self.baseline[SCORE]


def scores(q1_seconds: float, compute_reference: float, memory_reference: float) -> dict:
    """The extra_info entries the gate judges, from one measurement and its bracketing references."""
    return {SCORE: q1_seconds / compute_reference, TIME: q1_seconds, PRESSURE: memory_reference / compute_reference}


def memory_excuse(baseline: dict | None, now: dict) -> float:
    """How much slower main memory is now than at baseline time, relative to arithmetic (>= 1)."""
    if not baseline or not baseline.get(PRESSURE) or not now.get(PRESSURE):
        return 1.0
    return max(1.0, now[PRESSURE] / baseline[PRESSURE])


def limit_ratio(baseline: dict | None, now: dict, threshold: float) -> float:
    """The ratio above which `now` is a regression against `baseline`."""
    return (1 + allowed_slowdown(baseline, threshold)) * memory_excuse(baseline, now)


def margin(baseline: dict | None, now: dict, threshold: float) -> float:
    """Ratio over limit: above 1 is a regression. Of several measurements the lowest margin counts."""
    if not baseline or not baseline.get(SCORE) or not now.get(SCORE):
        return 0.0
    return now[SCORE] / baseline[SCORE] / limit_ratio(baseline, now, threshold)


def allowed_slowdown(baseline: dict | None, threshold: float) -> float:
    """The slowdown this benchmark may show before it is a regression: the threshold, or more
    where the baseline saw this benchmark vary that much between processes of unchanged code."""
    noise = (baseline or {}).get(NOISE) or 0.0
    return max(threshold, noise)


def judge(baseline: dict | None, now: dict, threshold: float) -> str:
    if baseline is None:
        return "new"
    differing = [key for key in COMPARABLE_SETTINGS if baseline.get(key) != now.get(key)]
    if differing:
        return "not comparable: " + ", ".join(f"{key} {baseline.get(key)} vs {now.get(key)}" for key in differing)
    if not baseline.get(SCORE) or not now.get(SCORE):
        return "not comparable: no score"
    if margin(baseline, now, threshold) > 1:
        return "regression"
    return "faster" if now[SCORE] / baseline[SCORE] < 1 / (1 + allowed_slowdown(baseline, threshold)) else "ok"


def compare(baseline: dict[str, dict], run: dict[str, dict], threshold: float) -> list[Verdict]:
    return [Verdict(name, baseline.get(name), info, judge(baseline.get(name), info, threshold),
                    limit_ratio(baseline.get(name), info, threshold)) for name, info in run.items()]


def _milliseconds(info: dict | None) -> str:
    return f"{info[TIME] * 1e3:.3f}" if info and info.get(TIME) else "-"


def render(verdicts: list[Verdict], baseline_path: Path, threshold: float) -> str:
    """The verdict table: q1 round times in ms, the ratio of reference-normalized scores, and
    each benchmark's limit (the ratio above which it is a regression)."""
    header = ("benchmark", "baseline", "now", "ratio", "verdict", "limit")
    rows = [(v.name.split("::")[-1], _milliseconds(v.baseline), _milliseconds(v.now),
             f"{v.ratio:.3f}" if v.ratio else "-", v.verdict, f"{v.limit:.3f}") for v in verdicts]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in (header, *rows)]
    failed = sum(v.verdict == "regression" for v in verdicts)
    lines.append(f"gate: {failed} regression(s) of {len(verdicts)} benchmarks against {baseline_path} "
                 f"(baseline, now: q1 round time in ms; ratio: change of q1 time / reference-product time; "
                 f"limit: the ratio that fails, threshold +{threshold:.0%} or the baseline's process noise, "
                 f"times any rise in memory pressure)")
    return "\n".join(lines)
