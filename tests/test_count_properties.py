"""Properties: for random configs, the analytic counts equal fvcore's, FlopCounterMode's and the params.

Each example builds and traces a real model, so the configs are kept small; the `ci` profile runs
40 examples per property (over 200 in all), derandomized.
"""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

from nngate.counting import count
from nngate.counting.formulas import FORMULAS, Layer
from nngate.counting.measured import eager_twin, measure

from strategies import (
    architecture_configs,
    batch_sizes,
    bert_configs,
    conv_geometries,
    linear_geometries,
    pool_geometries,
)


def assert_analytic_equals_measured(config, batch_size):
    fvcore_view, complete_view = count(config, batch_size), count(config, batch_size, view="complete")
    measured = measure(config, batch_size)
    assert fvcore_view.params == measured.params
    assert fvcore_view.macs == measured.fvcore_total
    for module, value in measured.fvcore_by_module.items():
        assert fvcore_view.module_macs(module) == value, module
    assert 2 * complete_view.macs == measured.flop_counter_flops


@given(config=architecture_configs(), batch_size=batch_sizes)
def test_every_architecture_counts_like_fvcore_and_flop_counter(config, batch_size):
    assert_analytic_equals_measured(config, batch_size)


@given(config=bert_configs(), batch_size=batch_sizes)
def test_small_berts_count_like_fvcore_under_both_attentions(config, batch_size):
    assert_analytic_equals_measured(config, batch_size)
    assert measure(eager_twin(config), batch_size).fvcore_total == count(config, batch_size).macs


def flop_counter_macs(module, inputs) -> int:
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module(inputs)
    return counter.get_total_flops() // 2


@given(geometry=conv_geometries())
def test_conv2d_formula_matches_torch(geometry):
    input_shape = geometry.pop("input_shape")
    conv = torch.nn.Conv2d(
        geometry["in_channels"],
        geometry["out_channels"],
        geometry["kernel"],
        geometry["stride"],
        geometry["padding"],
        geometry["dilation"],
        geometry["groups"],
        geometry["bias"],
    )
    cost = FORMULAS["Conv2d"](Layer("conv", "Conv2d", input_shape, geometry))
    inputs = torch.randn(input_shape)
    assert cost.output_shape == tuple(conv(inputs).shape)
    assert cost.weight_shape == tuple(conv.weight.shape)
    assert cost.params == sum(p.numel() for p in conv.parameters())
    assert cost.macs == cost.fvcore == flop_counter_macs(conv, inputs)
    assert cost.bias_adds == (conv(inputs).numel() if geometry["bias"] else 0)


@given(geometry=linear_geometries())
def test_linear_formula_matches_torch(geometry):
    input_shape = geometry.pop("input_shape")
    linear = torch.nn.Linear(geometry["in_features"], geometry["out_features"], geometry["bias"])
    cost = FORMULAS["Linear"](Layer("fc", "Linear", input_shape, geometry))
    inputs = torch.randn(input_shape)
    assert cost.output_shape == tuple(linear(inputs).shape)
    assert cost.params == sum(p.numel() for p in linear.parameters())
    assert cost.macs == flop_counter_macs(linear, inputs)
    # The SST-2 lab's 2mn + n FLOPs per row of an m -> n layer, with bias.
    rows = inputs.numel() // geometry["in_features"]
    flops = 2 * cost.macs + cost.bias_adds
    assert flops == rows * (
        2 * geometry["in_features"] * geometry["out_features"] + (geometry["out_features"] if geometry["bias"] else 0)
    )


@given(geometry=pool_geometries(), kind=st.sampled_from(["MaxPool2d", "AvgPool2d"]))
def test_pool_output_shapes_match_torch(geometry, kind):
    input_shape = geometry.pop("input_shape")
    pool = getattr(torch.nn, kind)(
        geometry["kernel"], geometry["stride"], geometry["padding"], ceil_mode=geometry["ceil_mode"]
    )
    cost = FORMULAS[kind](Layer("pool", kind, input_shape, geometry))
    assert cost.output_shape == tuple(pool(torch.randn(input_shape)).shape)


@given(config=architecture_configs(), batch_size=st.integers(2, 64))
def test_batch_size_scales_macs_and_activations_never_params(config, batch_size):
    single, batched = count(config, 1), count(config, batch_size)
    assert batched.params == single.params
    assert batched.total("weight_bytes") == single.total("weight_bytes")
    # BERT's position embeddings are shared by the batch, so its activations grow a little slower.
    position_rows = [row for row in single.rows if row.name.endswith("position_embeddings")]
    shared = sum(row.activation_bytes for row in position_rows)
    assert batched.macs == batch_size * single.macs
    assert batched.total("activation_bytes") == batch_size * (single.total("activation_bytes") - shared) + shared
