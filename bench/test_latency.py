"""Inference latency and throughput: eval mode, inference_mode, inputs built before timing."""
from __future__ import annotations

import pytest

from models.cases import prepare


@pytest.mark.sweep("inference")
def test_inference(case, measure, bench_device, request):
    measure(prepare(case, "inference", bench_device, request.config.getoption("--dtype")))
