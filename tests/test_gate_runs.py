"""`--gate` in whole pytest runs (pytester): stored mode, A/B mode against a git revision, refusals,
and instruction counts."""

from __future__ import annotations

import json

import pytest

from nngate.gate import instructions

from repository import commit_all
from tiny_bench import BENCH_FILE, FAST, saved_baseline

pytestmark = pytest.mark.integration  # every test here starts processes (pytest, git, valgrind)


def test_gate_with_nothing_to_compare_says_so_and_passes_unless_strict(bench):
    result = bench.runpytest(*FAST, "--gate")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "gate: nothing to compare with: no committed baseline was recorded on * and none "
            "names a base revision; pass --gate-base=REV"
        ]
    )
    assert bench.runpytest(*FAST, "--gate", "--gate-strict").ret == 1


def test_gate_passes_against_its_own_baseline_and_never_rewrites_it(bench):
    path = saved_baseline(bench)
    before = path.read_bytes()
    result = bench.runpytest(*FAST, "--gate", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "benchmark*baseline*now*ratio*verdict*limit*processes",
            "test_tiny?8?*ok *",
            "gate: 0 regression(s) of 2 benchmarks (2 judged), threshold +300% time, +1% instructions; mode stored: "
            "*0001_baseline.json, recorded on *",
        ]
    )
    assert path.read_bytes() == before


def test_gate_fails_and_names_each_regression(bench):
    path = saved_baseline(bench)
    document = json.loads(path.read_text())
    for entry in document["benchmarks"]:
        if "[8]" in entry["name"]:
            entry["extra_info"]["gate_score"] /= 100  # the baseline claims it was 100x faster
    path.write_text(json.dumps(document))
    result = bench.runpytest(*FAST, "--gate", "--gate-threshold=300%", "--benchmark-json=gated.json")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "test_tiny?8?*regression *",
            "test_tiny?16?*ok *",
            "gate: 1 regression(s) of 2 benchmarks (2 judged), threshold +300% time, +1% instructions; mode stored*",
        ]
    )
    gated = {
        entry["name"]: entry["extra_info"]
        for entry in json.loads((bench.path / "gated.json").read_text())["benchmarks"]
    }
    assert gated["test_tiny[8]"]["gate_remeasured"] == 3  # timed again three times before failing
    fresh_scores = gated["test_tiny[8]"]["gate_fresh_process_scores"]
    assert len(fresh_scores) == 3 and min(fresh_scores) > 0  # and in three new processes
    assert "gate_remeasured" not in gated["test_tiny[16]"]


def test_a_baseline_from_another_machine_is_never_compared(bench):
    path = saved_baseline(bench)
    document = json.loads(path.read_text())
    document["machine_info"]["nnbench"]["fingerprint"]["machine"]["cpu_model"] = "Some Other CPU"
    document["commit_info"] = {}  # and it names no revision to time instead
    path.write_text(json.dumps(document))
    result = bench.runpytest(*FAST, "--gate")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["gate: nothing to compare with*"])
    named = bench.runpytest(*FAST, f"--gate={path}")
    assert named.ret == pytest.ExitCode.USAGE_ERROR
    named.stderr.fnmatch_lines(
        [
            "*gate: baseline * was recorded on another machine (cpu_model Some Other CPU vs *); this is *: "
            "a baseline is never "
            "compared on another machine (A/B instead: --gate-base=REV)"
        ]
    )


@pytest.mark.parametrize(
    "option, message",
    [
        ("--gate=nosuch", "gate: no saved baseline matches 'nosuch' under *"),
        (
            "--gate-base=nosuch",
            "gate: * is not a git checkout (a source tree without .git), * run from a clone, or record a baseline *",
        ),
    ],
)
def test_a_named_baseline_or_revision_that_cannot_be_found_is_a_usage_error(bench, option, message):
    result = bench.runpytest(*FAST, option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}"])


def test_corrupt_named_baseline_is_a_one_line_usage_error_and_is_left_alone(bench):
    path = saved_baseline(bench)
    path.write_text("{truncated")
    result = bench.runpytest(*FAST, f"--gate={path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*gate: baseline {path} is unreadable (JSONDecodeError)"])
    assert path.read_text() == "{truncated"


def test_ab_mode_times_the_base_revision_beside_the_working_tree(bench):
    commit_all(bench, "base")
    result = bench.runpytest(*FAST, "--gate-base=HEAD", "--gate-pairs=2", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "benchmark*baseline*now*ratio*verdict*limit*instructions*processes",
            "test_tiny?8?*ok*4.000*-*.*",  # one process pair settled it: its ratio printed
            "gate: 0 regression(s) of 2 benchmarks (2 judged), threshold +300% time, +1% instructions; "
            "mode A/B: working tree against base * (--gate-base=HEAD), timed in alternate slots by pairs of "
            "fresh processes on *",
            "A/B: 1 process pair(s) of at most 5 (one more only for the benchmarks still undecided); *",
        ]
    )


