"""A known slowdown put into the code under test, to show what the gate catches (`--inject-slowdown`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from torch import nn

SLOWED_LAYERS = (nn.Linear, nn.Conv2d)  # the layers that carry nearly all of every workload's MACs


def inject_slowdown(
    fraction: float,
    layer_types: tuple[type[nn.Module], ...] = SLOWED_LAYERS,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Wrap each layer type's forward: after the real work, spin for `fraction` of the time it took.
    A busy-wait, not a sleep, so the core stays as busy as more arithmetic would keep it."""
    for layer_type in layer_types:
        original = layer_type.forward

        def slowed(self, *args, _original=original, **kwargs):
            started = clock()
            output = _original(self, *args, **kwargs)
            deadline = clock() + fraction * (clock() - started)
            while clock() < deadline:
                pass
            return output

        layer_type.forward = slowed
