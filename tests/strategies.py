"""Hypothesis strategies for configs and layer geometries, each a noun for what it draws."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

import models
from nngate.counting.geometry import window_output_size

batch_sizes = st.integers(min_value=1, max_value=4)


@st.composite
def mlp_configs(draw, *, max_width: int = 64):
    hidden = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=4))
    return models.make_config(
        "mlp", in_features=draw(st.integers(1, 100)), hidden=hidden, classes=draw(st.integers(1, 12))
    )


@st.composite
def cnn_configs(draw):
    conv_layers, kernel = draw(st.integers(1, 3)), draw(st.integers(1, 9))
    image_size = draw(st.integers(kernel + 1, 40))
    options = dict(
        conv_layers=conv_layers,
        kernel=kernel,
        image_size=image_size,
        channels=draw(st.integers(1, 6)),
        in_channels=draw(st.integers(1, 3)),
        hidden=draw(st.integers(1, 32)),
        classes=draw(st.integers(1, 10)),
    )
    try:
        return models.make_config("cnn", **options)
    except ValueError:
        assume(False)  # the kernel leaves no pixels at this size: rejected, as the builder would


@st.composite
def bow_mlp_configs(draw):
    return models.make_config(
        "bow_mlp", vocab=draw(st.integers(1, 300)), layers=draw(st.integers(1, 4)), hidden=draw(st.integers(1, 64))
    )


@st.composite
def resnet_configs(draw):
    return models.make_config(
        "resnet18",
        classes=draw(st.integers(1, 20)),
        in_channels=draw(st.integers(1, 4)),
        image_size=draw(st.integers(1, 48)),
    )


@st.composite
def bert_configs(draw, *, attention=None):
    heads, head_dim = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    positions = draw(st.integers(2, 40))
    return models.make_config(
        "bert_qa",
        vocab=draw(st.integers(2, 60)),
        layers=draw(st.integers(1, 3)),
        hidden=heads * head_dim,
        heads=heads,
        intermediate=draw(st.integers(1, 40)),
        positions=positions,
        seq_len=draw(st.integers(1, positions)),
        attention=attention or draw(st.sampled_from(["sdpa", "eager"])),
    )


def architecture_configs():
    """Any architecture's config, small enough to build and trace in well under a second."""
    return st.one_of(mlp_configs(), cnn_configs(), bow_mlp_configs(), resnet_configs(), bert_configs())


@st.composite
def conv_geometries(draw):
    """Conv2d options and an input shape for which the kernel fits."""
    groups = draw(st.integers(1, 3))
    in_channels, out_channels = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (draw(st.integers(1, 20)), draw(st.integers(1, 20)))
    assume(all(window_output_size(*args) >= 1 for args in zip(size, kernel, stride, padding, dilation, strict=True)))
    return dict(
        in_channels=in_channels,
        out_channels=out_channels,
        kernel=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()),
        input_shape=(draw(batch_sizes), in_channels, *size),
    )


@st.composite
def linear_geometries(draw):
    leading = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    in_features = draw(st.integers(1, 40))
    return dict(
        in_features=in_features,
        out_features=draw(st.integers(1, 40)),
        bias=draw(st.booleans()),
        input_shape=(*leading, in_features),
    )


@st.composite
def pool_geometries(draw):
    kernel, stride = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    padding = draw(st.integers(0, kernel // 2))
    size = draw(st.integers(kernel, 30))
    return dict(
        kernel=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans()), input_shape=(1, 2, size, size)
    )


@st.composite
def op_listings(draw):
    """What a benchmark ran, as nngate.probe.ops lists it: op signatures (a few names, a few shapes,
    so that two listings often share entries) with their counts per call."""
    names = st.sampled_from(["aten::addmm", "aten::relu", "aten::bmm", "aten::_softmax"])
    shapes = st.sampled_from(["(f32[64,784])", "(bf16[64,784])", "(f32[1,12,128,64])", "()"])
    entries = draw(st.lists(st.tuples(names, shapes, st.integers(0, 3)), max_size=6))
    return {name + shape: count for name, shape, count in entries}


@st.composite
def benchmark_weights(draw):
    """Node ids with each one's seconds per call, as the counting share reads them."""
    names = draw(st.lists(st.text("abcdefgh", min_size=1, max_size=6), min_size=1, max_size=12, unique=True))
    return {f"bench/test_x.py::test_{name}": draw(st.floats(0, 2.0)) for name in names}


@st.composite
def transformer_shapes(draw):
    """A small transformer's sizes and its input: layers, heads, head width, feed-forward, tokens, batch."""
    heads, head_dim = draw(st.integers(1, 4)), draw(st.integers(1, 8))
    return {
        "layers": draw(st.integers(1, 2)),
        "heads": heads,
        "width": heads * head_dim,
        "ffn": draw(st.integers(1, 48)),
        "tokens": draw(st.integers(1, 12)),
        "batch": draw(st.integers(1, 2)),
    }


@st.composite
def torchvision_cnns(draw):
    """A torchvision CNN drawn from its family's own options, and an input for it: (build, shape)."""
    import torchvision
    from torchvision.models import resnet

    family = draw(st.sampled_from(["resnet", "mobilenet_v2", "mobilenet_v3", "efficientnet"]))
    classes = draw(st.integers(1, 20))
    if family == "resnet":
        block = draw(st.sampled_from([resnet.BasicBlock, resnet.Bottleneck]))
        layers = draw(st.lists(st.integers(1, 2), min_size=4, max_size=4))
        groups = draw(st.sampled_from([1, 2])) if block is resnet.Bottleneck else 1
        build = lambda: resnet.ResNet(block, layers, classes, groups=groups)  # noqa: E731
    elif family == "mobilenet_v2":
        width = draw(st.sampled_from([0.25, 0.5, 1.0]))
        build = lambda: torchvision.models.mobilenet_v2(num_classes=classes, width_mult=width)  # noqa: E731
    elif family == "mobilenet_v3":
        size, width = draw(st.sampled_from(["small", "large"])), draw(st.sampled_from([0.5, 0.75, 1.0]))
        builder = getattr(torchvision.models, f"mobilenet_v3_{size}")
        build = lambda: builder(num_classes=classes, width_mult=width)  # noqa: E731
    else:
        builder = getattr(torchvision.models, draw(st.sampled_from(["efficientnet_b0", "efficientnet_b1"])))
        build = lambda: builder(num_classes=classes)  # noqa: E731
    return build, (draw(st.integers(1, 2)), 3, draw(st.integers(32, 72)), draw(st.integers(32, 72)))
