"""Parametrizes the benchmarks from bench/sweeps.py by the chosen --profile and --variant, with
readable ids: each variant of a case is a benchmark of its own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sweeps import inference_cases, train_cases

CASES = {"inference": inference_cases, "train": train_cases}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("sweep")
    if marker is None or "case" not in metafunc.fixturenames:
        return
    options = metafunc.config.getoption
    cases = [
        replace(case, variant=variant)
        for case in CASES[marker.args[0]](options("--profile"))
        if options("--arch") is None or case.arch in options("--arch")
        for variant in options("--variant")
    ]
    metafunc.parametrize("case", cases, ids=[case.case_id(options("--device"), options("--dtype")) for case in cases])
