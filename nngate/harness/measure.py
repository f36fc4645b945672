"""One benchmark, end to end: prepare the case, read its peak memory, warm up, let pytest-benchmark
time it between two readings of the reference workloads, and fill its extra_info."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from nngate import schema
from nngate.harness.cases import Case, prepare
from nngate.harness.devices import synchronized
from nngate.harness.memory import peak_memory, retained_allocations
from nngate.harness.roofline import roofline_info
from nngate.harness.timing import bracketed, warm_up
from nngate.probe.ops import ops_of_one_call


@dataclass(frozen=True)
class Measurement:
    """What the gate needs to judge a benchmark, and to time it again if it is a suspect."""

    timed: Callable[[], object]  # the synchronized timed body
    device: torch.device
    q1_seconds: float
    reference_seconds: float
    memory_reference_seconds: float
    iterations: int  # calls per round, as pytest-benchmark calibrated them
    rounds: int


def warm_then_time(benchmark, timed: Callable[[], object]) -> None:
    """Warm up, then let pytest-benchmark time `timed` at once. Its calibration sizes the run from one
    call (rounds = max_time / that call's time), so that call must be a warm one: after the
    references' 48 MB stream it took 0.85-1.08 ms for calls whose median is 0.08-0.33 ms (AMD EPYC
    Zen 3), and small calls were sampled for about 0.1 s instead of 1 s, a window short enough to
    sit in one of the machine's fast or slow periods: a figure that changed mode from process to
    process (issue 31, docs/evidence/process-modes.md)."""
    warm_up(timed)
    benchmark(timed)


def measure_case(
    benchmark, case: Case, mode: str, device: torch.device, dtype: str, peaks: Callable[[], dict] | None = None
) -> Measurement | None:
    """Time `case` with pytest-benchmark's `benchmark` fixture and record its settings, counts,
    rates and roofline (against `peaks()`, measured on first use) in benchmark.extra_info. None
    under --benchmark-disable (ran once as a test, not timed, and no peaks measured)."""
    prepared = prepare(case, mode, device, dtype)
    timed = synchronized(prepared.body, device)
    info: dict = {**prepared.extra_info, schema.THREADS: torch.get_num_threads()}
    with peak_memory(device, info):  # first, with the allocator's defaults
        timed()
    with retained_allocations():
        _, reference, memory_reference = bracketed(lambda: warm_then_time(benchmark, timed), device)
    stats = getattr(getattr(benchmark, "stats", None), "stats", None)
    if stats is None:
        return None
    median = stats.median
    info[schema.OPS] = ops_of_one_call(timed)  # after the timing: the listing's dispatch mode is slow
    info.update(
        {
            schema.REFERENCE_SECONDS: reference,
            schema.MEMORY_REFERENCE_SECONDS: memory_reference,
            schema.ITEMS_PER_SECOND: info[schema.BATCH_SIZE] / median,
            schema.GFLOPS_PER_SECOND: info[schema.FLOPS] / median / 1e9,
            **roofline_info(info, median, peaks() if peaks else None),
        }
    )
    benchmark.extra_info.update(info)
    return Measurement(
        timed, device, stats.q1, reference, memory_reference, max(int(benchmark.stats.iterations), 1), int(stats.rounds)
    )
