"""Our pytest options and the measuring fixture, driven through pytest itself (pytester)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nngate.runtime.processes import pytest_command

from tiny_bench import FAST, saved_baseline


def test_extra_info_records_settings_counts_and_rates(bench):
    result = bench.runpytest(*FAST, "--threads=1", "--benchmark-json=out.json")
    result.assert_outcomes(passed=2)
    document = json.loads((bench.path / "out.json").read_text())
    extra = document["benchmarks"][0]["extra_info"]
    for key in (
        "architecture",
        "config",
        "batch_size",
        "device",
        "dtype",
        "threads",
        "params",
        "macs",
        "items_per_second",
        "gflops_per_second",
        "peak_memory_bytes",
        "gate_score",
        "reference_seconds",
        "memory_reference_seconds",
        "memory_pressure",
    ):
        assert key in extra, key
    assert (extra["architecture"], extra["device"], extra["threads"]) == ("mlp", "cpu", 1)
    assert (
        extra["params"]
        == 784 * int(extra["config"]["hidden"][0])
        + int(extra["config"]["hidden"][0])
        + int(extra["config"]["hidden"][0]) * 10
        + 10
    )
    assert document["machine_info"]["nnbench"]["machine_class"].endswith("-cpu")


def test_a_second_run_compared_with_a_saved_one_is_not_called_another_machine(bench, recwarn):
    """pytest-benchmark warns, dumping both, where machine_info differs from the saved run's; the
    session's measured peaks differ every time, so they live beside machine_info, not in it."""
    from nngate.harness import peaks

    saved = json.loads(saved_baseline(bench).read_text())
    assert saved["nnbench_session"]["peaks"]["flops_per_second"]["fp32"] > 0
    assert "peaks" not in saved["machine_info"]["nnbench"]
    peaks._measured_peaks.cache_clear()  # measured again, as a second process of the user's would
    result = bench.runpytest(*FAST, "--benchmark-compare=0001", "--benchmark-compare-fail=median:10000%")
    result.assert_outcomes(passed=2)
    output = "\n".join(result.outlines + result.errlines)
    assert "Comparing against benchmarks from" in output
    # in this process pytest-benchmark's warning reaches the outer session, not the inner run's output
    warned = output + "\n".join(str(warning.message) for warning in recwarn)
    assert "machine_info is different" not in warned


def test_long_dtype_spelling_is_an_alias_and_ids_use_the_short_name(bench):
    bench.makepyfile(
        test_ids="""
import pytest
def test_dtype(request):
    assert request.config.getoption("--dtype") == "fp32"
"""
    )
    bench.runpytest("-p", "nngate.plugin", "--dtype=float32", "test_ids.py").assert_outcomes(passed=1)


def test_cuda_without_a_gpu_skips_with_the_reason(bench):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the skip path cannot be exercised")
    result = bench.runpytest(*FAST, "--device=cuda", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["*CUDA asked for, but torch.cuda.is_available() is False*"])


@pytest.mark.parametrize(
    "option, message",
    [
        ("--threads=0", "must be at least 1, got 0"),
        ("--device=tpu", "'tpu' is not one of cpu, cuda"),
        ("--profile=huge", "'huge' is not one of smoke, full"),
        ("--gate-threshold=abc", "is not a fraction"),
        ("--dtype=fp16", "'fp16' is not one of fp32, bf16"),
    ],
)
def test_bad_options_are_usage_errors(bench, option, message):
    result = bench.runpytest("-p", "nngate.plugin", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_help_lists_our_options_with_their_defaults(bench):
    """argparse %-formats option help: one bare "%" made `pytest --help` a traceback."""
    result = bench.runpytest("-p", "nngate.plugin", "--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*--gate-threshold=FRACTION*", "*(default: 5%)*", "*--history=*URL*"])


@pytest.mark.parametrize("option, wrapped", [("--inject-slowdown=0.5", "slowed"), ("--inject-slowdown=0", "forward")])
def test_inject_slowdown_option_wraps_linear_and_conv_forward(bench, option, wrapped):
    """The option installs nngate.harness.slowdown (tests/test_slowdown.py shows what it does); in a
    subprocess, so that this test process keeps torch's own layers."""
    bench.makepyfile(
        test_wrapped=f"""
import torch
def test_wrapped():
    assert torch.nn.Linear.forward.__name__ == {wrapped!r}
    assert torch.nn.Conv2d.forward.__name__ == {wrapped!r}
"""
    )
    result = bench.runpytest_subprocess("-p", "nngate.plugin", option, "test_wrapped.py")
    result.assert_outcomes(passed=1)


PLUGINS_SEEN = """
import sys, pytest

class Seen:
    def pytest_collection_finish(self, session):
        manager = session.config.pluginmanager
        print("pytester plugin:", manager.has_plugin("pytester"), "| hypothesis plugin:",
              manager.has_plugin("hypothesispytest"), "| hypothesis imported:", "hypothesis" in sys.modules)

sys.exit(pytest.main(sys.argv[1:], plugins=[Seen()]))
"""


@pytest.mark.integration
@pytest.mark.parametrize(
    "options, seen",
    [
        ([], "pytester plugin: False | hypothesis plugin: True | hypothesis imported: False"),
        (["-p", "no:pytester", "-p", "no:hypothesispytest"], "pytester plugin: False | hypothesis plugin: False"),
    ],
    ids=["pytest bench", "a side process"],
)
def test_pytest_bench_and_its_sides_load_no_test_plugin(options, seen):
    """pytester is the tests' (tests/conftest.py), hypothesis too: `pytest bench` never registers pytester
    nor imports hypothesis while it measures, and a process the tool starts loads neither plugin."""
    root = Path(__file__).resolve().parent.parent
    if options:
        assert pytest_command([])[-len(options) :] == options  # what every process the tool starts gets
    arguments = ["bench", "--collect-only", "-q", "-p", "no:cacheprovider", *options]
    done = subprocess.run([sys.executable, "-c", PLUGINS_SEEN, *arguments], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert seen in done.stdout
