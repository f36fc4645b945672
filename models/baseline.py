"""A gate baseline recorded over several processes: each benchmark's median score and its noise.

One process sees only the few minutes of machine weather it ran in. Measured here, a bag-of-words
train step (10 MB of weights) had a q1 of 6.7 to 8.3 ms across a dozen fresh processes of unchanged
code (mostly another tenant's memory traffic, which comes and goes for seconds at a time), while
the reference product stayed within 1%; a baseline taken from one quiet process (6.5 ms) made a
later CI run fail at +23%. So a baseline is the median of several
processes, and the spread it saw becomes that benchmark's own allowance (models.gate).

The merged file is still a pytest-benchmark JSON file (the median process's document, with the
merged scores in each benchmark's extra_info), so `--benchmark-compare` keeps working with it.
"""
from __future__ import annotations

import re
import statistics
from pathlib import Path

from models.gate import NOISE, PRESSURE, SCORE, TIME, BaselineError, machine_class_of

SCORES = "gate_process_scores"  # extra_info key: the score each recording process measured
SAVED_NAME = re.compile(r"^(\d{4})_")  # pytest-benchmark numbers its saved files NNNN_name.json


def _scores(document: dict) -> dict[str, dict]:
    return {bench["fullname"]: bench["extra_info"] for bench in document["benchmarks"]
            if SCORE in bench.get("extra_info", {})}


def merge(documents: list[dict]) -> dict:
    """One baseline document from several runs of the same benchmarks on one machine class.

    Keeps the benchmarks every run timed; each gets the median score (and the q1 time of that
    median run), the list of process scores, noise = slowest score / median - 1, and the machine's
    median memory pressure over all benchmarks and runs.
    """
    if not documents:
        raise BaselineError("no runs to merge")
    classes = {machine_class_of(document) for document in documents}
    if len(classes) != 1:
        raise BaselineError(f"runs come from different machine classes: {', '.join(map(str, sorted(classes, key=str)))}")
    runs = [_scores(document) for document in documents]
    common = set.intersection(*(set(run) for run in runs))
    if not common:
        raise BaselineError("the runs have no benchmark in common")
    # The document whose own scores sit closest to the medians carries the pytest-benchmark stats.
    medians = {name: statistics.median(run[name][SCORE] for run in runs) for name in common}
    typical = min(range(len(runs)), key=lambda index: sum(
        abs(runs[index][name][SCORE] / medians[name] - 1) for name in common))
    # Memory pressure is the machine's, not a benchmark's: one median over every reading is steadier
    # than each benchmark's own few (which differ by about 4% from reading to reading here).
    pressures = [run[name][PRESSURE] for run in runs for name in common if run[name].get(PRESSURE)]
    machine_pressure = {PRESSURE: statistics.median(pressures)} if pressures else {}
    merged = {**documents[typical], "benchmarks": []}
    for bench in documents[typical]["benchmarks"]:
        name = bench.get("fullname")
        if name not in common:
            continue
        scores = [run[name][SCORE] for run in runs]
        median_run = min(runs, key=lambda run: abs(run[name][SCORE] - medians[name]))
        extra = {**bench["extra_info"], SCORE: medians[name], TIME: median_run[name][TIME],
                 SCORES: scores, NOISE: max(scores) / medians[name] - 1, **machine_pressure}
        merged["benchmarks"].append({**bench, "extra_info": extra})
    merged["machine_info"] = {**merged["machine_info"], "nnbench": {
        **merged["machine_info"].get("nnbench", {}), "baseline_processes": len(documents)}}
    return merged


def next_path(directory: Path, name: str) -> Path:
    """The next NNNN_name.json in `directory`, as pytest-benchmark numbers them: never an existing file."""
    numbers = [int(match.group(1)) for path in directory.glob("*.json") if (match := SAVED_NAME.match(path.name))]
    return directory / f"{max(numbers, default=0) + 1:04d}_{name}.json"
