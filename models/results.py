"""Result files read back: benchmark rows and training runs, for the report and for train-sweep.

Inputs are pytest-benchmark JSON files (`--benchmark-json`, or saved under .benchmarks/) and
training JSON from `python -m models train --json` (one object, or a list of them). A training
run joins a benchmark row when architecture, config and batch size are equal (the labs trained at
each batch size they timed); of several such runs, the one with the most epochs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from models import schema
from models.arch.registry import ARCHITECTURES, make_config
from models.data.splits import DataError


@dataclass
class ResultRow:
    name: str
    architecture: str
    mode: str  # "inference" or "train"
    batch_size: int
    config: dict
    median_seconds: float
    extra: dict
    training: dict | None = None  # the matching `train --json` result, if any
    varied: dict = field(default_factory=dict)  # options that differ from the architecture's defaults
    context: dict = field(default_factory=dict)  # where and how it was timed (see `run_context`)

    @property
    def items_per_second(self) -> float:
        return self.batch_size / self.median_seconds


def _key(architecture: str, config: dict) -> str:
    return architecture + json.dumps(config, sort_keys=True)


def run_context(document: dict) -> dict:
    """What a reader needs to compare a figure: CPU, threads, torch, profile and date of its run."""
    recorded = schema.nnbench_info(document)
    return {
        "CPU": recorded.get(schema.CPU_MODEL) or (document.get("machine_info") or {}).get("cpu", {}).get("brand_raw"),
        "threads": recorded.get(schema.THREADS),
        "torch": recorded.get(schema.TORCH_VERSION),
        "profile": recorded.get(schema.PROFILE),
        "date": (document.get("datetime") or "")[:10] or None,
    }


def load_results(paths: list[str]) -> tuple[list[ResultRow], list[dict]]:
    benchmarks, trainings = [], []
    for path in map(Path, paths):
        try:
            document = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DataError(f"{path}: unreadable result file ({type(error).__name__})") from None
        if isinstance(document, dict) and isinstance(document.get("benchmarks"), list):
            benchmarks += [(bench, run_context(document)) for bench in document["benchmarks"]]
        elif isinstance(document, dict) and schema.ACCURACY in document:
            trainings.append(document)
        elif isinstance(document, list) and all(
            isinstance(item, dict) and schema.ACCURACY in item for item in document
        ):
            trainings += document
        else:
            raise DataError(f"{path}: neither pytest-benchmark JSON nor training JSON")
    by_config: dict[tuple[str, int], dict] = {}
    for run in sorted(trainings, key=lambda run: run[schema.EPOCHS]):
        by_config[_key(run[schema.ARCHITECTURE], run[schema.CONFIG]), run[schema.BATCH_SIZE]] = run
    rows = []
    for bench, environment in benchmarks:
        extra = bench.get("extra_info", {})
        architecture, config = extra.get(schema.ARCHITECTURE), extra.get(schema.CONFIG)
        if architecture not in ARCHITECTURES:
            continue  # a benchmark of someone else's: nothing to report on
        defaults = make_config(architecture).options()
        rows.append(
            ResultRow(
                bench["name"],
                architecture,
                extra.get(schema.MODE, "inference"),
                extra[schema.BATCH_SIZE],
                config,
                bench["stats"]["median"],
                extra,
                by_config.get((_key(architecture, config), extra[schema.BATCH_SIZE])),
                {key: value for key, value in config.items() if defaults.get(key) != value},
                environment,
            )
        )
    return rows, trainings
