"""Result files read back: benchmark rows and training runs, for the report and for train-sweep.

Inputs are pytest-benchmark JSON files (`--benchmark-json`, or saved under .benchmarks/) and
training JSON from `nngate train --json` (one object, or a list of them). A training
run joins a benchmark row when architecture, config and batch size are equal (the labs trained at
each batch size they timed); of several such runs, the one with the most epochs.

Several files may hold the same benchmark timed on the same machine with the same settings: fresh
processes of one run, as `nngate record-baseline` or a loop of `pytest bench` makes them. Such rows
become one, whose figure is the median of their medians and which keeps each process's median: a
small call's median moves between fresh processes (docs/evidence/process-modes.md), and one file's
figure would be a coin toss the reader cannot see. A baseline merged by record-baseline carries its
processes' scores the same way.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from nngate import schema
from nngate.result_files import UnreadableFile, benchmark_list, read_json
from nngate.runtime.machine import machine_part_of
from nngate.workloads import make_config, workloads
from nngate.workloads.splits import DataError


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
    quartiles: tuple[float, float] | None = None  # pytest-benchmark's q1 and q3 of the round times
    node_id: str = ""  # pytest's node id, as .benchmarks/spreads.json names a benchmark
    processes: tuple[float, ...] = ()  # each fresh process's figure (s), where the results hold several
    process_contexts: tuple[dict, ...] = ()  # and the run context of each (the header lists every file)

    @property
    def items_per_second(self) -> float:
        return self.batch_size / self.median_seconds

    @property
    def variant(self) -> str:
        return schema.setting(self.extra, schema.VARIANT)

    @property
    def workload(self) -> tuple:
        """What a row times apart from how the model runs: its variants share this."""
        return (
            self.architecture,
            self.mode,
            json.dumps(self.config, sort_keys=True),
            self.batch_size,
            self.extra.get(schema.DEVICE),
            self.extra.get(schema.DTYPE),
        )


def _key(architecture: str, config: dict) -> str:
    return architecture + json.dumps(config, sort_keys=True)


RESULT_FILE = "result file"  # a run context's key: the file it was read from
MACHINE = "machine"  # a run context's key: the fingerprint's machine part (None for files from before them)
PEAK_FIGURES = "peak figures"  # a run context's key: the measured peaks as recorded (the header shows "peaks")


def peaks_text(peaks) -> str | None:
    """`fp32 96.0 GFLOP/s, bf16 11.2 GFLOP/s; stream 12.1 GB/s`: the machine's measured limits."""
    if not isinstance(peaks, dict) or not isinstance(peaks.get(schema.PEAK_FLOPS), dict):
        return None
    flops = ", ".join(f"{dtype} {value / 1e9:.1f} GFLOP/s" for dtype, value in peaks[schema.PEAK_FLOPS].items())
    return f"{flops}; stream {peaks.get(schema.PEAK_BANDWIDTH, 0) / 1e9:.1f} GB/s"


def run_context(document: dict) -> dict:
    """What a reader needs to compare a figure: CPU, threads, torch, profile, date and the machine's
    measured peaks of its run."""
    recorded = schema.nnbench_info(document)
    return {
        "CPU": recorded.get(schema.CPU_MODEL) or (document.get("machine_info") or {}).get("cpu", {}).get("brand_raw"),
        "threads": recorded.get(schema.THREADS),
        "torch": recorded.get(schema.TORCH_VERSION),
        "profile": recorded.get(schema.PROFILE),
        "date": (document.get("datetime") or "")[:10] or None,
        "peaks": peaks_text(schema.session_peaks(document)),
        PEAK_FIGURES: schema.session_peaks(document),  # the figures themselves, for the roofline plot
        MACHINE: machine_part_of(document),
    }


def _quartiles(stats: dict) -> tuple[float, float] | None:
    q1, q3 = stats.get("q1"), stats.get("q3")
    return (q1, q3) if isinstance(q1, (int, float)) and isinstance(q3, (int, float)) else None


def load_results(paths: list[str]) -> tuple[list[ResultRow], list[dict]]:
    benchmarks, trainings = [], []
    for path in map(Path, paths):
        try:
            document = read_json(path)
        except UnreadableFile as error:
            raise DataError(f"{path}: unreadable result file ({error.kind})") from None
        if (entries := benchmark_list(document)) is not None:
            context = {**run_context(document), RESULT_FILE: path.name}  # a mix of runs is shown per file
            benchmarks += [(bench, context) for bench in entries]
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
        if architecture not in workloads():
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
                _quartiles(bench["stats"]),
                bench.get("fullname", bench["name"]),
                tuple(extra.get(schema.PROCESS_SCORES) or ()),
            )
        )
    return merged_processes(rows), trainings


def _same_timing(row: ResultRow) -> str:
    """What makes two rows the same figure from two processes: the benchmark, how it ran, and where."""
    where = row.context.get(MACHINE) or row.context.get("CPU")
    settings = [row.context.get("threads"), row.context.get("torch")]
    return json.dumps([row.node_id, row.variant, row.workload, where, *settings])


def merged_processes(rows: list[ResultRow]) -> list[ResultRow]:
    """One row per figure: rows of the same benchmark and machine from several files become the row
    whose median is nearest the median of their medians, with that median and every process's."""
    groups: dict[str, list[ResultRow]] = {}
    for row in rows:
        groups.setdefault(_same_timing(row), []).append(row)
    merged = []
    for group in groups.values():
        if len(group) == 1:
            merged.append(group[0])
            continue
        medians = tuple(row.median_seconds for row in group)
        middle = statistics.median(medians)
        typical = min(group, key=lambda row: abs(row.median_seconds - middle))
        typical.median_seconds, typical.processes = middle, medians
        typical.process_contexts = tuple(row.context for row in group)
        merged.append(typical)
    return merged
