"""examples/user-repo as a user runs it: a repository with its own `models/` package, nngate installed
in a fresh virtualenv, the plugin loaded by its entry point (no -p, no conftest line), two declared
workloads and a plain pytest-benchmark test all judged A/B, a history recorded, any model counted."""

from __future__ import annotations

import pytest

from repository import git
from user_repository import fresh_environment, run, user_checkout

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """(python of the fresh virtualenv, the user's committed checkout)."""
    root = tmp_path_factory.mktemp("user")
    return fresh_environment(root / "env"), user_checkout(root / "repo")


def test_the_plugin_loads_beside_the_users_own_models_package(user):
    python, checkout = user
    listed = run(python, checkout, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("mobilenet_v3_small[inference-bs1-cpu-fp32]", "distilbert_classifier[train-bs1-cpu-fp32]"):
        assert f"bench/test_models.py::{name}" in listed.stdout
    imported = run(python, checkout, "-c", "import models, nngate; print(models.__file__, nngate.__file__)")
    ours, tool = imported.stdout.split()
    assert ours.startswith(str(checkout)) and "site-packages" in tool


def test_every_benchmark_is_judged_ab_strict_and_history_is_recorded_and_ignored(user):
    python, checkout = user
    gated = run(
        python,
        checkout,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--gate-base=HEAD",
        "--gate-strict",
        "--history",
        "--benchmark-json=run.json",
        "--benchmark-min-rounds=5",
        "--gate-threshold=25%",
    )
    assert gated.returncode == 0, gated.stdout[-3000:] + gated.stderr[-2000:]
    assert "gate: 0 regression(s) of 5 benchmarks (5 judged)" in gated.stdout
    assert "history: " in gated.stdout and "recorded" in gated.stdout
    assert git(checkout, "status", "--porcelain", "--untracked-files=all", ".benchmarks") in (
        "",
        "?? .benchmarks/.gitignore",
    )
    shown = run(python, checkout, "-m", "nngate", "history", "show", "-k", "distilbert")
    assert shown.returncode == 0 and "distilbert_classifier" in shown.stdout, shown.stdout + shown.stderr
    reported = run(python, checkout, "-m", "nngate", "report", "run.json", "--out", "report")
    assert reported.returncode == 0, reported.stdout + reported.stderr
    assert "## Weights and activations of distilbert_classifier" in (checkout / "report" / "report.md").read_text()


def test_the_console_script_counts_a_declared_workload_and_any_model_and_checks_them(user):
    python, checkout = user
    script = python.parent / "nngate"
    declared = run(script, checkout, "count", "distilbert_classifier")  # keyword inputs, the generic walk
    assert declared.returncode == 0 and "nothing left uncounted" in declared.stdout, declared.stdout + declared.stderr
    checked = run(script, checkout, "count", "mobilenet_v3_small", "--check")
    assert checked.returncode == 0 and "check passed" in checked.stdout, checked.stdout + checked.stderr
    named = run(script, checkout, "count", "torchvision.models:mobilenet_v3_small", "--input-shape", "1,3,96,96")
    assert named.returncode == 0 and "nothing left uncounted" in named.stdout, named.stdout + named.stderr
