"""Analytic shape walks: a workload's walk calls a ShapeWalk once per layer, in call order, with
shapes by formula; the model is never built. A workload declares its walk (models.walks holds the
five built-in ones); a model without one is counted by the generic walk (nngate.counting.generic).
"""

from __future__ import annotations

from collections.abc import Callable

from nngate.counting.formulas import FORMULAS, Cost, Layer, Shape
from nngate.workloads.registry import workload_of


class ShapeWalk:
    """Records layers in call order; each call returns the layer's output shape."""

    def __init__(self) -> None:
        self.rows: list[tuple[Layer, Cost]] = []

    def __call__(self, name: str, type_name: str, input_shape: Shape, **attrs) -> Shape:
        layer = Layer(name, type_name, tuple(input_shape), attrs)
        cost = FORMULAS[type_name](layer)
        self.rows.append((layer, cost))
        return cost.output_shape

    def linear(self, name: str, shape: Shape, out_features: int, bias: bool = True) -> Shape:
        return self(name, "Linear", shape, in_features=shape[-1], out_features=out_features, bias=bias)


Walk = Callable[..., None]  # (config, batch_size, ShapeWalk) -> None: a workload's analytic walk


def walk_layers(config, batch_size: int) -> list[tuple[Layer, Cost]]:
    """The layers of `config`'s model by its workload's analytic walk; ValueError where it has none."""
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    walker = workload_of(config).walk
    if walker is None:
        raise ValueError(f"no shape walk for {type(config).__name__}")
    walk = ShapeWalk()
    walker(config, batch_size, walk)
    return walk.rows