def test_ab_mode_starts_another_process_pair_for_each_undecided_benchmark(bench):
    commit_all(bench, "base")
    # At a threshold of 0 nothing settles: every benchmark gets both process pairs, and the cap decides.
    result = bench.runpytest(
        *FAST,
        "--gate-base=HEAD",
        "--gate-pairs=2",
        "--gate-threshold=0",
        "--gate-unmeasured-spread=0",
        "--gate-process-pairs=2",
        "--benchmark-json=ab.json",
    )
    result.stdout.fnmatch_lines(["test_tiny?8?* *.* *.*", "A/B: 2 process pair(s) of at most 2 *"])
    for benchmark in json.loads((bench.path / "ab.json").read_text())["benchmarks"]:
        info = benchmark["extra_info"]
        assert len(info["gate_process_ratios"]) == 2 and len(info["gate_pairs"]) == 4
        assert info["gate_kernel_changes"] == [] and info["gate_op_changes"] == []  # the same code, the same kernels


def test_ab_mode_calls_a_benchmark_the_base_lacks_new(bench):
    commit_all(bench, "base")
    bench.makepyfile(test_tiny=BENCH_FILE.replace('["8", "16"]', '["8", "16", "4"]'))
    result = bench.runpytest(*FAST, "--gate-base=HEAD", "--gate-pairs=2", "--gate-threshold=300%")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["test_tiny?4?*new*", "gate: 0 regression(s) of 3 benchmarks*"])


def test_ab_mode_against_a_base_without_the_benchmark_files_calls_each_new(bench):
    (bench.path / "test_tiny.py").rename(bench.path / "later.txt")
    commit_all(bench, "before the benchmarks existed")
    (bench.path / "later.txt").rename(bench.path / "test_tiny.py")
    result = bench.runpytest(*FAST, "--gate-base=HEAD")
    assert result.ret == 0, result.stdout.str()  # not an error: the commit adds them (--gate-strict fails on new)
    result.stdout.fnmatch_lines(
        [
            "test_tiny?8?*new*",
            "gate: 0 regression(s) of 2 benchmarks (0 judged)*",
            "A/B: the base revision * has none of the benchmark files test_tiny.py: each benchmark is new",
        ]
    )


RELU_TWICE = """
import torch

_relu_once = torch.nn.ReLU.forward
torch.nn.ReLU.forward = lambda self, x: _relu_once(self, _relu_once(self, x))  # the working tree's change
"""


@pytest.mark.skipif(instructions.unavailable() is not None, reason=f"{instructions.unavailable()}")
def test_instructions_gate_fails_on_a_relu_applied_twice_and_names_the_op(bench):
    """A/B with --instructions: both sides counted under callgrind at once (about 2 minutes here)."""
    commit_all(bench, "base")
    bench.makepyfile(test_tiny=RELU_TWICE + BENCH_FILE)
    result = bench.runpytest(
        *FAST,
        "--gate-base=HEAD",
        "--gate-pairs=2",
        "--gate-threshold=300%",
        "--instructions",
        "-k",
        "8",
        "--benchmark-json=out.json",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "benchmark*verdict*limit*instructions*processes",
            "test_tiny?8?*instructions regression*+*%*",
            "  test_tiny?8?: ops +1 aten::relu; kernels +1 aten::clamp_min",
            "gate: 1 regression(s) of 1 benchmarks*",
            "instructions: 1 of 1 benchmarks counted under callgrind in the working tree*",
            "instructions: 1 of 1 benchmarks counted under callgrind in the base revision*",
        ]
    )
    extra = json.loads((bench.path / "out.json").read_text())["benchmarks"][0]["extra_info"]
    assert extra["gate_verdict"] == "instructions regression" and extra["instructions"] > 0
    assert extra["gate_op_changes"] == ["+1 aten::relu"] and extra["gate_instructions_ratio"] > 1.01


def test_instructions_without_valgrind_say_so_in_one_line_and_the_gate_still_times(bench, monkeypatch):
    monkeypatch.setenv("PATH", str(bench.path))  # no valgrind on it
    result = bench.runpytest(*FAST, "--instructions", "-k", "8", "--benchmark-json=out.json")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*nnbench instructions*",
            "instructions: not counted: valgrind is not installed: "
            "install it to count instructions (Debian: apt-get install valgrind); "
            "the timing gate runs without them",
        ]
    )
    extra = json.loads((bench.path / "out.json").read_text())["benchmarks"][0]["extra_info"]
    assert "instructions" not in extra and "aten::relu(f32[2,8])" in extra["ops"]
