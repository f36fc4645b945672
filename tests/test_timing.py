"""Harness helpers: devices, threads, synchronization, memory readings, reference workloads; the machine class."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nngate.harness import devices, memory, timing
from nngate.runtime import machine


def test_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(devices.DeviceUnavailable, match="CUDA asked for"):
        devices.resolve_device("cuda")
    with pytest.raises(ValueError, match="device: 'tpu'"):
        devices.resolve_device("tpu")


def test_threads_are_set_and_reported():
    previous = torch.get_num_threads()
    try:
        assert devices.set_threads(1) == 1
    finally:
        torch.set_num_threads(previous)


def test_cpu_timing_needs_no_synchronize_wrapper():
    function = lambda: None  # noqa: E731
    assert devices.synchronized(function, torch.device("cpu")) is function


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: the CUDA timing path runs on GPU machines")
def test_cuda_timing_waits_for_the_kernel():
    device = torch.device("cuda")
    matrix = torch.randn(2048, 2048, device=device)
    timed = devices.synchronized(lambda: matrix @ matrix, device)
    timing.warm_up(timed)
    assert timing.best_time(timed, 3) > 0
    result: dict = {}
    with memory.peak_memory(device, result):
        timed()
    assert result["peak_memory_bytes"] >= 2048 * 2048 * 4


PEAK_OF_A_FRESH_PROCESS = """
import sys, torch
sys.path.insert(0, sys.argv[1])
from nngate.harness import memory
result = {}
with memory.peak_memory(torch.device("cpu"), result):
    block = torch.ones(256, 1024, 1024 // 4)  # 256 MiB, touched by the fill
    del block
print(result["peak_memory_bytes"])
"""


def test_cpu_peak_memory_sees_a_large_allocation():
    """In a fresh process: in this one, memory that earlier tests freed but glibc kept resident (more
    of it the more in-process pytest runs came before) would serve part of the block, growth unseen."""
    root = Path(memory.__file__).parent.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", PEAK_OF_A_FRESH_PROCESS, str(root)], capture_output=True, text=True, check=True
    )
    assert int(done.stdout) >= 200 * 2**20


def test_reference_workload_is_positive_and_small():
    assert 0 < timing.reference_seconds() < 1
    assert 0 < timing.memory_reference_seconds() < 1


def test_bracketed_returns_the_result_and_both_references():
    calls = []
    result, compute, memory = timing.bracketed(lambda: calls.append(1) or "measured", torch.device("cpu"))
    assert (result, calls) == ("measured", [1])
    assert 0 < compute < 1 and 0 < memory < 1


def test_machine_class_names_the_cpu_count():
    import os

    assert f"-{os.cpu_count()}cpu-cpu" in machine.machine_class(torch.device("cpu"))


def test_pytest_benchmark_calibrates_on_a_warm_call_after_the_references(monkeypatch):
    """pytest-benchmark sizes its rounds from its first call (rounds = max_time / that call's time): the
    calls just before it must be warm-up calls of the same body, not the references' cache-flushing
    stream, or a small call is sampled for a tenth of its window (issue 31)."""
    from nngate.harness import measure
    from nngate.harness.cases import Case

    events: list[str] = []
    monkeypatch.setattr(timing, "reference_seconds", lambda device=None: events.append("reference") or 1e-3)
    monkeypatch.setattr(timing, "memory_reference_seconds", lambda: events.append("memory reference") or 1e-3)
    prepare = measure.prepare

    def counted_prepare(*arguments):
        prepared = prepare(*arguments)
        body = prepared.body
        return dataclasses.replace(prepared, body=lambda: events.append("call") or body())

    monkeypatch.setattr(measure, "prepare", counted_prepare)

    class FirstCallOnly:  # stands in for pytest-benchmark: records where its calibrating call falls
        extra_info: dict = {}
        stats = None

        def __call__(self, function):
            events.append("benchmark")
            function()

    measure.measure_case(FirstCallOnly(), Case("mlp", 1, (("hidden", "8"),)), "inference", torch.device("cpu"), "fp32")
    start = events.index("benchmark")
    before = events[:start]
    assert "memory reference" in before and "reference" in before
    last_reference = max(index for index, event in enumerate(before) if event != "call")
    assert len(before) - last_reference - 1 >= 3, events  # at least warm_up's three calls in between
    assert events[start + 1] == "call"
