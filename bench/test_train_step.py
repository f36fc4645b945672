"""Training-step time: forward, loss, backward and optimizer step on a fixed batch."""

from __future__ import annotations

import pytest


@pytest.mark.sweep("train")
def test_train_step(case, measure):
    measure(case, "train")
