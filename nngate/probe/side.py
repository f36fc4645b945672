"""The pytest plugin each side process loads: A/B timing slots, or instruction counting.

The gate copies this package beside each side (nngate.runtime.launch) and loads this module with
`-p protocol.SIDE_PLUGIN`, so that nothing here imports the side's own `models` (a base revision
may predate all of it). The side runs its own `pytest bench` with --benchmark-disable: the
benchmark fixture runs each body once, and this plugin then does the side's job with the body,
in one of two roles set by the environment (protocol's variables):

  * slots (A/B timing, nngate.runtime.scheduler): list the body's ops and kernels, tell the gate's process it
    is ready at that benchmark, and wait. The gate asks each side in turn for a slot: N timed
    calls of the body, on the CPUs the gate names, while the other side waits. A slot of one
    side and the next slot of the other are moments apart on the same CPU, so a neighbour that
    slows this machine for a second slows both alike.
  * counting (under callgrind, nngate.gate.instructions): after a warm-up, COUNTED_CALLS calls
    with callgrind instrumenting and collecting, each dumped to a file that names the benchmark
    (a slow benchmark, listed in SLOW_NAMES: one call, the fixture's call its warm-up); first, a
    count of a call that does nothing, the overhead every count carries.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

from . import protocol
from .callgrind import OVERHEAD, Callgrind
from .ops import kernels_of_one_call, ops_of_one_call


def pytest_configure(config) -> None:
    if protocol.CHANNEL_FD in os.environ:
        channel = Connection(int(os.environ[protocol.CHANNEL_FD]))
        cpus = {int(cpu) for cpu in os.environ.get(protocol.CPUS, "").split(",") if cpu}
        lists = os.environ.get(protocol.LISTS) == "1"
        _after_each_benchmark(lambda name, body: take_slots(channel, name, body, cpus, lists))
    elif protocol.COUNTED_CALLS in os.environ:
        calls, callgrind = int(os.environ[protocol.COUNTED_CALLS]), Callgrind()
        slow_file = os.environ.get(protocol.SLOW_NAMES)
        slow = set(Path(slow_file).read_text().splitlines()) if slow_file else set()
        callgrind.count(lambda: None, calls, OVERHEAD)  # what a count costs with nothing in it
        _after_each_benchmark(
            lambda name, body: (
                callgrind.count(body, 1, name, warm_up=False) if name in slow else callgrind.count(body, calls, name)
            )
        )


def _after_each_benchmark(job) -> None:
    """Run `job(name, body)` after the benchmark fixture's own call of each body (its warm-up)."""
    from pytest_benchmark.fixture import BenchmarkFixture

    benchmark_once = BenchmarkFixture.__call__

    def benchmark_then_job(fixture, function, *args, **kwargs):
        result = benchmark_once(fixture, function, *args, **kwargs)
        job(fixture.fullname, lambda: function(*args, **kwargs))
        return result

    BenchmarkFixture.__call__ = benchmark_then_job


def pytest_collection_modifyitems(config, items: list) -> None:
    if protocol.NAMES not in os.environ:
        return
    names = Path(os.environ[protocol.NAMES]).read_text().splitlines()
    order = {name: index for index, name in enumerate(names)}
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in order])
    items[:] = sorted((item for item in items if item.nodeid in order), key=lambda item: order[item.nodeid])


def take_slots(channel: Connection, name: str, body, cpus: set[int], lists: bool = True) -> None:
    """Say "ready at `name`" with one call's time and, where it `lists`, the ops and the kernels of a
    call (else none), then time slots until the gate says NEXT."""
    ops, kernels = (ops_of_one_call(body), kernels_of_one_call(body)) if lists else ({}, {})
    started = time.perf_counter()
    body()
    protocol.send(channel, protocol.AT, name, time.perf_counter() - started, ops, kernels)
    allowed = os.sched_getaffinity(0)
    if cpus:
        os.sched_setaffinity(0, cpus)
    try:
        while (message := protocol.receive(channel, protocol.SLOT, protocol.NEXT))[0] == protocol.SLOT:
            protocol.send(channel, protocol.TIMES, call_times(body, message[1]))
    finally:
        os.sched_setaffinity(0, allowed)  # between benchmarks both sides prepare in parallel


def call_times(body, calls: int) -> list[float]:
    """Seconds of each of `calls` calls of `body`."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        body()
        times.append(time.perf_counter() - started)
    return times
