"""The variant axis (nngate.harness.variants): what each variant does to a case, where it cannot
run, and `pytest bench --variant` end to end (ids, extra_info, recorded skips, peaks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from models import build
from nngate import schema
from nngate.harness.cases import Case, prepare
from nngate.harness.variants import VARIANTS, VariantUnavailable, check_runs_here, finished, reformatted
from nngate.workloads.config import comma_names

ROOT = Path(__file__).resolve().parent.parent
CPU = torch.device("cpu")


@pytest.mark.parametrize(
    "variant, dtype, arch, reason",
    [
        ("cudagraph", "fp32", "cnn", "cudagraph captures CUDA work: it needs --device cuda, not cpu"),
        ("eager", "tf32", "mlp", "tf32 is a CUDA matmul precision: it needs --device cuda, not cpu"),
        ("channels_last", "fp32", "mlp", "channels_last reformats 4-D activations: this model has no Conv2d"),
    ],
)
def test_a_variant_that_cannot_run_here_says_why(variant, dtype, arch, reason):
    with pytest.raises(VariantUnavailable, match=reason):
        check_runs_here(variant, dtype, CPU, build(arch))


@pytest.mark.parametrize("variant", ["eager", "channels_last", "compile"])
def test_the_variants_that_run_on_cpu_pass_the_check(variant):
    check_runs_here(variant, "fp32", CPU, build("cnn"))


def test_an_unknown_variant_is_a_value_error():
    with pytest.raises(ValueError, match="'jit' is not one of eager, channels_last, compile, cudagraph"):
        check_runs_here("jit", "fp32", CPU, build("cnn"))


def test_channels_last_reformats_weights_and_four_dimensional_inputs_only():
    model, (image, flat) = reformatted("channels_last", build("cnn"), (torch.randn(2, 3, 8, 8), torch.randn(2, 5)))
    assert image.is_contiguous(memory_format=torch.channels_last) and not image.is_contiguous()
    assert flat.is_contiguous()
    convolution = next(module for module in model.modules() if isinstance(module, torch.nn.Conv2d))
    assert convolution.weight.is_contiguous(memory_format=torch.channels_last)


def test_channels_last_computes_what_eager_does():
    eager, channels_last = (
        prepare(Case("cnn", 2, variant=v), "inference", CPU, "fp32") for v in ("eager", "channels_last")
    )
    torch.testing.assert_close(channels_last.body(), eager.body(), rtol=1e-4, atol=1e-5)


@pytest.mark.integration
def test_compile_times_its_first_call_apart_and_computes_what_eager_does():
    eager, compiled = (prepare(Case("mlp", 2, variant=v), "inference", CPU, "fp32") for v in ("eager", "compile"))
    assert compiled.extra_info[schema.VARIANT] == "compile" and eager.extra_info[schema.VARIANT] == "eager"
    assert compiled.extra_info[schema.COMPILE_SECONDS] > 0
    assert schema.COMPILE_SECONDS not in eager.extra_info
    torch.testing.assert_close(compiled.body(), eager.body(), rtol=1e-4, atol=1e-5)


def test_a_variant_that_fails_to_build_is_unavailable_with_the_errors_first_line():
    def broken():
        raise RuntimeError("inductor could not lower aten::weird\nlong traceback")

    with pytest.raises(
        VariantUnavailable, match=r"compile failed for this model: RuntimeError: inductor could not lower aten::weird$"
    ):
        finished("compile", broken, CPU)


def test_eager_ids_are_unchanged_and_other_variants_are_suffixed():
    assert Case("resnet18", 8).case_id("cpu", "fp32") == "resnet18-bs8-cpu-fp32"
    assert Case("resnet18", 8, variant="compile").case_id("cpu", "fp32") == "resnet18-bs8-cpu-fp32-compile"


def test_variant_option_is_a_comma_list_of_known_names_each_once():
    parse = comma_names(VARIANTS)
    assert parse("compile, eager,compile") == ("compile", "eager")
    with pytest.raises(Exception, match="'eager,jit': choose from eager, channels_last, compile, cudagraph"):
        parse("eager,jit")


@pytest.mark.integration
def test_pytest_bench_variant_compile_runs_mlp_with_the_variant_in_id_extra_info_and_peaks(tmp_path):
    """The issue's command, as a user runs it: a fresh `pytest bench` over the real sweeps."""
    out = tmp_path / "out.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "bench",
            "--variant",
            "compile,cudagraph",
            "-k",
            "mlp and bs1 and inference",
            "--arch=mlp",
            "--benchmark-min-rounds=3",
            "--benchmark-max-time=0.01",
            f"--benchmark-json={out}",
            "-p",
            "no:cacheprovider",
            "-rs",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "cudagraph captures CUDA work: it needs --device cuda, not cpu" in done.stdout
    document = json.loads(out.read_text())
    (benchmark,) = document["benchmarks"]
    assert benchmark["name"] == "test_inference[mlp-bs1-cpu-fp32-compile]"
    extra = benchmark["extra_info"]
    assert extra[schema.VARIANT] == "compile" and extra[schema.COMPILE_SECONDS] > 0
    assert extra[schema.ARITHMETIC_INTENSITY] == pytest.approx(extra[schema.FLOPS] / extra[schema.BYTES_MOVED])
    assert extra[schema.ROOFLINE_FRACTION] > 0
    peaks = document[schema.SESSION_INFO][schema.PEAKS]
    assert peaks[schema.PEAK_FLOPS]["fp32"] > 0 and peaks[schema.PEAK_BANDWIDTH] > 0
    assert peaks[schema.THREADS] == extra[schema.THREADS]


