"""`python -m models train`: JSON output, its errors, and the accuracy the labs could not reach."""

from __future__ import annotations

import json

import pytest

from nngate.cli import main


@pytest.fixture(autouse=True)
def synthetic_by_default(monkeypatch):
    monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)


def run_json(capsys, *argv) -> dict:
    assert main(["train", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_json_has_the_contract_keys(capsys):
    result = run_json(capsys, "cnn", "--set", "channels=2")
    assert {"accuracy", "train_seconds", "params", "macs", "data_source"} <= set(result)
    assert result["data_source"].startswith("synthetic") and 0 <= result["accuracy"] <= 1
    assert result["params"] == 2 * 1 * 25 + 2 + 2 * 2 * 25 + 2 + (2 * 16 * 100 + 100) + (100 * 10 + 10)


def test_mlp_one_epoch_on_real_mnist_reaches_90_percent(capsys, real_data_dir):
    result = run_json(capsys, "mlp", "--data-dir", str(real_data_dir))
    assert result["accuracy"] >= 0.90 and result["steps"] == 250
    assert "8000 train / 2000 eval" in result["data_source"]


@pytest.mark.slow
def test_bow_mlp_two_epochs_on_sst2_reaches_80_percent(capsys, real_data_dir):
    result = run_json(capsys, "bow_mlp", "--epochs", "2", "--data-dir", str(real_data_dir))
    assert result["accuracy"] >= 0.80


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bert_qa"], "bert_qa: no qa training set is bundled"),
        (["mlp", "--set", "in_features=100"], "mlp: input 100 does not fit 1x28x28 MNIST digits"),
        (["mlp", "--data-dir", "/nowhere"], "data dir /nowhere does not exist"),
    ],
)
def test_train_errors_are_one_line(capsys, argv, message):
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_export_without_onnx_says_how_to_get_it(monkeypatch, capsys, tmp_path):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real_find_spec(name, *a)
    )
    assert main(["export", "mlp", "--onnx", str(tmp_path / "mlp.onnx")]) == 2
    assert "export needs the onnx package" in capsys.readouterr().err
    assert not (tmp_path / "mlp.onnx").exists()


@pytest.mark.parametrize(
    "arch, options, inputs, outputs",
    [
        ("mlp", [], ["input"], ["logits"]),
        (
            "bert_qa",
            [
                "--set",
                "layers=1",
                "--set",
                "hidden=32",
                "--set",
                "heads=2",
                "--set",
                "intermediate=64",
                "--set",
                "seq_len=16",
            ],
            ["input_ids", "attention_mask", "token_type_ids"],
            ["start_logits", "end_logits"],
        ),
    ],
)
def test_onnx_export_has_named_inputs_and_outputs_and_a_dynamic_batch(arch, options, inputs, outputs, tmp_path):
    import onnx  # a test dependency (pyproject: test extra)

    path = tmp_path / f"{arch}.onnx"
    assert main(["export", arch, *options, "--onnx", str(path)]) == 0
    graph = onnx.load(str(path)).graph
    assert [value.name for value in graph.input] == inputs and [value.name for value in graph.output] == outputs
    for value in [*graph.input, *graph.output]:
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch", value.name


def test_each_lab_names_known_architectures_and_a_missing_checkout_is_one_line(monkeypatch, tmp_path, capsys):
    import nngate.lab as lab
    from models import ARCHITECTURES

    assert set(lab.LABS) == {"mnist", "sst2"}
    assert all(arch in ARCHITECTURES for archs in lab.LABS.values() for arch in archs)
    monkeypatch.chdir(tmp_path)  # not a checkout of the suite: no bench/ here
    assert main(["lab", "mnist", "--out", str(tmp_path / "out")]) == 2
    assert "the lab commands run a checkout's benchmarks: no bench/ folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
