"""Closed-form costs per layer type: a registry `layer type -> formula`, pure maths.

The convention, stated once for the whole suite:
  * A MAC is one multiply-add. A bias add is not a MAC. FLOPs = 2 * MACs + bias adds
    (the SST-2 lab's 2mn + n for an m -> n Linear layer).
  * `macs` (the `complete` view) holds every matrix product and convolution: Linear, Conv2d, and
    attention's Q.K^T and A.V, whatever attention implementation runs them. Embeddings are lookups
    (0 MACs).
  * `other_ops` holds elementwise work, never mixed into MACs: bias adds (1 per output element),
    activations (ReLU, GELU, Tanh, ReLU6, SiLU, Sigmoid, Hardswish, Hardsigmoid: 1 per element),
    BatchNorm in eval (2: scale and shift), LayerNorm (5: mean, variance, subtract, divide, affine),
    RMSNorm (4), Softmax (3: exp, sum, divide; 5 in attention, which also scales and adds the mask),
    MaxPool (k*k - 1 comparisons per output), AvgPool (k*k per output), AdaptiveAvgPool (1 per input
    element). Elementwise calls outside layers (residual and embedding-sum adds, a squeeze-excitation's
    scale) belong to no layer and are not counted; the generic walk lists them by name.
  * `fvcore` is what fvcore's FlopCountAnalysis (plus this suite's attention handle) reports for the
    layer in eval mode: products and convolutions as MACs without bias, BatchNorm 2 per element
    (1 without affine), LayerNorm 5 (4 without affine), AdaptiveAvgPool 1 per input element, and 0
    for what it leaves unsupported (activations, softmax, max/avg pooling, embeddings).

A formula reads a Layer's shapes and attributes and returns a Cost; it never touches a module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod

from nngate.counting.geometry import window_output_size

Shape = tuple[int, ...]


@dataclass(slots=True)  # plain slots: a frozen dataclass costs twice as much to build
class Layer:
    name: str  # the module's qualified name in the built model ("" parts never appear)
    type: str  # a key of FORMULAS
    input_shape: Shape
    attrs: dict = field(default_factory=dict)


@dataclass(slots=True)
class Cost:
    output_shape: Shape
    weight_shape: Shape | None = None  # None: no weight (or a product of two activations)
    params: int = 0
    macs: int = 0  # complete view
    fvcore: int = 0  # fvcore view
    other_ops: int = 0  # elementwise work, bias adds included
    bias_adds: int = 0
    operand_shape: Shape | None = None  # the second activation of an activation x activation product


Formula = Callable[[Layer], Cost]
FORMULAS: dict[str, Formula] = {}


def formula(type_name: str) -> Callable[[Formula], Formula]:
    def register(function: Formula) -> Formula:
        FORMULAS[type_name] = function
        return function

    return register


def numel(shape: Shape) -> int:
    return prod(shape)


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


@formula("Linear")
def linear(layer: Layer) -> Cost:
    n_in, n_out, bias = layer.attrs["in_features"], layer.attrs["out_features"], layer.attrs.get("bias", True)
    output = (*layer.input_shape[:-1], n_out)
    macs = numel(layer.input_shape[:-1]) * n_in * n_out
    bias_adds = numel(output) if bias else 0
    return Cost(output, (n_out, n_in), n_in * n_out + (n_out if bias else 0), macs, macs, bias_adds, bias_adds)


@formula("Conv2d")
def conv2d(layer: Layer) -> Cost:
    a = layer.attrs
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (
        _pair(a.get(key, default))
        for key, default in (("kernel", None), ("stride", 1), ("padding", 0), ("dilation", 1))
    )
    groups, bias = a.get("groups", 1), a.get("bias", True)
    batch, _, height, width = layer.input_shape
    output = (
        batch,
        a["out_channels"],
        window_output_size(height, kh, sh, ph, dh),
        window_output_size(width, kw, sw, pw, dw),
    )
    weight = (a["out_channels"], a["in_channels"] // groups, kh, kw)
    macs = numel(output) * numel(weight[1:])
    bias_adds = numel(output) if bias else 0
    return Cost(output, weight, numel(weight) + (a["out_channels"] if bias else 0), macs, macs, bias_adds, bias_adds)


def _pool_output(layer: Layer) -> tuple[Shape, int]:
    a = layer.attrs
    (kh, kw), (ph, pw), (dh, dw) = (
        _pair(a.get(key, default)) for key, default in (("kernel", None), ("padding", 0), ("dilation", 1))
    )
    sh, sw = _pair(a.get("stride") or a["kernel"])
    batch, channels, height, width = layer.input_shape
    ceil_mode = a.get("ceil_mode", False)
    return (
        batch,
        channels,
        window_output_size(height, kh, sh, ph, dh, ceil_mode),
        window_output_size(width, kw, sw, pw, dw, ceil_mode),
    ), kh * kw


@formula("MaxPool2d")
def max_pool2d(layer: Layer) -> Cost:
    output, window = _pool_output(layer)
    return Cost(output, other_ops=numel(output) * (window - 1))


@formula("AvgPool2d")
def avg_pool2d(layer: Layer) -> Cost:
    output, window = _pool_output(layer)
    return Cost(output, other_ops=numel(output) * window)


@formula("AdaptiveAvgPool2d")
def adaptive_avg_pool2d(layer: Layer) -> Cost:
    height, width = _pair(layer.attrs["output_size"])
    output = (*layer.input_shape[:2], height, width)
    return Cost(output, fvcore=numel(layer.input_shape), other_ops=numel(layer.input_shape))


@formula("BatchNorm2d")
def batch_norm2d(layer: Layer) -> Cost:
    affine = layer.attrs.get("affine", True)
    elements = numel(layer.input_shape)
    return Cost(
        layer.input_shape,
        (layer.attrs["num_features"],) if affine else None,
        2 * layer.attrs["num_features"] if affine else 0,
        fvcore=elements * (2 if affine else 1),
        other_ops=2 * elements,
    )


@formula("LayerNorm")
def layer_norm(layer: Layer) -> Cost:
    affine, width = layer.attrs.get("affine", True), layer.attrs["normalized"]
    shift = layer.attrs.get("bias", True)  # LayerNorm(bias=False): a scale alone
    elements = numel(layer.input_shape)
    return Cost(
        layer.input_shape,
        (width,) if affine else None,
        width * (1 + shift) if affine else 0,
        fvcore=elements * (5 if affine else 4),
        other_ops=5 * elements,
    )


@formula("RMSNorm")
def rms_norm(layer: Layer) -> Cost:
    """x / sqrt(mean(x^2) + eps) * weight (T5's and Llama's norm): 4 per element (square, mean, scale,
    weight); fvcore has no handle for its pow/mean/rsqrt (0)."""
    affine, width = layer.attrs.get("affine", True), layer.attrs["normalized"]
    return Cost(
        layer.input_shape, (width,) if affine else None, width if affine else 0, other_ops=4 * numel(layer.input_shape)
    )


@formula("Embedding")
def embedding(layer: Layer) -> Cost:
    rows, width = layer.attrs["num_embeddings"], layer.attrs["embedding_dim"]
    return Cost((*layer.input_shape, width), (rows, width), rows * width)


def _elementwise(ops_per_element: int) -> Formula:
    def cost(layer: Layer) -> Cost:
        return Cost(layer.input_shape, other_ops=ops_per_element * numel(layer.input_shape))

    return cost


for _name in ("ReLU", "GELU", "Tanh", "ReLU6", "SiLU", "Sigmoid", "Hardswish", "Hardsigmoid"):
    formula(_name)(_elementwise(1))
formula("Dropout")(_elementwise(0))  # identity in eval mode


@formula("Softmax")
def softmax(layer: Layer) -> Cost:
    per_element = 5 if layer.attrs.get("scaled_masked") else 3
    return Cost(layer.input_shape, other_ops=per_element * numel(layer.input_shape))


@formula("Flatten")
def flatten(layer: Layer) -> Cost:
    return Cost((layer.input_shape[0], numel(layer.input_shape[1:])))


@formula("MatMul")
def matmul(layer: Layer) -> Cost:
    """A product of two activations, (..., n, k) x (..., k, m), such as attention's Q.K^T and A.V."""
    operand = tuple(layer.attrs["operand_shape"])
    output = (*layer.input_shape[:-1], operand[-1])
    macs = numel(output) * layer.input_shape[-1]
    return Cost(output, None, 0, macs, macs, operand_shape=operand)


