"""A pytest-benchmark document (a saved run, `--benchmark-json` output, a committed baseline) as a
history run and its results.

A run's id is a hash of what it measured: its commit, its machine and every benchmark's statistics.
pytest-benchmark writes one session's document several times (`--benchmark-json`, `--benchmark-save`,
and ours for `--history`), each with its own datetime, but always the same statistics, so the same
run recorded from any of them is stored once.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from nngate import schema
from nngate.history.store import HistoryError, Result, Run
from nngate.result_files import benchmark_list
from nngate.runtime.machine import machine_part_from_cpu_info, machine_part_of, recorded_environment

HISTORY_SCORE = "q1"  # a series is of q1 round times: the gate's score, robust to a few slow rounds


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(value, length: int = 64) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:length]


def machine_key(machine: dict) -> str:
    """A short key for a fingerprint's machine part: equal parts, equal keys."""
    return _digest(machine, 16)


def _stats(benchmark: dict) -> dict:
    return {key: value for key, value in benchmark["stats"].items() if key != "data"}


def _benchmarks(document, source: str) -> list[dict]:
    benchmarks = benchmark_list(document)
    if benchmarks is None or not all(
        isinstance(b, dict) and isinstance(b.get("stats"), dict) and HISTORY_SCORE in b["stats"] and "fullname" in b
        for b in benchmarks
    ):
        raise HistoryError(f"history: {source} is not a pytest-benchmark document (no benchmarks with stats)")
    return benchmarks


def _result(benchmark: dict, fingerprinted: bool) -> Result:
    """One benchmark's result. Process scores saved before fingerprints were divided by a reference
    reading (unitless, schema.GATE_SCORE): only the run's own seconds are kept from those."""
    extra = benchmark.get("extra_info") or {}
    config = extra.get(schema.CONFIG)
    scores = extra.get(schema.PROCESS_SCORES) if fingerprinted else None
    return Result(
        name=benchmark["fullname"],
        architecture=extra.get(schema.ARCHITECTURE),
        config=None if config is None else _canonical(config),
        batch_size=extra.get(schema.BATCH_SIZE),
        dtype=extra.get(schema.DTYPE),
        device=extra.get(schema.DEVICE),
        threads=extra.get(schema.THREADS),
        variant=schema.setting(extra, schema.VARIANT),
        mode=extra.get(schema.MODE),
        score=float(extra.get(schema.GATE_SECONDS) or benchmark["stats"][HISTORY_SCORE]),
        stats=_canonical(_stats(benchmark)),
        process_scores=None if scores is None else _canonical(scores),
        instructions=extra.get(schema.INSTRUCTIONS),
        params=extra.get(schema.PARAMS),
        macs=extra.get(schema.MACS),
        verdict=extra.get(schema.GATE_VERDICT),
    )


def run_of(document, source: str, parents: list[str] | None = None) -> tuple[Run, list[Result]]:
    """The run a document records and its results; HistoryError (one line) where it is not one of
    ours. `parents`: the commit's parents, first parent first, where git knows them."""
    benchmarks = _benchmarks(document, source)
    # Saved before nnbench recorded a fingerprint, or by plain pytest-benchmark: the machine part is
    # read back from pytest-benchmark's own CPU record, so the run joins the same machine's series.
    recorded = machine_part_of(document)
    machine = recorded or machine_part_from_cpu_info(document)
    if machine is None:
        raise HistoryError(
            f"history: {source} names no machine (no nnbench fingerprint, no CPU in machine_info), so its "
            "results could not be kept apart from other machines'"
        )
    commit = document.get("commit_info") or {}
    measured = [commit.get("id"), machine, sorted((b["fullname"], _stats(b)) for b in benchmarks)]
    run = Run(
        id=_digest(measured),
        recorded_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        run_time=document.get("datetime"),
        source=source,
        commit_sha=commit.get("id"),
        commit_parents=" ".join(parents) if parents else None,
        commit_time=commit.get("time"),
        branch=commit.get("branch"),
        dirty=commit.get("dirty"),
        machine_key=machine_key(machine),
        machine=_canonical(machine),
        environment=_canonical(recorded_environment(document)),
        cpu_model=schema.nnbench_info(document).get(schema.CPU_MODEL) or machine["cpu_model"],
    )
    return run, [_result(benchmark, recorded is not None) for benchmark in benchmarks]
