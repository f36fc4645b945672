"""--gate-strict means judged, in whole pytest runs (pytester): a run in which a selected benchmark
was not timed, or got no verdict against anything, fails with one line that says which and why; a
benchmark the stored baseline lacks is timed A/B against the commit that recorded it; the verdict
table reaches a CI summary page."""

from __future__ import annotations

import pytest

from repository import commit_all
from tiny_bench import BENCH_FILE, FAST, saved_baseline

pytestmark = pytest.mark.integration  # every test here starts processes (pytest, git, valgrind)


def test_nothing_timed_fails_a_strict_run(bench):
    saved_baseline(bench)
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--benchmark-disable")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["gate: no benchmark was timed (*", "gate: --gate-strict: nothing was judged; the run fails"]
    )
    assert bench.runpytest(*FAST, "--gate", "--benchmark-disable").ret == 0  # without --gate-strict it says so, passes


def test_cuda_without_a_gpu_fails_a_strict_run_rather_than_passing_unjudged(bench):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the skip path cannot be exercised")
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--device=cuda")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["gate: --gate-strict: nothing was judged; the run fails"])


def test_other_settings_than_the_baseline_fail_a_strict_run_naming_them(bench):
    saved_baseline(bench)
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--threads=2", "--gate-threshold=300%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "gate: 0 regression(s) of 2 benchmarks (0 judged)*",
            "gate: --gate-strict: 2 of 2 selected benchmarks were not judged (not comparable: threads 1 vs 2: "
            "test_tiny[[]8[]], test_tiny[[]16[]]); the run fails",
        ]
    )


def test_a_benchmark_the_baseline_lacks_stays_new_without_git_and_fails_a_strict_run(bench):
    bench.runpytest(*FAST, "--benchmark-save=baseline", "-k", "8").assert_outcomes(passed=1, deselected=1)
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--gate-threshold=300%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "test_tiny?16?*new*",
            "gate: 1 benchmark(s) the baseline lacks stay new: it names no commit that recorded it",
            "gate: --gate-strict: 1 of 2 selected benchmarks were not judged (new: test_tiny[[]16[]]); the run fails",
        ]
    )


def test_a_benchmark_the_baseline_lacks_is_timed_ab_against_its_commit(bench, monkeypatch, tmp_path):
    commit_all(bench, "base")
    bench.runpytest(*FAST, "--benchmark-save=baseline", "-k", "8").assert_outcomes(passed=1, deselected=1)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--gate-pairs=2", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "test_tiny?16?*ok * *.* *.*",  # its pair ratios: timed A/B
            "gate: 0 regression(s) of 2 benchmarks (2 judged)*",
            "gate: 1 benchmark(s) the baseline lacks were timed A/B against the commit that recorded it, *",
        ]
    )
    markdown = summary.read_text()
    assert markdown.startswith("### nnbench gate") and "| test_tiny[16] |" in markdown


def test_gate_ab_times_the_baselines_commit_beside_the_working_tree_instead_of_reading_it(bench):
    commit_all(bench, "base")
    saved_baseline(bench)  # recorded on this machine: plain --gate would be stored mode
    result = bench.runpytest(*FAST, "--gate-ab", "--gate-strict", "--gate-pairs=2", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "gate: 0 regression(s) of 2 benchmarks (2 judged)*; mode A/B: working tree against base * "
            "(the commit that recorded 0001_baseline.json)*",
        ]
    )


PLAIN_FILE = """
def test_plain(benchmark):
    benchmark(sum, range(2000))
"""
PEDANTIC_FILE = """
def test_pedantic(benchmark):
    benchmark.pedantic(sum, args=(range(100),), rounds=5)
"""


def test_a_plain_pytest_benchmark_test_is_judged_ab_and_a_slowdown_in_it_fails(bench):
    bench.makepyfile(test_plain=PLAIN_FILE)
    commit_all(bench, "base")
    unchanged = bench.runpytest(*FAST, "test_plain.py", "--gate-base=HEAD", "--gate-strict", "--gate-threshold=50%")
    assert unchanged.ret == 0, unchanged.stdout.str()
    unchanged.stdout.fnmatch_lines(["test_plain *ok*", "gate: 0 regression(s) of 1 benchmarks (1 judged)*"])
    bench.makepyfile(test_plain=PLAIN_FILE.replace("range(2000)", "range(20000)"))  # ten times the work
    slower = bench.runpytest(*FAST, "test_plain.py", "--gate-base=HEAD", "--gate-threshold=50%")
    assert slower.ret == pytest.ExitCode.TESTS_FAILED, slower.stdout.str()
    slower.stdout.fnmatch_lines(["test_plain *regression*", "gate: 1 regression(s) of 1 benchmarks (1 judged)*"])


def test_a_plain_test_is_judged_against_a_stored_baseline_and_a_pedantic_one_is_named(bench):
    bench.makepyfile(test_plain=PLAIN_FILE)
    saved_baseline(bench, passed=3)
    bench.makepyfile(test_pedantic=PEDANTIC_FILE)
    result = bench.runpytest(*FAST, "--gate", "--gate-strict", "--gate-threshold=300%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "gate: 0 regression(s) of 3 benchmarks (3 judged)*",
            "gate: 1 benchmark(s) timed with benchmark.pedantic were not judged (the gate judges `benchmark(fn)` and "
            "`measure`): test_pedantic",
            "gate: --gate-strict: 1 of 4 selected benchmarks were not judged (timed with benchmark.pedantic: "
            "test_pedantic); the run fails",
        ]
    )


def test_benchmarks_the_base_revision_lacks_entirely_are_new_not_an_error(bench):
    """A commit that adds every selected benchmark to a file the base has: the base's pytest selects
    none of them (exit 5), which makes each one new, not 'the base revision timed no benchmark'."""
    commit_all(bench, "base")
    bench.makepyfile(test_tiny=BENCH_FILE.replace('["8", "16"]', '["4", "32"]'))
    result = bench.runpytest(*FAST, "--gate-base=HEAD", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["test_tiny?4?*new*", "test_tiny?32?*new*", "gate: 0 regression(s) of 2 benchmarks (0 judged)*"]
    )
    assert "timed no benchmark" not in result.stdout.str()
    strict = bench.runpytest(*FAST, "--gate-base=HEAD", "--gate-strict", "--gate-threshold=300%")
    assert strict.ret == pytest.ExitCode.TESTS_FAILED
    strict.stdout.fnmatch_lines(["gate: --gate-strict: 2 of 2 selected benchmarks were not judged (new: *"])


def test_a_base_revision_that_cannot_run_the_benchmarks_still_fails_in_one_line(bench):
    bench.makepyfile(conftest="raise ImportError('the base cannot even be collected')")
    commit_all(bench, "base")
    (bench.path / "conftest.py").unlink()
    result = bench.runpytest(*FAST, "--gate-base=HEAD", "--gate-threshold=300%")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["gate: the base revision * timed no benchmark (pytest exit *; the run fails: nothing was judged"]
    )
