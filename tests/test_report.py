"""The report carries the numbers of its input JSON, draws non-empty plots, and lists layers and GEMMs."""

from __future__ import annotations

import json
import os

import pytest

from models import make_config
from nngate.cli import main
from nngate.report.document import write_report
from nngate.report.tables import bert_gemm_listing, layer_table, sweep_groups
from nngate.results import ResultRow, load_results

BENCH_FILE = """
import pytest

import models  # the suite's own workloads, declared on import
from nngate.harness.cases import Case

@pytest.mark.parametrize("batch", [1, 4])
def test_inference(batch, measure):
    measure(Case("mlp", batch, (("hidden", "16"),)), "inference")
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A real benchmark JSON (batch sizes 1 and 4 of a small MLP) and a real training JSON of the same config
    trained at batch size 4."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("results")
    (folder / "test_tiny.py").write_text(BENCH_FILE)
    (folder / "pytest.ini").write_text("[pytest]\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "nngate.plugin",
            "--benchmark-min-rounds=3",
            "--benchmark-max-time=0.01",
            "--benchmark-json=bench.json",
            "test_tiny.py",
        ],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    done = subprocess.run(
        [sys.executable, "-m", "models", "train", "mlp", "--set", "hidden=16", "--batch-size", "4", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NNBENCH_DATA_DIR": ""},
    )
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
        assert median_ms in row and f"{batch / bench['stats']['median']:,.1f}" in row
        trained = f"| {training['epochs']} | {training['accuracy']:.4f} |"
        assert row.endswith(trained) if batch == 4 else row.endswith("| - | - | - |")  # trained at 4 only
    assert "## mlp inference: hidden sweep at batch size 4" in report and "## Training runs" in report
    assert f"{training['train_seconds']:.2f}" in report
    document = json.loads((results / "bench.json").read_text())
    for line in (
        f"- CPU: {document['machine_info']['nnbench']['cpu_model']}",
        "- threads: 1",
        "- dtype: fp32",
        f"- torch: {document['machine_info']['nnbench']['torch']}",
        "- profile: smoke",
        f"- date: {document['datetime'][:10]}",
        f"- training data: {training['data_source']}",
    ):
        assert line in report.splitlines(), line


def test_plots_exist_and_are_png(results, tmp_path):
    write_report([str(results / "bench.json"), str(results / "train.json")], str(tmp_path))
    for name in (
        "latency_vs_batch_size",
        "throughput_vs_batch_size",
        "accuracy_vs_flops_mnist",
        "accuracy_vs_inference_time_mnist",
    ):
        data = (tmp_path / f"{name}.png").read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 5000, name


def test_report_command_and_its_errors(results, tmp_path, capsys):
    assert main(["report", str(results / "bench.json"), "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "report.md").exists()
    (tmp_path / "bad.json").write_text('{"hello": 1}')
    assert main(["report", str(tmp_path / "bad.json"), "--out", str(tmp_path / "r2")]) == 2
    assert "neither pytest-benchmark JSON nor training JSON" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.json"), "--out", str(tmp_path / "r3")]) == 2


def test_training_runs_join_on_equal_config_and_batch_size_most_epochs_first(results, tmp_path):
    rows, trainings = load_results([str(results / "bench.json"), str(results / "train.json")])
    assert len(trainings) == 1
    assert {row.batch_size: row.training is trainings[0] for row in rows} == {1: False, 4: True}
    longer = dict(trainings[0], epochs=3, accuracy=0.5)
    other = dict(trainings[0], config={**trainings[0]["config"], "hidden": [99]})
    (tmp_path / "more.json").write_text(json.dumps([longer, other]))
    rows, _ = load_results([str(results / "bench.json"), str(results / "train.json"), str(tmp_path / "more.json")])
    assert [row.training["epochs"] for row in rows if row.batch_size == 4] == [3]


def _row(batch: int, mode: str = "inference", **varied) -> ResultRow:
    config = {**make_config("bow_mlp").options(), **varied}
    return ResultRow(f"r{batch}{varied}", "bow_mlp", mode, batch, config, 0.001, {}, None, varied)


def test_sweeps_have_their_base_row_and_sort_numerically():
    rows = [
        _row(64, vocab=10000 // 2),
        _row(64, vocab=1000),
        _row(1),
        _row(64),
        _row(64, layers=4),
        _row(64, layers=1, hidden=128),
    ]
    groups = {title: members for title, _, members in sweep_groups(rows)}
    assert list(groups) == [
        "bow_mlp inference: batch size sweep",
        "bow_mlp inference: grid of hidden x layers x vocab at batch size 64",
    ]
    assert [row.batch_size for row in groups["bow_mlp inference: batch size sweep"]] == [1, 64]
    grid = groups["bow_mlp inference: grid of hidden x layers x vocab at batch size 64"]
    assert len(grid) == 5 and sum(not row.varied for row in grid) == 1  # the base row, once


def test_one_at_a_time_sweeps_are_separate_tables_each_with_the_base_row():
    rows = [_row(64, vocab=5000), _row(64, vocab=1000), _row(64), _row(64, layers=4)]
    groups = {title: members for title, _, members in sweep_groups(rows)}
    vocab = groups["bow_mlp inference: vocab sweep at batch size 64"]
    assert [row.config["vocab"] for row in vocab] == [1000, 5000, 10000]  # numeric, base row included
    assert [row.config["layers"] for row in groups["bow_mlp inference: layers sweep at batch size 64"]] == [2, 4]


def test_layer_table_answers_weights_against_activations_at_the_labs_batch_size():
    table = layer_table("resnet18")  # batch 64, the lab's
    assert "| conv1 | Conv2d | 64x3x224x224 | 64x3x7x7 | 64x64x112x112 | 36.75 KB | 196.00 MB | fp32 |" in table
    assert "Total weights 44.59 MB, activations 1.78 GB at batch 64: activations are larger than weights." in table
    table = layer_table("resnet18", batch_size=1)
    assert "| conv1 | Conv2d | 1x3x224x224 | 64x3x7x7 | 1x64x112x112 | 36.75 KB | 3.06 MB | fp32 |" in table
    assert "activations are smaller than weights" in table  # 44.6 MB of weights dwarf batch-1 activations


def test_bert_gemm_listing_shows_attention_as_activation_products():
    listing = bert_gemm_listing({"layers": 1})
    widths, table = listing.split("\n\n")
    assert widths.startswith("d_model (hidden) = 768, heads = 12 of 64 dimensions")
    lines = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()[2:]}
    assert set(lines) == {
        "attention.self.query",
        "attention.self.key",
        "attention.self.value",
        "attention.self.scores",
        "attention.self.context",
        "attention.output.dense",
        "intermediate.dense",
        "output.dense",
    }
    assert "activation 1x12x64x128" in lines["attention.self.scores"]
    assert "activation 1x12x128x64" in lines["attention.self.context"]
    assert "weight 768x768" in lines["attention.self.query"]


def test_train_sweep_trains_each_timed_config_at_its_larger_batch_sizes_and_the_report_joins_them(results, tmp_path):
    out = tmp_path / "trainings.json"
    assert main(["train-sweep", str(results / "bench.json"), "--out", str(out)]) == 0
    runs = json.loads(out.read_text())
    # Timed at 1 and 4: trained at 4 only (batch 1 where a config was timed at no other batch size).
    assert [(run["config"]["hidden"], run["batch_size"]) for run in runs] == [([16], 4)]
    rows, _ = load_results([str(results / "bench.json"), str(out)])
    assert {row.batch_size: (row.training or {}).get("batch_size") for row in rows} == {1: None, 4: 4}


def test_train_sweep_without_a_trainable_benchmark_is_one_line(tmp_path, capsys):
    (tmp_path / "empty.json").write_text('{"benchmarks": []}')
    assert main(["train-sweep", str(tmp_path / "empty.json"), "--out", str(tmp_path / "t.json")]) == 2
    assert "no inference benchmark of a trainable architecture" in capsys.readouterr().err


def test_train_sweep_leaves_out_configs_no_bundled_training_set_fits(tmp_path, capsys):
    from models import make_config

    bench = {
        "name": "test_inference[resnet18-bs1-cpu-fp32]",
        "stats": {"median": 0.05},
        "extra_info": {
            "architecture": "resnet18",
            "config": make_config("resnet18").options(),
            "batch_size": 1,
            "mode": "inference",
        },
    }
    (tmp_path / "resnet.json").write_text(json.dumps({"benchmarks": [bench]}))
    assert main(["train-sweep", str(tmp_path / "resnet.json"), "--out", str(tmp_path / "t.json")]) == 2
    assert "no inference benchmark of a trainable architecture" in capsys.readouterr().err  # 3x224x224 is not MNIST


def _scaled_copy(results, path, factor: float, **machine_changes) -> dict[str, float]:
    """bench.json with every median times `factor` (another fresh process of the same run), written to
    `path`; returns the original medians by benchmark name."""
    document = json.loads((results / "bench.json").read_text())
    medians = {bench["name"]: bench["stats"]["median"] for bench in document["benchmarks"]}
    for bench in document["benchmarks"]:
        bench["stats"]["median"] *= factor
    document["machine_info"]["nnbench"]["fingerprint"]["machine"].update(machine_changes)
    path.write_text(json.dumps(document))
    return medians


def test_a_benchmark_in_several_result_files_is_one_figure_the_median_of_their_medians_with_its_spread(
    results, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no .benchmarks/spreads.json here: the spreads come from the files alone
    medians = _scaled_copy(results, tmp_path / "second.json", 1.2)
    _scaled_copy(results, tmp_path / "third.json", 1.02)
    files = [str(results / "bench.json"), str(tmp_path / "second.json"), str(tmp_path / "third.json")]
    rows, _ = load_results(files)
    assert sorted(row.name for row in rows) == sorted(medians)
    for row in rows:
        first = medians[row.name]
        assert sorted(row.processes) == pytest.approx([first, first * 1.02, first * 1.2])
        assert row.median_seconds == pytest.approx(first * 1.02)  # the median of the three, not the last file's
    report = write_report(files, str(tmp_path / "out")).read_text()
    widest = f"{1.2 / 1.02 - 1:.1%} (3 processes)"  # the slowest process against the median of them all
    assert report.count(widest) == 2 * len(medians)  # each row's cell, and each named in the section
    assert all(f"- {name}: {medians[name] * 1.02 * 1e3:.3f} ms, {widest}" in report for name in medians)


def test_results_of_two_machines_stay_two_figures(results, tmp_path):
    _scaled_copy(results, tmp_path / "other.json", 2.0, cpu_model="Another CPU")
    rows, _ = load_results([str(results / "bench.json"), str(tmp_path / "other.json")])
    assert len(rows) == 2 * len(json.loads((results / "bench.json").read_text())["benchmarks"])
    assert all(row.processes == () for row in rows)


def test_a_single_process_figure_takes_the_spread_measured_for_its_machine_else_says_it_is_not_known(
    results, tmp_path, monkeypatch
):
    from nngate.report.spreads import figure_spread, recorded_spreads, spread_cell
    from nngate.runtime.machine import machine_part_of

    document = json.loads((results / "bench.json").read_text())
    node = document["benchmarks"][0]["fullname"]
    monkeypatch.chdir(tmp_path)
    rows, _ = load_results([str(results / "bench.json")])
    assert {spread_cell(figure_spread(row, recorded_spreads())) for row in rows} == {"one process: not known"}
    (tmp_path / ".benchmarks").mkdir()
    entries = [
        {"machine": {**machine_part_of(document), "cpu_model": "Another CPU"}, "spreads": {node: 0.5}},
        {"machine": machine_part_of(document), "about": "today", "spreads": {node: 0.123}},
    ]
    (tmp_path / ".benchmarks" / "spreads.json").write_text(json.dumps({"machines": entries}))
    cells = {row.node_id: spread_cell(figure_spread(row, recorded_spreads())) for row in rows}
    assert cells[node] == "12.3% (measure-spread on this CPU)"  # this machine's, never another CPU's
    assert [cell for name, cell in cells.items() if name != node] == ["one process: not known"]
    report = write_report([str(results / "bench.json")], str(tmp_path / "out")).read_text()
    assert f"- {document['benchmarks'][0]['name']}: " in report and "Moving more than 5%" in report
