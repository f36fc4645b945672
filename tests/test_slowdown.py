"""The injected slowdown busy-waits a set fraction of each wrapped layer's own forward time."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nngate.harness.slowdown import inject_slowdown

WORK_TICKS = 100  # the stub layer's forward advances the stub clock this much


class TickingClock:
    """A clock that advances one tick per reading, so a busy-wait on it always ends."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        self.now += 1
        return self.now - 1


def ticks_spent(fraction: float) -> int:
    """Clock ticks one call of a freshly wrapped stub layer takes, its own work included."""
    clock = TickingClock()

    class StubLayer(nn.Module):
        def forward(self, x):
            clock.now += WORK_TICKS
            return x

    inject_slowdown(fraction, (StubLayer,), clock)
    StubLayer()(torch.zeros(1))
    return clock.now


@pytest.mark.parametrize("fraction", [0.15, 0.5, 1.0])
def test_the_wait_is_the_fraction_of_the_layers_own_time(fraction):
    # The extra wait is the fraction of the layer's work, give or take the clock's own readings.
    assert ticks_spent(fraction) - ticks_spent(0.0) == pytest.approx(fraction * WORK_TICKS, abs=3)


def test_a_zero_fraction_adds_only_the_clock_readings():
    assert ticks_spent(0.0) == WORK_TICKS + 4


def test_wrapped_layers_still_compute_the_same_output():
    class Doubling(nn.Linear):
        pass

    layer = Doubling(4, 3)
    x = torch.randn(2, 4)
    expected = layer(x)
    inject_slowdown(0.1, (Doubling,))
    assert torch.equal(layer(x), expected)
