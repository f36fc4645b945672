"""Result files read back for the report: benchmark rows and training runs.

Inputs are pytest-benchmark JSON files (`--benchmark-json`, or saved under .benchmarks/) and
training JSON from `python -m models train --json` (one object, or a list of them). A training
result joins a benchmark row when architecture and config are equal.
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

    @property
    def items_per_second(self) -> float:
        return self.batch_size / self.median_seconds


def _key(architecture: str, config: dict) -> str:
    return architecture + json.dumps(config, sort_keys=True)


def load_results(paths: list[str]) -> tuple[list[ResultRow], list[dict]]:
    benchmarks, trainings = [], []
    for path in map(Path, paths):
        try:
            document = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise DataError(f"{path}: unreadable result file ({type(error).__name__})") from None
        if isinstance(document, dict) and isinstance(document.get("benchmarks"), list):
            benchmarks += document["benchmarks"]
        elif isinstance(document, dict) and "accuracy" in document:
            trainings.append(document)
        elif isinstance(document, list) and all(isinstance(item, dict) and "accuracy" in item for item in document):
            trainings += document
        else:
            raise DataError(f"{path}: neither pytest-benchmark JSON nor training JSON")
    by_config = {_key(t["architecture"], t["config"]): t for t in trainings}
    rows = []
    for bench in benchmarks:
        extra = bench.get("extra_info", {})
        architecture, config = extra.get(schema.ARCHITECTURE), extra.get(schema.CONFIG)
        if architecture not in ARCHITECTURES:
            continue  # a benchmark of someone else's: nothing to report on
        defaults = make_config(architecture).options()
        rows.append(ResultRow(
            bench["name"], architecture, extra.get(schema.MODE, "inference"), extra[schema.BATCH_SIZE],
            config, bench["stats"]["median"], extra, by_config.get(_key(architecture, config)),
            {key: value for key, value in config.items() if defaults.get(key) != value}))
    return rows, trainings
