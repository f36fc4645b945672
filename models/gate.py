"""The regression gate: find the committed baseline for this machine class, compare, give verdicts.

What is compared is each benchmark's `gate_score`: the first quartile (q1) of its round times
divided by the best time of a fixed reference matrix product measured beside it. A low quantile
ignores the rounds that interference (another process, a page-fault storm) made slow, and unlike
the minimum it is not one lucky round; dividing by the reference cancels a machine that is slower
as a whole. A benchmark whose score looks regressed is re-measured before
the run is failed (see models.plugin), so one unlucky burst does not fail CI.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SCORE = "gate_score"  # extra_info key: q1 time / reference time
TIME = "gate_seconds"  # extra_info key: the q1 round time the score was computed from
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

    @property
    def ratio(self) -> float | None:
        """Change of the score (q1 time / reference time): 1.15 is 15% slower on an equal machine."""
        if not self.baseline or not self.baseline.get(SCORE) or not self.now.get(SCORE):
            return None
        return self.now[SCORE] / self.baseline[SCORE]


def judge(baseline: dict | None, now: dict, threshold: float) -> str:
    if baseline is None:
        return "new"
    differing = [key for key in COMPARABLE_SETTINGS if baseline.get(key) != now.get(key)]
    if differing:
        return "not comparable: " + ", ".join(f"{key} {baseline.get(key)} vs {now.get(key)}" for key in differing)
    if not baseline.get(SCORE) or not now.get(SCORE):
        return "not comparable: no score"
    ratio = now[SCORE] / baseline[SCORE]
    if ratio > 1 + threshold:
        return "regression"
    return "faster" if ratio < 1 / (1 + threshold) else "ok"


def compare(baseline: dict[str, dict], run: dict[str, dict], threshold: float) -> list[Verdict]:
    return [Verdict(name, baseline.get(name), info, judge(baseline.get(name), info, threshold))
            for name, info in run.items()]


def _milliseconds(info: dict | None) -> str:
    return f"{info[TIME] * 1e3:.3f}" if info and info.get(TIME) else "-"


def render(verdicts: list[Verdict], baseline_path: Path, threshold: float) -> str:
    """The verdict table: q1 round times in ms, and the ratio of reference-normalized scores."""
    header = ("benchmark", "baseline", "now", "ratio", "verdict")
    rows = [(v.name.split("::")[-1], _milliseconds(v.baseline), _milliseconds(v.now),
             f"{v.ratio:.3f}" if v.ratio else "-", v.verdict) for v in verdicts]
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in (header, *rows)]
    failed = sum(v.verdict == "regression" for v in verdicts)
    lines.append(f"gate: {failed} regression(s) of {len(verdicts)} benchmarks against {baseline_path} "
                 f"(baseline, now: q1 round time in ms; ratio: change of q1 time / reference-product time; "
                 f"threshold +{threshold:.0%})")
    return "\n".join(lines)
