"""Counting at the architectures' defaults, the views, the table and the `count` command."""

from __future__ import annotations

import dataclasses
import json

import pytest

import models
from nngate.cli import main
from nngate.counting import FORMULAS, count, render
from nngate.counting.measured import check, measure


def test_every_built_in_workload_declares_an_analytic_walk():
    assert all(workload.walk is not None for workload in models.ARCHITECTURES.values())


def test_every_layer_type_a_walk_emits_has_a_formula():
    types = {row.type for name in models.ARCHITECTURES for row in count(models.make_config(name)).rows}
    assert types <= set(FORMULAS)


@pytest.mark.parametrize("name", list(models.ARCHITECTURES))
def test_check_passes_at_defaults(name):
    ok, lines = check(models.make_config(name))
    assert ok, "\n".join(lines)


def test_resnet18_json_params_and_fvcore_macs(capsys):
    assert main(["count", "resnet18", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["params"] == 11689512
    assert result["macs"] == measure(models.make_config("resnet18")).fvcore_total
    assert {"params", "macs", "flops", "other_ops", "view", "batch_size", "dtype", "layers"} <= set(result)
    assert (result["view"], result["batch_size"], result["dtype"]) == ("fvcore", 1, "fp32")
    row = result["layers"][0]
    assert set(row) >= {
        "name",
        "type",
        "input_shape",
        "output_shape",
        "weight_shape",
        "params",
        "macs",
        "weight_bytes",
        "activation_bytes",
        "dtype",
    }
    assert row["name"] == "conv1" and row["weight_shape"] == [64, 3, 7, 7]


def test_complete_view_leaves_norms_and_pooling_out_of_macs():
    config = models.make_config("resnet18")
    fvcore_view, complete_view = count(config), count(config, view="complete")
    conv_fc = sum(row.macs for row in complete_view.rows if row.type in ("Conv2d", "Linear"))
    assert complete_view.macs == conv_fc
    extra = sum(row.macs for row in fvcore_view.rows if row.type in ("BatchNorm2d", "AdaptiveAvgPool2d"))
    assert fvcore_view.macs == conv_fc + extra and extra > 0


def test_sdpa_and_eager_bert_count_the_same():
    small = dict(vocab=50, layers=2, hidden=32, heads=4, intermediate=64, positions=32, seq_len=16)
    sdpa, eager = (models.make_config("bert_qa", **small, attention=kind) for kind in ("sdpa", "eager"))
    assert measure(sdpa, 2).fvcore_total == measure(eager, 2).fvcore_total == count(sdpa, 2).macs
    # Stock fvcore misses every SDPA product: 2 matmuls x layers x B*H*T*T*D.
    missed = measure(sdpa, 2).fvcore_total - measure(sdpa, 2).fvcore_without_handles
    assert missed == 2 * 2 * (2 * 4 * 16 * 16 * 8)


def test_flops_are_twice_macs_plus_bias_adds():
    table = count(models.make_config("bow_mlp", vocab=1000, layers=1, hidden=128), view="complete")
    # Two Linear layers 1000->128->1, each 2mn + n as in the SST-2 lab.
    assert table.flops == (2 * 1000 * 128 + 128) + (2 * 128 * 1 + 1)


def test_dtype_sets_bytes_and_the_row_precision():
    config = models.make_config("mlp")
    full, half = count(config, dtype="fp32"), count(config, dtype="bf16")
    assert full.total("weight_bytes") == 2 * half.total("weight_bytes") == 4 * full.params
    assert {row.dtype for row in half.rows} == {"bf16"}


@pytest.mark.parametrize(
    "spelling, canonical", [("float32", "fp32"), ("bfloat16", "bf16"), ("float16", "fp16"), ("fp16", "fp16")]
)
def test_long_dtype_spellings_are_aliases_shown_by_their_short_name(capsys, spelling, canonical):
    assert main(["count", "mlp", "--dtype", spelling, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["dtype"] == canonical


def test_bad_view_and_dtype_are_named():
    with pytest.raises(ValueError, match="^view: "):
        count(models.make_config("mlp"), view="thop")
    with pytest.raises(ValueError, match="^dtype: "):
        count(models.make_config("mlp"), dtype="int8")


def test_readable_table_has_units_and_the_memory_answer(capsys):
    assert main(["count", "bert_qa", "--set", "layers=2", "--batch-size", "4"]) == 0
    out = capsys.readouterr().out
    assert "attention.self.scores" in out and " M " in out and "MB" in out
    assert "activation memory is" in out and "view fvcore, batch size 4" in out


def test_check_fails_with_status_1_when_a_formula_is_wrong(monkeypatch, capsys):
    import nngate.counting.walks as walks

    real = walks.FORMULAS["Linear"]
    monkeypatch.setitem(walks.FORMULAS, "Linear", lambda layer: dataclasses.replace(real(layer), fvcore=1))
    assert main(["count", "mlp", "--check"]) == 1
    assert "MISMATCH" in capsys.readouterr().out


def test_render_lists_every_row():
    table = count(models.make_config("cnn", conv_layers=3))
    lines = render(table).splitlines()
    assert len(lines) == len(table.rows) + 6  # header, blank, three lines of totals, completeness
    assert lines[-1] == "nothing left uncounted"
