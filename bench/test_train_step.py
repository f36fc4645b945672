"""Training-step time: forward, loss, backward and optimizer step on a fixed batch."""
from __future__ import annotations

import pytest

from models.cases import prepare


@pytest.mark.sweep("train")
def test_train_step(case, measure, bench_device, request):
    measure(prepare(case, "train", bench_device, request.config.getoption("--dtype")))
