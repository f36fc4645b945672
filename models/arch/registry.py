"""The registry of architectures: name -> config type, builder, task. One place lists them all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from models.arch import bert, bow_mlp, cnn, mlp, resnet
from models.arch.config import ArchConfig, ConfigError


@dataclass(frozen=True)
class Architecture:
    name: str
    config_type: type[ArchConfig]
    builder: Callable[[ArchConfig], nn.Module]
    task: str  # the data that trains it: "mnist", "sst2" or "qa"
    summary: str

    def config(self, **options) -> ArchConfig:
        return self.config_type.from_options(**options)


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture("mlp", mlp.MLPConfig, mlp.build, "mnist", "MNIST multi-layer perceptron (labs 1-2)"),
        Architecture("cnn", cnn.CNNConfig, cnn.build, "mnist", "MNIST small CNN, conv+maxpool blocks (lab 2)"),
        Architecture("bow_mlp", bow_mlp.BowMLPConfig, bow_mlp.build, "sst2", "SST-2 bag-of-words MLP (lab 3)"),
        Architecture("resnet18", resnet.ResNetConfig, resnet.build, "mnist", "torchvision ResNet18"),
        Architecture("bert_qa", bert.BertQAConfig, bert.build, "qa", "transformers BERT-base question answering"),
    )
}


def get_architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ConfigError(f"unknown architecture {name!r} (choose from {', '.join(ARCHITECTURES)})") from None


def make_config(name: str, **options) -> ArchConfig:
    """The validated config of architecture `name`; bad options raise ConfigError (a ValueError)."""
    return get_architecture(name).config(**options)


def architecture_of(config: ArchConfig) -> Architecture:
    """The registered architecture whose config type `config` is."""
    for arch in ARCHITECTURES.values():
        if type(config) is arch.config_type:
            return arch
    raise ConfigError(f"{type(config).__name__} is not a registered architecture config")


def build(name: str, **options) -> nn.Module:
    """Build architecture `name` with `options` (field names of its config)."""
    arch = get_architecture(name)
    return arch.builder(arch.config(**options))


def build_from_config(config: ArchConfig) -> nn.Module:
    return architecture_of(config).builder(config)
