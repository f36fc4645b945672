"""Whether a saved pytest-benchmark document can serve as the gate's baseline: its shape and types
checked on load, so that a truncated, hand-edited or foreign file is named in one line and never
judged from, never a traceback.

A document is usable when it is a mapping with a non-empty `benchmarks` list of mappings that name
themselves (`fullname`), whose `extra_info` holds the gate's numbers as positive finite numbers
(GATE_SCORE, GATE_SECONDS, MEMORY_PRESSURE), INSTRUCTIONS as a positive integer, GATE_NOISE and
INSTRUCTIONS_SPREAD as numbers of at least 0; where at least one benchmark has a score; and whose
machine_info, where it has our entries, holds a fingerprint of two mappings.
"""

from __future__ import annotations

import math

from nngate import schema
from nngate.result_files import benchmark_list

POSITIVE = (schema.GATE_SCORE, schema.GATE_SECONDS, schema.MEMORY_PRESSURE)


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _entry_problem(info: dict) -> str | None:
    for key in POSITIVE:
        if key in info and not (_number(info[key]) and info[key] > 0):
            return f"{key} {info[key]!r} is not a positive number"
    for key in (schema.GATE_NOISE, schema.INSTRUCTIONS_SPREAD):
        if key in info and not (_number(info[key]) and info[key] >= 0):
            return f"{key} {info[key]!r} is not a number of at least 0"
    count = info.get(schema.INSTRUCTIONS)
    if schema.INSTRUCTIONS in info and not (isinstance(count, int) and not isinstance(count, bool) and count > 0):
        return f"{schema.INSTRUCTIONS} {count!r} is not a positive integer"
    return None


def _machine_problem(document: dict) -> str | None:
    machine_info = document.get("machine_info", {})
    if not isinstance(machine_info, dict):
        return f"machine_info is a {type(machine_info).__name__}, not a mapping"
    ours = machine_info.get(schema.MACHINE_INFO, {})
    if not isinstance(ours, dict):
        return f"machine_info.{schema.MACHINE_INFO} is a {type(ours).__name__}, not a mapping"
    recorded = ours.get(schema.FINGERPRINT)
    if recorded is not None and not (
        isinstance(recorded, dict) and all(isinstance(recorded.get(part), dict) for part in ("machine", "environment"))
    ):
        return "its fingerprint is not a mapping of a machine part and an environment part"
    return None


def problem(document) -> str | None:
    """Why `document` cannot be a baseline, in words that follow "baseline FILE "; None when it can."""
    if benchmark_list(document) is None:
        return "is not a pytest-benchmark JSON file"
    if (machine := _machine_problem(document)) is not None:
        return f"is unusable: {machine}"
    if not document["benchmarks"]:
        return "holds no benchmarks"
    for bench in document["benchmarks"]:
        if not isinstance(bench, dict) or not isinstance(bench.get("fullname"), str):
            return "is unusable: a benchmark entry without a fullname"
        info = bench.get("extra_info", {})
        if not isinstance(info, dict):
            return f"is unusable: {bench['fullname']}'s extra_info is not a mapping"
        if (entry := _entry_problem(info)) is not None:
            return f"is unusable: {bench['fullname'].split('::')[-1]}: {entry}"
    if not any(schema.GATE_SCORE in bench.get("extra_info", {}) for bench in document["benchmarks"]):
        return f"is unusable: no benchmark has a {schema.GATE_SCORE} (not saved by `pytest bench`)"
    return None
