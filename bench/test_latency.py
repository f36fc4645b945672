"""Inference latency and throughput: eval mode, inference_mode, inputs built before timing."""

from __future__ import annotations

import pytest


@pytest.mark.sweep("inference")
def test_inference(case, measure):
    measure(case, "inference")
