"""The benchmarks of a workload declared with @workload in a bench file, collected from that file:
one per mode, batch size and variant, named `NAME[MODE-bsN-DEVICE-DTYPE]` (`-VARIANT` after it for a
variant other than eager), each timed by the `measure` fixture like the suite's own."""

from __future__ import annotations

import pytest

from nngate.harness.cases import Case
from nngate.harness.variants import VARIANTS
from nngate.workloads import Workload


def declared_here(collector: pytest.Collector, obj: object) -> bool:
    """A Workload object that the collected module itself declared (an imported one is not its own)."""
    module = getattr(collector, "obj", None)
    return isinstance(obj, Workload) and bool(obj.module) and obj.module == getattr(module, "__name__", None)


def benchmark_items(collector: pytest.Collector, name: str, declared: Workload) -> list[pytest.Function]:
    unknown = [variant for variant in declared.variants if variant not in VARIANTS]
    if unknown:
        raise pytest.UsageError(f"workload {declared.name!r}: variants {unknown!r}: choose from {', '.join(VARIANTS)}")
    options = collector.config.getoption
    device, dtype = options("--device"), options("--dtype")
    items = []
    for mode in declared.modes:
        for batch_size in declared.batch_sizes:
            for variant in declared.variants:
                case = Case(declared.name, batch_size, variant=variant)
                settings = case.case_id(device, dtype).removeprefix(f"{declared.name}-")
                # the parameters in the name itself: the node id is the name, as pytest gives a parametrized test
                items.append(
                    pytest.Function.from_parent(
                        collector, name=f"{name}[{mode}-{settings}]", callobj=_timed(case, mode)
                    )
                )
    return items


def _timed(case: Case, mode: str):
    def benchmark_of_declared_workload(measure) -> None:
        measure(case, mode)

    return benchmark_of_declared_workload
