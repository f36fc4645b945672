"""Baseline files: finding the one to compare with, loading it, merging one from several processes.

All reading and writing of saved runs is here. A baseline is a pytest-benchmark JSON file (so
`--benchmark-compare` reads it too) whose benchmarks carry the gate's entries in extra_info.

One process sees only the few minutes of machine weather it ran in, so the committed baseline is
the median of several fresh processes, and the spread they showed becomes each benchmark's own
allowance (nngate.gate.rules). The measurements behind this are in the docs/gate.md.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nngate import schema
from nngate.gate.validity import problem
from nngate.result_files import UnreadableFile, read_json
from nngate.runtime.machine import machine_part_of

BASELINE_NAME = "baseline"  # committed baselines are saved as NNNN_baseline.json
SAVED_NAME = re.compile(r"^(\d{4})_")  # pytest-benchmark numbers its saved files NNNN_name.json
UNVERSIONED = "unversioned"  # pytest-benchmark's commit id for a run outside git: no commit
INSTRUCTION_ENTRIES = (schema.INSTRUCTIONS, schema.INSTRUCTIONS_SPREAD, schema.INSTRUCTIONS_METHOD)
VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class BaselineError(RuntimeError):
    """No usable baseline; the message is the one line the user sees."""


def machine_class_of(document: dict) -> str | None:
    return schema.nnbench_info(document).get(schema.MACHINE_CLASS)


def load_document(path: Path) -> dict:
    """A pytest-benchmark JSON document that can serve as a baseline (nngate.gate.validity);
    BaselineError, one line naming the file, for anything else."""
    try:
        document = read_json(path)
    except UnreadableFile as error:
        raise BaselineError(f"baseline {path} is unreadable ({error.kind})") from None
    if (why := problem(document)) is not None:
        raise BaselineError(f"baseline {path} {why}")
    return document


@dataclass(frozen=True)
class Shelf:
    """The committed baselines under a storage folder, oldest first, and the files that could not be
    used, each as one warning line (never passed over in silence)."""

    usable: list[tuple[Path, dict]]
    warnings: list[str]

    def matching(self, machine: dict) -> tuple[Path, dict] | None:
        """The newest baseline recorded on a machine whose fingerprint's machine part is `machine`."""
        matching = [(path, document) for path, document in self.usable if machine_part_of(document) == machine]
        return matching[-1] if matching else None

    def newest_recording(self) -> tuple[Path, dict] | None:
        """The newest baseline that names the commit that recorded it."""
        recorded = [(path, document) for path, document in self.usable if recording_commit(document)]
        return recorded[-1] if recorded else None


def saved_baselines(storage: Path) -> Shelf:
    """Every NNNN_baseline*.json under `storage`: a user's --benchmark-autosave never becomes the
    gate's reference. A file that cannot be used is a warning here (an error where it was named)."""
    usable, warnings = [], []
    for path in sorted(storage.glob(f"*/*_{BASELINE_NAME}*.json"), key=lambda path: (path.name, str(path))):
        try:
            usable.append((path, load_document(path)))
        except BaselineError as error:
            warnings.append(f"gate: warning: {error}; it is left out")
    return Shelf(usable, warnings)


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


def _commit_info(document: dict) -> dict:
    """pytest-benchmark's commit_info of a saved run; empty where it is missing or not a mapping."""
    commit_info = document.get("commit_info")
    return commit_info if isinstance(commit_info, dict) else {}


def recording_commit(document: dict) -> str | None:
    """The commit whose code recorded a saved run (pytest-benchmark's commit_info)."""
    commit = _commit_info(document).get("id")
    return commit if isinstance(commit, str) and commit and commit != UNVERSIONED else None


def recorded_from_changed_tree(document: dict) -> bool:
    """Whether a saved run was timed with uncommitted changes (pytest-benchmark's commit_info.dirty)."""
    return _commit_info(document).get("dirty") is True


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
        # A count repeats within its recorded spread: whichever run counted it (record-baseline
        # --instructions), with that spread and method.
        counted = next((run[name] for run in runs if run[name].get(schema.INSTRUCTIONS)), {})
        extra = {
            **bench["extra_info"],
            **{key: counted[key] for key in INSTRUCTION_ENTRIES if key in counted},
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


def check_name(name: str) -> None:
    """BaselineError unless `name` can be a saved file's name (letters, digits, '.', '_', '-')."""
    if not VALID_NAME.fullmatch(name):
        raise BaselineError(f"--name {name!r}: use letters, digits, '.', '_' and '-' only (it becomes NNNN_NAME.json)")


def save_new(directory: Path, name: str, document: dict) -> Path:
    """`document` as the next NNNN_name.json in `directory`, never over an existing file: written whole
    to a temporary file, then linked into place exclusively, its number claimed under a lock on the
    folder, so a reader never sees half a file and two recorders never share a number or lose a file."""
    check_name(name)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, prefix=".recording-", suffix=".json", delete=False) as out:
        json.dump(document, out, indent=4)
        temporary = Path(out.name)
    folder = os.open(directory, os.O_RDONLY)
    try:  # the number is claimed under a lock on the folder: two recorders of other names never share one
        fcntl.flock(folder, fcntl.LOCK_EX)
        path = next_path(directory, name)
        os.link(temporary, path)  # exclusive: never over a file, whoever wrote it
        return path
    finally:
        os.close(folder)
        temporary.unlink()