def test_the_lab_command_passes_its_variants_to_the_benchmarks(monkeypatch, tmp_path):
    from nngate import lab
    from nngate.workloads.splits import DataError

    commands = []
    monkeypatch.setattr(
        lab.subprocess, "run", lambda command, **_: commands.append(command) or subprocess.CompletedProcess(command, 1)
    )
    with pytest.raises(DataError, match="the benchmarks failed"):
        lab.run_lab("mnist", tmp_path / "out", 1, None, False, 1, ("eager", "compile"))
    (command,) = commands
    assert "--variant=eager,compile" in command and "--profile=full" in command


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU here: the CUDA paths run where one is")


@needs_cuda
@pytest.mark.parametrize("mode", ["inference", "train"])
def test_a_cuda_graph_replays_what_eager_computes(mode):
    cuda = torch.device("cuda")
    eager, captured = (prepare(Case("cnn", 4, variant=v), mode, cuda, "fp32") for v in ("eager", "cudagraph"))
    if mode == "inference":
        torch.testing.assert_close(captured.body().clone(), eager.body(), rtol=1e-3, atol=1e-4)
    else:
        assert torch.isfinite(captured.body()).all()


@needs_cuda
def test_tf32_runs_on_cuda_and_leaves_the_precision_as_it_found_it():
    before = torch.backends.cuda.matmul.allow_tf32
    prepared = prepare(Case("mlp", 4), "inference", torch.device("cuda"), "tf32")
    prepared.body()
    assert torch.backends.cuda.matmul.allow_tf32 == before


def test_the_lab_runs_its_benchmarks_in_as_many_fresh_processes_as_asked_each_into_its_own_file(monkeypatch, tmp_path):
    from nngate import lab
    from nngate.workloads.splits import DataError

    commands = []

    def pytest_run(command, **_):  # each "process" leaves an empty result, as a run that timed nothing
        commands.append(command)
        output = next(part for part in command if part.startswith("--benchmark-json="))
        Path(output.partition("=")[2]).write_text('{"benchmarks": []}')
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(lab.subprocess, "run", pytest_run)
    with pytest.raises(DataError):  # nothing timed: nothing to report, after all three ran
        lab.run_lab("mnist", tmp_path / "out", 1, None, False, 1, processes=3)
    files = [part for command in commands for part in command if part.startswith("--benchmark-json=")]
    names = [Path(file.partition("=")[2]).name for file in files]
    assert names == ["benchmarks-1.json", "benchmarks-2.json", "benchmarks-3.json"]
    with pytest.raises(DataError, match="already holds benchmarks-1.json"):  # never overwritten
        lab.run_lab("mnist", tmp_path / "out", 1, None, False, 1, processes=3)
