"""The report carries the numbers of its input JSON, draws non-empty plots, and lists layers and GEMMs."""
from __future__ import annotations

import json
import os

import pytest

from models.cli import main
from models.report.document import write_report
from models.report.results import load_results
from models.report.tables import bert_gemm_listing, layer_table

BENCH_FILE = """
import pytest
from models.harness.cases import Case

@pytest.mark.parametrize("batch", [1, 4])
def test_inference(batch, measure):
    measure(Case("mlp", batch, (("hidden", "16"),)), "inference")
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A real benchmark JSON (two batch sizes of a small MLP) and a real training JSON of the same config."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("results")
    (folder / "test_tiny.py").write_text(BENCH_FILE)
    (folder / "pytest.ini").write_text("[pytest]\n")
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "models.plugin", "--benchmark-min-rounds=3",
                    "--benchmark-max-time=0.01", "--benchmark-json=bench.json", "test_tiny.py"],
                   cwd=folder, check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-m", "models", "train", "mlp", "--set", "hidden=16", "--json"],
                          capture_output=True, text=True, check=True, env={**os.environ,
                                                                           "NNBENCH_DATA_DIR": ""})
    (folder / "train.json").write_text(done.stdout)
    return folder


def test_tables_carry_the_input_numbers(results, tmp_path):
    report = write_report([str(results / "bench.json"), str(results / "train.json")], str(tmp_path)).read_text()
    benchmarks = json.loads((results / "bench.json").read_text())["benchmarks"]
    training = json.loads((results / "train.json").read_text())
    for bench in benchmarks:
        batch = bench["extra_info"]["batch_size"]
        median_ms = f"{bench['stats']['median'] * 1e3:.3f}"
        row = next(line for line in report.splitlines() if line.startswith(f"| {batch} | 16 |"))
        assert median_ms in row and f"{training['accuracy']:.4f}" in row
        assert f"{batch / bench['stats']['median']:,.1f}" in row
    assert "## mlp inference: hidden sweep" in report and "## Training runs" in report
    assert f"{training['train_seconds']:.2f}" in report


def test_plots_exist_and_are_png(results, tmp_path):
    write_report([str(results / "bench.json"), str(results / "train.json")], str(tmp_path))
    for name in ("latency_vs_batch_size", "throughput_vs_batch_size", "latency_vs_throughput",
                 "accuracy_vs_macs", "accuracy_vs_inference_time"):
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name


def test_report_command_and_its_errors(results, tmp_path, capsys):
    assert main(["report", str(results / "bench.json"), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "report.md").exists()
    (tmp_path / "bad.json").write_text('{"hello": 1}')
    assert main(["report", str(tmp_path / "bad.json"), "--out", str(tmp_path / "r2")]) == 2
    assert "neither pytest-benchmark JSON nor training JSON" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json"), "--out", str(tmp_path / "r3")]) == 2


def test_training_results_join_benchmarks_only_on_equal_configs(results):
    rows, trainings = load_results([str(results / "bench.json"), str(results / "train.json")])
    assert len(trainings) == 1 and all(row.training is trainings[0] for row in rows)
    other = dict(trainings[0], config={**trainings[0]["config"], "hidden": [99]})
    (results / "other.json").write_text(json.dumps(other))
    rows, _ = load_results([str(results / "bench.json"), str(results / "other.json")])
    assert all(row.training is None for row in rows)


def test_layer_table_answers_weights_against_activations():
    table = layer_table("resnet18")
    assert "| conv1 | Conv2d | 1x3x224x224 | 64x3x7x7 | 1x64x112x112 | 36.75 KB | 3.06 MB | fp32 |" in table
    assert "activations are smaller than weights" in table  # 44.6 MB of weights dwarf batch-1 activations


def test_bert_gemm_listing_shows_attention_as_activation_products():
    listing = bert_gemm_listing({"layers": 1})
    lines = {line.split(" | ")[0].strip("| "): line for line in listing.splitlines()[2:]}
    assert set(lines) == {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.self.scores", "attention.self.context", "attention.output.dense",
                          "intermediate.dense", "output.dense"}
    assert "activation 1x12x64x128" in lines["attention.self.scores"]
    assert "activation 1x12x128x64" in lines["attention.self.context"]
    assert "weight 768x768" in lines["attention.self.query"]
