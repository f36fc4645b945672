"""How a torch module or function call reads as a Layer of the formula registry: shape reading only.

`module_layer(module, name, input_shapes)` returns the Layer a module call is (its formula's type and
the attributes the formula reads), or None where no formula covers the module's type. Module
types are matched by class name, so torchvision's, transformers' and a user's own subclasses of
the same layers read alike without importing them. `function_layer` does the same for the
function-level products a forward calls outside any counted module (attention's products,
`scaled_dot_product_attention`, `einsum`, a bare `F.linear`).
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

import torch
from torch.nn import functional

from nngate.counting.formulas import Layer, Shape

ModuleReader = Callable[[torch.nn.Module, list[Shape]], dict]  # (module, its tensor inputs' shapes) -> attrs


def _linear(module, shapes) -> dict:
    return {"in_features": module.in_features, "out_features": module.out_features, "bias": module.bias is not None}


def _conv1d_transformers(module, shapes) -> dict:
    """transformers' Conv1D (GPT-2): a Linear whose weight is stored transposed, (in, out)."""
    return {"in_features": module.weight.shape[0], "out_features": module.nf, "bias": module.bias is not None}


def _conv2d(module, shapes) -> dict:
    padding = module.padding
    if isinstance(padding, str):  # "valid" is none; "same" pads dilation * (kernel - 1) in all, half each side
        padding = tuple(
            0 if padding == "valid" else d * (k - 1) // 2
            for k, d in zip(module.kernel_size, module.dilation, strict=True)
        )
    return {
        "in_channels": module.in_channels,
        "out_channels": module.out_channels,
        "kernel": module.kernel_size,
        "stride": module.stride,
        "padding": padding,
        "dilation": module.dilation,
        "groups": module.groups,
        "bias": module.bias is not None,
    }


def _pool(module, shapes) -> dict:
    return {
        "kernel": module.kernel_size,
        "stride": module.stride,
        "padding": module.padding,
        "dilation": getattr(module, "dilation", 1),
        "ceil_mode": module.ceil_mode,
    }


def _layer_norm(module, shapes) -> dict:
    return {
        "normalized": prod(module.normalized_shape),
        "affine": module.elementwise_affine,
        "bias": getattr(module, "bias", None) is not None,
    }


def _rms_norm(module, shapes) -> dict:
    """torch's RMSNorm (normalized_shape, optional weight); transformers' (a `weight` of the width)."""
    weight = getattr(module, "weight", None)
    width = prod(module.normalized_shape) if hasattr(module, "normalized_shape") else weight.shape[-1]
    return {"normalized": width, "affine": weight is not None}


def _multihead_attention(module, shapes) -> dict:
    """Its projections, and the key's shape (self-attention: the query's)."""
    return {
        "key_shape": shapes[1] if len(shapes) > 1 else shapes[0],
        "embed_dim": module.embed_dim,
        "num_heads": module.num_heads,
        "kdim": module.kdim,
        "vdim": module.vdim,
        "bias": module.in_proj_bias is not None,
        "out_bias": module.out_proj.bias is not None,
        "batch_first": module.batch_first,
    }


def _nothing(module, shapes) -> dict:
    return {}


# class name -> (formula type, attribute reader)
MODULE_READERS: dict[str, tuple[str, ModuleReader]] = {
    "Linear": ("Linear", _linear),
    "NonDynamicallyQuantizableLinear": ("Linear", _linear),
    "Conv1D": ("Linear", _conv1d_transformers),
    "Conv2d": ("Conv2d", _conv2d),
    "MaxPool2d": ("MaxPool2d", _pool),
    "AvgPool2d": ("AvgPool2d", _pool),
    "AdaptiveAvgPool2d": ("AdaptiveAvgPool2d", lambda module, shapes: {"output_size": module.output_size}),
    "BatchNorm2d": (
        "BatchNorm2d",
        lambda module, shapes: {"num_features": module.num_features, "affine": module.affine},
    ),
    "LayerNorm": ("LayerNorm", _layer_norm),
    **{name: ("RMSNorm", _rms_norm) for name in ("RMSNorm", "T5LayerNorm", "LlamaRMSNorm")},
    "Embedding": (
        "Embedding",
        lambda m, shapes: {"num_embeddings": m.num_embeddings, "embedding_dim": m.embedding_dim},
    ),
    "Softmax": ("Softmax", _nothing),
    "MultiheadAttention": ("MultiheadAttention", _multihead_attention),
    "Flatten": ("Flatten", _nothing),
    **{name: (name, _nothing) for name in ("ReLU", "GELU", "Tanh", "ReLU6", "SiLU", "Sigmoid", "Hardswish")},
    "Hardsigmoid": ("Hardsigmoid", _nothing),
    # transformers' activations are modules of their own names, the same elementwise work
    **{name: ("GELU", _nothing) for name in ("GELUActivation", "NewGELUActivation", "GELUTanh", "QuickGELUActivation")},
    # identities in eval mode
    **{name: ("Dropout", _nothing) for name in ("Dropout", "Dropout1d", "Dropout2d", "Identity", "StochasticDepth")},
}


