"""Spatial size arithmetic for convolution and pooling windows, shared by configs and counting.

Both PyTorch layers follow the same rule (see torch.nn.Conv2d and torch.nn.MaxPool2d docs):
out = floor((in + 2*padding - dilation*(kernel-1) - 1) / stride) + 1, or ceil with ceil_mode.
"""

from __future__ import annotations

import math


def window_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, ceil_mode: bool = False
) -> int:
    """Output length of one spatial dimension; zero or less means the window does not fit."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span < 0:
        return 0
    steps = math.ceil(span / stride) if ceil_mode else span // stride
    if ceil_mode and steps * stride >= size + padding:
        # PyTorch drops a last window that would start inside the right padding only.
        steps -= 1
    return steps + 1
