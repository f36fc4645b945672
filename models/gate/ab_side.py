"""The pytest plugin each A/B side process loads: it lets the gate time both sides in alternation.

models.gate.ab copies this file, alone, into a scratch folder as `nnbench_ab_side` and puts that
folder on both sides' path, so it imports nothing of either side's `models` (the base revision may
predate it). It uses the standard library and pytest-benchmark only.

The side runs its own `pytest bench` with --benchmark-disable. After a benchmark's own call (the
benchmark fixture runs the body once), the side says to the gate's process that it is ready at that
benchmark and waits. The gate then asks each side in turn for a slot: N timed calls of the body,
on the CPUs the gate names, while the other side waits. A slot of one side and the next slot of the
other are moments apart on the same CPU, so a neighbour that slows this machine for a second slows
both alike (see models.gate.ab).
"""
from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

CHANNEL_FD = "NNBENCH_AB_FD"  # the side's end of a socket pair with the gate's process
CPUS = "NNBENCH_AB_CPUS"  # comma-separated CPUs both sides are timed on
NAMES = "NNBENCH_AB_NAMES"  # a file of node ids, one a line: the selection, in the order both sides run it


def pytest_configure(config) -> None:
    if CHANNEL_FD not in os.environ:
        return
    from pytest_benchmark.fixture import BenchmarkFixture

    channel = Connection(int(os.environ[CHANNEL_FD]))
    cpus = {int(cpu) for cpu in os.environ.get(CPUS, "").split(",") if cpu}
    benchmark_once = BenchmarkFixture.__call__

    def benchmark_then_slots(fixture, function, *args, **kwargs):
        result = benchmark_once(fixture, function, *args, **kwargs)
        take_slots(channel, fixture.fullname, lambda: function(*args, **kwargs), cpus)
        return result

    BenchmarkFixture.__call__ = benchmark_then_slots


def pytest_collection_modifyitems(config, items: list) -> None:
    if NAMES not in os.environ:
        return
    order = {name: index for index, name in enumerate(Path(os.environ[NAMES]).read_text().splitlines())}
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in order])
    items[:] = sorted((item for item in items if item.nodeid in order), key=lambda item: order[item.nodeid])


def take_slots(channel: Connection, name: str, body, cpus: set[int]) -> None:
    """Say "ready at `name`" with one call's time, then time slots until the gate says "next"."""
    started = time.perf_counter()
    body()
    channel.send(("at", name, time.perf_counter() - started))
    allowed = os.sched_getaffinity(0)
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        while (message := channel.recv())[0] == "slot":
            times = []
            for _ in range(message[1]):
                started = time.perf_counter()
                body()
                times.append(time.perf_counter() - started)
            channel.send(("times", times))
    finally:
        os.sched_setaffinity(0, allowed)  # between benchmarks both sides prepare in parallel
