"""Baseline files: finding the one to compare with, loading it, merging one from several processes.

All reading and writing of saved runs is here. A baseline is a pytest-benchmark JSON file (so
`--benchmark-compare` reads it too) whose benchmarks carry the gate's entries in extra_info.

One process sees only the few minutes of machine weather it ran in, so the committed baseline is
the median of several fresh processes, and the spread they showed becomes each benchmark's own
allowance (models.gate.rules). The measurements behind this are in the README ("The gate").
"""
from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

from models import schema

BASELINE_NAME = "baseline"  # committed baselines are saved as NNNN_baseline.json
SAVED_NAME = re.compile(r"^(\d{4})_")  # pytest-benchmark numbers its saved files NNNN_name.json


class BaselineError(RuntimeError):
    """No usable baseline; the message is the one line the user sees."""


def machine_class_of(document: dict) -> str | None:
    return document.get("machine_info", {}).get(schema.MACHINE_INFO, {}).get(schema.MACHINE_CLASS)


def load_document(path: Path) -> dict:
    """A pytest-benchmark JSON document; BaselineError for anything unreadable."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is unreadable ({type(error).__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise BaselineError(f"baseline {path} is not a pytest-benchmark JSON file")
    return document


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


def extra_info_by_name(document: dict) -> dict[str, dict]:
    """fullname -> extra_info of every benchmark in a pytest-benchmark document."""
    return {bench["fullname"]: bench.get("extra_info", {}) for bench in document["benchmarks"]
            if isinstance(bench, dict) and "fullname" in bench}


def load_baseline(path: Path, machine_class: str) -> dict[str, dict]:
    """fullname -> extra_info of each benchmark in the baseline; refuses another machine class."""
    document = load_document(path)
    saved_class = machine_class_of(document)
    if saved_class != machine_class:
        raise BaselineError(f"baseline {path.name} is from machine class {saved_class}, this is {machine_class}")
    return extra_info_by_name(document)


def merge(documents: list[dict]) -> dict:
    """One baseline document from several runs of the same benchmarks on one machine class.

    Keeps the benchmarks every run scored; each gets the median score (and the q1 time of that
    median run), the list of process scores, noise = slowest score / median - 1, and the machine's
    median memory pressure over all benchmarks and runs.
    """
    if not documents:
        raise BaselineError("no runs to merge")
    classes = {machine_class_of(document) for document in documents}
    if len(classes) != 1:
        raise BaselineError(f"runs come from different machine classes: {', '.join(map(str, sorted(classes, key=str)))}")
    runs = [{name: info for name, info in extra_info_by_name(document).items() if schema.GATE_SCORE in info}
            for document in documents]
    common = set.intersection(*(set(run) for run in runs))
    if not common:
        raise BaselineError("the runs have no benchmark in common")
    medians = {name: statistics.median(run[name][schema.GATE_SCORE] for run in runs) for name in common}
    # The document whose own scores sit closest to the medians carries the pytest-benchmark stats.
    typical = min(range(len(runs)), key=lambda index: sum(
        abs(runs[index][name][schema.GATE_SCORE] / medians[name] - 1) for name in common))
    # Memory pressure is the machine's, not a benchmark's: one median over every reading is steadier
    # than each benchmark's own few.
    pressures = [run[name][schema.MEMORY_PRESSURE] for run in runs for name in common
                 if run[name].get(schema.MEMORY_PRESSURE)]
    machine_pressure = {schema.MEMORY_PRESSURE: statistics.median(pressures)} if pressures else {}
    merged = {**documents[typical], "benchmarks": []}
    for bench in documents[typical]["benchmarks"]:
        name = bench.get("fullname")
        if name not in common:
            continue
        process_scores = [run[name][schema.GATE_SCORE] for run in runs]
        median_run = min(runs, key=lambda run: abs(run[name][schema.GATE_SCORE] - medians[name]))
        extra = {**bench["extra_info"], schema.GATE_SCORE: medians[name],
                 schema.GATE_SECONDS: median_run[name][schema.GATE_SECONDS], schema.PROCESS_SCORES: process_scores,
                 schema.GATE_NOISE: max(process_scores) / medians[name] - 1, **machine_pressure}
        merged["benchmarks"].append({**bench, "extra_info": extra})
    merged["machine_info"] = {**merged["machine_info"], schema.MACHINE_INFO: {
        **merged["machine_info"].get(schema.MACHINE_INFO, {}), schema.BASELINE_PROCESSES: len(documents)}}
    return merged


def next_path(directory: Path, name: str) -> Path:
    """The next NNNN_name.json in `directory`, as pytest-benchmark numbers them: never an existing file."""
    numbers = [int(match.group(1)) for path in directory.glob("*.json") if (match := SAVED_NAME.match(path.name))]
    return directory / f"{max(numbers, default=0) + 1:04d}_{name}.json"
