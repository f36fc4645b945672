"""The sweeps declared in bench/sweeps.py: every architecture benchmarked, the labs' grids complete."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import models

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from nngate.harness.cases import Case  # noqa: E402

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
    bow = {case.config() for case in cases if case.arch == "bow_mlp" and case.batch_size == 64}
    assert len(bow) == 27 and models.make_config("bow_mlp", layers=4, hidden=512, vocab=10000) in bow
    # One option at a time at the lab's batch size, the default config (no label) as the base row.
    assert {(case.label, case.batch_size) for case in cases if case.arch == "cnn" and case.label} == {
        ("k3", 32),
        ("k7", 32),
        ("c1", 32),
        ("c3", 32),
    }
    assert {(case.label, case.batch_size) for case in cases if case.arch == "mlp" and case.label} == {
        ("h128x128", 64),
        ("h1024x128", 64),
        ("h128", 64),
        ("h128x128x128", 64),
    }
    assert Case("cnn", 32) in cases and Case("mlp", 64) in cases  # the base rows


@pytest.mark.parametrize("profile", PROFILES)
def test_no_case_is_timed_twice(profile):
    cases = inference_cases(profile)
    assert len(cases) == len(set(cases))
