"""The labs' small MNIST CNN: conv+pool blocks without padding, then a 100-unit classifier.

The pools are the lab's `nn.MaxPool2d(2, stride)`, which floors: an odd map loses its last row and
column (kernel 3: 11x11 -> 5x5). So kernel 7 with 3 blocks leaves no pixels on 28x28 (22, 11, 5,
2, then a 2x2 conv gives 1x1 and the stride-1 pool 0x0) and is a ConfigError, as PyTorch would
fail; the sweeps hold only combinations that fit."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

from nngate.counting.geometry import window_output_size
from nngate.workloads.config import ConfigError, WorkloadConfig

# (kernel, pool stride) of the third block the lab's 3-layer variant appended; its own kernel is 2.
THIRD_BLOCK_KERNEL = 2
THIRD_BLOCK_POOL_STRIDE = 1


@dataclass(frozen=True)
class CNNConfig(WorkloadConfig):
    conv_layers: int = 2  # conv+pool blocks; the lab tried 1, 2 and 3
    kernel: int = 5  # square kernel of the first two blocks; the lab swept 3 / 5 / 7
    channels: int = 1  # feature maps per conv; the lab kept one
    in_channels: int = 1  # grayscale MNIST
    image_size: int = 28  # MNIST digits are 28x28
    hidden: int = 100  # the lab's classifier width
    classes: int = 10  # digits 0-9

    def check(self) -> None:
        self.positive("conv_layers", "kernel", "channels", "in_channels", "image_size", "hidden", "classes")
        if self.conv_layers > 3:
            raise ConfigError("conv_layers: at most 3 (the lab's variants are 1, 2 and 3)")
        self.feature_size()

    def blocks(self) -> list[tuple[int, int]]:
        """(conv kernel, pool stride) per block, in order."""
        first_two = [(self.kernel, 2)] * min(self.conv_layers, 2)
        third = [(THIRD_BLOCK_KERNEL, THIRD_BLOCK_POOL_STRIDE)] if self.conv_layers == 3 else []
        return first_two + third

    def feature_size(self) -> int:
        """Side of the last pooled map; raises ConfigError when a window no longer fits."""
        size = self.image_size
        for block, (kernel, stride) in enumerate(self.blocks(), start=1):
            after_conv = window_output_size(size, kernel)
            after_pool = window_output_size(after_conv, 2, stride)
            if after_pool < 1:
                raise ConfigError(
                    f"kernel: {kernel}x{kernel} conv{block} on a {size}x{size} map leaves no pixels "
                    f"(image_size={self.image_size}, conv_layers={self.conv_layers})"
                )
            size = after_pool
        return size

    def input_shapes(self, batch_size: int) -> tuple[tuple[int, ...], ...]:
        return ((batch_size, self.in_channels, self.image_size, self.image_size),)


def build(config: CNNConfig) -> nn.Module:
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    channels_in = config.in_channels
    for block, (kernel, stride) in enumerate(config.blocks(), start=1):
        layers[f"conv{block}"] = nn.Conv2d(channels_in, config.channels, kernel)
        layers[f"pool{block}"] = nn.MaxPool2d(2, stride)
        channels_in = config.channels
    layers["flatten"] = nn.Flatten()
    layers["fc1"] = nn.Linear(config.channels * config.feature_size() ** 2, config.hidden)
    layers["relu"] = nn.ReLU()
    layers["head"] = nn.Linear(config.hidden, config.classes)
    return nn.Sequential(layers)
