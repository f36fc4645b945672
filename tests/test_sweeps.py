"""The sweeps declared in bench/sweeps.py: every architecture benchmarked, the labs' grids complete."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

import models

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from sweeps import LAB_BATCH_SIZES, PROFILES, inference_cases, train_cases  # noqa: E402


@pytest.mark.parametrize("profile", PROFILES)
def test_every_architecture_has_inference_and_train_benchmarks(profile):
    for cases in (inference_cases(profile), train_cases(profile)):
        assert {case.arch for case in cases} == set(models.ARCHITECTURES)


@pytest.mark.parametrize("profile", PROFILES)
def test_case_ids_are_unique_readable_and_configs_valid(profile):
    ids = [case.case_id("cpu", "fp32") for case in inference_cases(profile)]
    assert len(ids) == len(set(ids))
    assert "resnet18-bs1-cpu-fp32" in ids
    for case in inference_cases(profile) + train_cases(profile):
        case.config()  # raises on an invalid option


def test_full_profile_has_the_labs_batch_sizes_and_grids():
    cases = inference_cases("full")
    for arch, sizes in LAB_BATCH_SIZES.items():
        assert {case.batch_size for case in cases if case.arch == arch and not case.label} == set(sizes)
    bow = {case.label for case in cases if case.arch == "bow_mlp" and case.label}
    assert len(bow) == 27 and "l4h512v10000" in bow
    assert {case.label for case in cases if case.arch == "cnn" and case.label} == {
        f"k{k}c{c}" for k in (3, 5, 7) for c in (1, 2, 3)}
    assert {case.label for case in cases if case.arch == "mlp" and case.label} == {
        "h128x128", "h1024x128", "h128", "h128x128x128"}
