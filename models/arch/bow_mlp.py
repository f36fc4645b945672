"""The SST-2 lab's bag-of-words MLP: word-count vector in, `layers` ReLU layers, one logit out."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from models.arch.mlp import dense_stack
from nngate.workloads.config import WorkloadConfig


@dataclass(frozen=True)
class BowMLPConfig(WorkloadConfig):
    vocab: int = 10000  # top-k training words; the lab swept 1000 / 5000 / 10000
    layers: int = 2  # hidden layers; the lab swept 1 / 2 / 4
    hidden: int = 256  # units per hidden layer; the lab swept 128 / 256 / 512

    def check(self) -> None:
        self.positive("vocab", "layers", "hidden")

    def input_shapes(self, batch_size: int) -> tuple[tuple[int, ...], ...]:
        return ((batch_size, self.vocab),)


class BowMLP(nn.Module):
    def __init__(self, config: BowMLPConfig):
        super().__init__()
        self.layers = dense_stack(config.vocab, (config.hidden,) * config.layers, 1)

    def forward(self, counts: torch.Tensor) -> torch.Tensor:
        return self.layers(counts)  # (B, 1): one positive-sentiment logit


def build(config: BowMLPConfig) -> nn.Module:
    return BowMLP(config)
