"""The labs' MNIST multi-layer perceptron: flatten, Linear+ReLU per hidden width, a logit head."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from nngate.workloads.config import WorkloadConfig


@dataclass(frozen=True)
class MLPConfig(WorkloadConfig):
    in_features: int = 784  # a flattened 28x28 MNIST digit
    hidden: tuple[int, ...] = (256, 128)  # lab baseline; its variants: 128,128 / 1024,128 / 128 / 128,128,128
    classes: int = 10  # digits 0-9; logits out, softmax belongs to the loss

    def check(self) -> None:
        self.positive("in_features", "hidden", "classes")

    def input_shapes(self, batch_size: int) -> tuple[tuple[int, ...], ...]:
        return ((batch_size, self.in_features),)


def dense_stack(in_features: int, widths: tuple[int, ...], outputs: int) -> nn.Sequential:
    """Linear+ReLU for each hidden width, then a Linear head; layer names fc1, relu1, ..., head."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    previous = in_features
    for index, width in enumerate(widths, start=1):
        layers[f"fc{index}"] = nn.Linear(previous, width)
        layers[f"relu{index}"] = nn.ReLU()
        previous = width
    layers["head"] = nn.Linear(previous, outputs)
    return nn.Sequential(layers)


class MLP(nn.Module):
    """Accepts [B, 1, 28, 28] images or [B, 784] rows: both flatten to [B, in_features]."""

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = dense_stack(config.in_features, config.hidden, config.classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.layers(self.flatten(images))  # (B, classes)


def build(config: MLPConfig) -> nn.Module:
    return MLP(config)