@formula("ScaledDotProductAttention")
def scaled_dot_product_attention(layer: Layer) -> Cost:
    """softmax(Q.K^T / sqrt(d) + mask).V over query (..., L, E), key (..., S, E), value (..., S, Ev): the
    two products as MACs, whichever kernel runs them; the softmax as attention's 5 per score."""
    key, value = layer.attrs["key"], layer.attrs["value"]
    *batch, queries, width = layer.input_shape
    scores = numel(batch) * queries * key[-2]
    macs = scores * width + scores * value[-1]
    return Cost((*batch, queries, value[-1]), None, 0, macs, macs, 5 * scores, operand_shape=key)


@formula("Einsum")
def einsum(layer: Layer) -> Cost:
    """A product of two operands written as an equation: one MAC per point of the index space
    (every letter's size multiplied). One operand (a sum or a transpose) is no product. The input
    shape is the first operand's; ellipses are not read (ValueError: the walk names it uncounted)."""
    equation, operands = layer.attrs["equation"].replace(" ", ""), layer.attrs["operands"]
    inputs, _, output = equation.partition("->")
    terms = inputs.split(",")
    if "." in equation or "->" not in equation or len(terms) != len(operands):
        raise ValueError(f"einsum {equation!r}: only explicit equations without ellipsis are read")
    sizes = {
        letter: size
        for term, shape in zip(terms, operands, strict=True)
        for letter, size in zip(term, shape, strict=True)
    }
    out_shape = tuple(sizes[letter] for letter in output)
    macs = numel(tuple(sizes.values())) if len(operands) == 2 else 0
    return Cost(out_shape, None, 0, macs, macs, operand_shape=operands[1] if len(operands) > 1 else None)


@formula("MultiheadAttention")
def multihead_attention(layer: Layer) -> Cost:
    """torch's nn.MultiheadAttention: the q/k/v projections, Q.K^T and A.V over all heads, the output
    projection; softmax as attention's 5 per score. Inputs (B, L, E) batch first, else (L, B, E)."""
    a = layer.attrs
    width, key = a["embed_dim"], a["key_shape"]
    if a["batch_first"]:
        batch, queries, keys = layer.input_shape[0], layer.input_shape[-2], key[-2]
    else:
        batch, queries, keys = layer.input_shape[1], layer.input_shape[0], key[0]
    query_tokens, key_tokens = batch * queries, batch * keys
    projections = query_tokens * width * width * 2 + key_tokens * width * (a["kdim"] + a["vdim"])
    scores = batch * queries * keys * a["num_heads"]
    macs = projections + 2 * batch * queries * keys * width
    bias_adds = (query_tokens + 2 * key_tokens) * width * a["bias"] + query_tokens * width * a["out_bias"]
    params = width * (width * 2 + a["kdim"] + a["vdim"]) + 3 * width * a["bias"] + width * a["out_bias"]
    return Cost(layer.input_shape, None, params, macs, macs, bias_adds + 5 * scores, bias_adds)
