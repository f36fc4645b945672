"""torchvision's ResNet18 itself, with the input channels and image size made options."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from nngate.workloads.config import WorkloadConfig

# torchvision's resnet18 layout: BasicBlocks per stage and each stage's width.
STAGE_BLOCKS = (2, 2, 2, 2)
STAGE_WIDTHS = (64, 128, 256, 512)
STEM_WIDTH = 64


@dataclass(frozen=True)
class ResNetConfig(WorkloadConfig):
    classes: int = 1000  # ImageNet head, as torchvision ships it
    in_channels: int = 3  # RGB; 1 for MNIST-shaped input
    image_size: int = 224  # ImageNet crop; 28 for MNIST

    def check(self) -> None:
        self.positive("classes", "in_channels", "image_size")

    def input_shapes(self, batch_size: int) -> tuple[tuple[int, ...], ...]:
        return ((batch_size, self.in_channels, self.image_size, self.image_size),)


def build(config: ResNetConfig) -> nn.Module:
    # Imported here, not at the top: torchvision's import (2.2 s here, most of it sympy through its ops)
    # is paid only by a process that builds a ResNet, never by a side counting the MNIST models under
    # valgrind, where every second of import costs ten.
    import torchvision

    model = torchvision.models.resnet18(weights=None, num_classes=config.classes)
    if config.in_channels != 3:
        # Same stem geometry as torchvision's, only the input channels change.
        model.conv1 = nn.Conv2d(config.in_channels, STEM_WIDTH, kernel_size=7, stride=2, padding=3, bias=False)
    return model