def module_layer(module: torch.nn.Module, name: str, input_shapes: list[Shape]) -> Layer | None:
    """The layer a call of `module` is, from its tensor inputs' shapes (the first is the layer's input)."""
    reader = MODULE_READERS.get(type(module).__name__)
    if reader is None:
        return None
    type_name, attributes = reader
    return Layer(name, type_name, tuple(input_shapes[0]), attributes(module, input_shapes))


def _shape(value) -> Shape:
    return tuple(value.shape)


def _product(name: str, left, right) -> Layer:
    """left @ right as the MatMul formula reads it: a vector operand is a matrix of one row/column."""
    left_shape, right_shape = _shape(left), _shape(right)
    if len(right_shape) == 1:
        right_shape = (*right_shape, 1)
    return Layer(name, "MatMul", left_shape, {"operand_shape": right_shape})


def _attention(name: str, query, key, value, *rest, **options) -> Layer:
    return Layer(name, "ScaledDotProductAttention", _shape(query), {"key": _shape(key), "value": _shape(value)})


def _einsum(name: str, equation: str, *operands) -> Layer:
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    shapes = tuple(_shape(operand) for operand in operands)
    return Layer(name, "Einsum", shapes[0], {"equation": equation, "operands": shapes})


def _functional_linear(name: str, input, weight, bias=None) -> Layer:
    out_features, in_features = weight.shape
    return Layer(
        name,
        "Linear",
        _shape(input),
        {"in_features": in_features, "out_features": out_features, "bias": bias is not None},
    )


def _addmm(name: str, bias, left, right, **options) -> Layer:
    return _product(name, left, right)


def _adaptive_avg_pool(name: str, input, output_size) -> Layer:
    return Layer(name, "AdaptiveAvgPool2d", _shape(input), {"output_size": output_size})


FunctionReader = Callable[..., Layer]
FUNCTION_READERS: dict[object, tuple[str, FunctionReader]] = {
    torch.matmul: ("matmul", _product),
    torch.Tensor.matmul: ("matmul", _product),
    torch.Tensor.__matmul__: ("matmul", _product),
    torch.bmm: ("bmm", _product),
    torch.Tensor.bmm: ("bmm", _product),
    torch.mm: ("mm", _product),
    torch.Tensor.mm: ("mm", _product),
    torch.baddbmm: ("baddbmm", _addmm),
    torch.addmm: ("addmm", _addmm),
    torch.einsum: ("einsum", _einsum),
    functional.linear: ("linear", _functional_linear),
    functional.adaptive_avg_pool2d: ("adaptive_avg_pool2d", _adaptive_avg_pool),
    functional.scaled_dot_product_attention: ("scaled_dot_product_attention", _attention),
}
# Elementwise and reduction calls outside any counted module: left out by the convention (residual
# adds, a squeeze-excitation's scale, a functional softmax), and named in the table's notes.
ELEMENTWISE_FUNCTIONS = frozenset(
    {
        "add", "__add__", "__iadd__", "__radd__", "sub", "__sub__", "__rsub__", "__isub__",
        "mul", "__mul__", "__imul__", "__rmul__", "div", "__truediv__", "__itruediv__", "__rtruediv__",
        "softmax", "log_softmax", "relu", "gelu", "silu", "sigmoid", "tanh", "hardswish", "hardsigmoid",
        "exp", "pow", "__pow__", "rsqrt", "sqrt", "mean", "sum", "masked_fill", "where", "layer_norm",
    }
)  # fmt: skip


def function_layer(function, name: str, args: tuple, kwargs: dict) -> Layer | None:
    reader = FUNCTION_READERS.get(function)
    if reader is None:
        return None
    label, read = reader
    return read(f"{name}.{label}" if name else label, *args, **kwargs)


def function_label(function) -> str:
    return getattr(function, "__name__", repr(function))
