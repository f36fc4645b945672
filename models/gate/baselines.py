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
from models.gate.machine import machine_part_of

BASELINE_NAME = "baseline"  # committed baselines are saved as NNNN_baseline.json
SAVED_NAME = re.compile(r"^(\d{4})_")  # pytest-benchmark numbers its saved files NNNN_name.json


class BaselineError(RuntimeError):
    """No usable baseline; the message is the one line the user sees."""


def machine_class_of(document: dict) -> str | None:
    return schema.nnbench_info(document).get(schema.MACHINE_CLASS)


def load_document(path: Path) -> dict:
    """A pytest-benchmark JSON document; BaselineError for anything unreadable."""
    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is unreadable ({type(error).__name__})") from None
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise BaselineError(f"baseline {path} is not a pytest-benchmark JSON file")
    return document


def saved_baselines(storage: Path) -> list[tuple[Path, dict]]:
    """Every readable NNNN_baseline*.json under `storage` with its document, oldest first. A user's
    --benchmark-autosave never becomes the gate's reference; an unreadable file is passed over here
    (it is an error only where it was named)."""
    found = []
    for path in sorted(storage.glob(f"*/*_{BASELINE_NAME}*.json"), key=lambda path: (path.name, str(path))):
        try:
            found.append((path, load_document(path)))
        except BaselineError:
            continue
    return found


def named_baseline(storage: Path, choice: str) -> Path:
    """A path, or a name fragment of a saved file (e.g. "0001" or "mine"); BaselineError if none."""
    given = Path(choice)
    if given.is_dir():
        raise BaselineError(f"--gate value {choice!r} is a directory; write `pytest bench --gate` or --gate=FILE")
    if given.is_file():
        return given
    matches = sorted(storage.glob(f"*/*{choice}*.json"))
    if not matches:
        raise BaselineError(f"no saved baseline matches {choice!r} under {storage}")
    return matches[-1]


def matching_baseline(storage: Path, machine: dict) -> tuple[Path, dict] | None:
    """The newest committed baseline recorded on a machine whose fingerprint's machine part is `machine`."""
    matching = [(path, document) for path, document in saved_baselines(storage) if machine_part_of(document) == machine]
    return matching[-1] if matching else None


def recording_commit(document: dict) -> str | None:
    """The commit whose code recorded a saved run (pytest-benchmark's commit_info)."""
    commit = document.get("commit_info", {}).get("id")
    return commit if isinstance(commit, str) and commit else None


def extra_info_by_name(document: dict) -> dict[str, dict]:
    """fullname -> extra_info of every benchmark in a pytest-benchmark document."""
    return {
        bench["fullname"]: bench.get("extra_info", {})
        for bench in document["benchmarks"]
        if isinstance(bench, dict) and "fullname" in bench
    }


def merge(documents: list[dict]) -> dict:
    """One baseline document from several runs of the same benchmarks on one machine class.

    Keeps the benchmarks every run scored; each gets the median score (and the q1 time of that
    median run), the list of process scores, noise = slowest score / median - 1, and the machine's
    median memory pressure over all benchmarks and runs.
    """
    if not documents:
        raise BaselineError("no runs to merge")
    machines = {json.dumps(machine_part_of(document), sort_keys=True) for document in documents}
    if len(machines) != 1:
        raise BaselineError(f"runs come from {len(machines)} different machines; a baseline is one machine's")
    runs = [
        {name: info for name, info in extra_info_by_name(document).items() if schema.GATE_SCORE in info}
        for document in documents
    ]
    common = set.intersection(*(set(run) for run in runs))
    if not common:
        raise BaselineError("the runs have no benchmark in common")
    medians = {name: statistics.median(run[name][schema.GATE_SCORE] for run in runs) for name in common}
    # The document whose own scores sit closest to the medians carries the pytest-benchmark stats.
    typical = min(
        range(len(runs)),
        key=lambda index: sum(abs(runs[index][name][schema.GATE_SCORE] / medians[name] - 1) for name in common),
    )
    # Memory pressure is the machine's, not a benchmark's: one median over every reading is steadier
    # than each benchmark's own few.
    pressures = [
        run[name][schema.MEMORY_PRESSURE] for run in runs for name in common if run[name].get(schema.MEMORY_PRESSURE)
    ]
    machine_pressure = {schema.MEMORY_PRESSURE: statistics.median(pressures)} if pressures else {}
    merged = {**documents[typical], "benchmarks": []}
    for bench in documents[typical]["benchmarks"]:
        name = bench.get("fullname")
        if name not in common:
            continue
        process_scores = [run[name][schema.GATE_SCORE] for run in runs]
        median_run = min(runs, key=lambda run: abs(run[name][schema.GATE_SCORE] - medians[name]))
        # Instruction counts are exact: whichever run counted them (record_baseline.py --instructions).
        counts = [run[name][schema.INSTRUCTIONS] for run in runs if run[name].get(schema.INSTRUCTIONS)]
        extra = {
            **bench["extra_info"],
            **({schema.INSTRUCTIONS: counts[0]} if counts else {}),
            schema.GATE_SCORE: medians[name],
            schema.GATE_SECONDS: median_run[name][schema.GATE_SECONDS],
            schema.PROCESS_SCORES: process_scores,
            schema.GATE_NOISE: max(process_scores) / medians[name] - 1,
            **machine_pressure,
        }
        merged["benchmarks"].append({**bench, "extra_info": extra})
    merged["machine_info"] = {
        **merged["machine_info"],
        schema.MACHINE_INFO: {**schema.nnbench_info(merged), schema.BASELINE_PROCESSES: len(documents)},
    }
    return merged


def next_path(directory: Path, name: str) -> Path:
    """The next NNNN_name.json in `directory`, as pytest-benchmark numbers them: never an existing file."""
    numbers = [int(match.group(1)) for path in directory.glob("*.json") if (match := SAVED_NAME.match(path.name))]
    return directory / f"{max(numbers, default=0) + 1:04d}_{name}.json"
