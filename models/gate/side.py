"""The pytest plugin each side process loads: A/B timing slots, or instruction counting.

The gate copies this file and models.gate.work into a scratch folder (models.gate.launch) as
`nnbench_side` and `nnbench_work`, and puts that folder on the side's path, so that neither imports
anything of the side's own `models` (a base revision may predate both). The side runs its own
`pytest bench` with --benchmark-disable: the benchmark fixture runs each body once, and this
plugin then does the side's job with the body, in one of two roles set by the environment:

  * slots (A/B timing, models.gate.ab): list the body's ops, say to the gate's process that it is
    ready at that benchmark, and wait. The gate asks each side in turn for a slot: N timed calls
    of the body, on the CPUs the gate names, while the other side waits. A slot of one side and
    the next slot of the other are moments apart on the same CPU, so a neighbour that slows this
    machine for a second slows both alike.
  * counting (under callgrind, models.gate.instructions): COUNTED_CALLS calls with callgrind
    instrumenting and collecting, dumped to a file that names the benchmark; first, a count of a
    call that does nothing, the overhead every count carries.
"""
from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

CHANNEL_FD = "NNBENCH_AB_FD"  # slots: the side's end of a socket pair with the gate's process
CPUS = "NNBENCH_AB_CPUS"  # slots: comma-separated CPUs both sides are timed on
NAMES = "NNBENCH_AB_NAMES"  # a file of node ids, one a line: the selection, in the order both sides run it
COUNTED_CALLS = "NNBENCH_COUNTED_CALLS"  # counting: calls per benchmark with callgrind collecting


def pytest_configure(config) -> None:
    if CHANNEL_FD in os.environ:
        channel = Connection(int(os.environ[CHANNEL_FD]))
        cpus = {int(cpu) for cpu in os.environ.get(CPUS, "").split(",") if cpu}
        _after_each_benchmark(lambda name, body: take_slots(channel, name, body, cpus))
    elif COUNTED_CALLS in os.environ:
        import nnbench_work

        calls, callgrind = int(os.environ[COUNTED_CALLS]), nnbench_work.Callgrind()
        callgrind.count(lambda: None, 1, nnbench_work.OVERHEAD)  # what a count costs with nothing in it
        _after_each_benchmark(lambda name, body: count(name, body, calls, callgrind))


def _after_each_benchmark(job) -> None:
    """Run `job(name, body)` after the benchmark fixture's own call of each body."""
    from pytest_benchmark.fixture import BenchmarkFixture

    benchmark_once = BenchmarkFixture.__call__

    def benchmark_then_job(fixture, function, *args, **kwargs):
        result = benchmark_once(fixture, function, *args, **kwargs)
        job(fixture.fullname, lambda: function(*args, **kwargs))
        return result

    BenchmarkFixture.__call__ = benchmark_then_job


def pytest_collection_modifyitems(config, items: list) -> None:
    if NAMES not in os.environ:
        return
    order = {name: index for index, name in enumerate(Path(os.environ[NAMES]).read_text().splitlines())}
    config.hook.pytest_deselected(items=[item for item in items if item.nodeid not in order])
    items[:] = sorted((item for item in items if item.nodeid in order), key=lambda item: order[item.nodeid])


def take_slots(channel: Connection, name: str, body, cpus: set[int]) -> None:
    """Say "ready at `name`" with one call's time and the ops of a call, then time slots until the
    gate says "next"."""
    import nnbench_work

    ops = nnbench_work.ops_of_one_call(body)
    started = time.perf_counter()
    body()
    channel.send(("at", name, time.perf_counter() - started, ops))
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


def count(name: str, body, calls: int, callgrind) -> None:
    """`calls` counted calls of `body`, dumped under its name (the fixture's call was the warm-up)."""
    callgrind.count(body, calls, name)
