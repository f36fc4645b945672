"""The suite's pytest plugin: the `nnbench` options, the measuring fixture, and the `--gate`.

Loaded by the root conftest.py (`pytest_plugins`), or in any project with `-p models.plugin`.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pytest
import torch

from models import confirmation, gate, timing
from models.cases import prepare
from models.config import positive_int

GATE_STATE = pytest.StashKey[dict]()


def _choice(*allowed: str):
    def parse(text: str) -> str:
        if text not in allowed:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(allowed)}")
        return text
    return parse


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a fraction such as 0.1 or 10%") from None
    if not 0 <= value < 10:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnbench", "nnbench: workloads, devices and the regression gate")
    group.addoption("--profile", type=_choice("smoke", "full"), default="smoke", metavar="NAME",
                    help="benchmark set: smoke (CI's, about a minute) or full (the labs' sweeps) (default: smoke)")
    group.addoption("--device", type=_choice("cpu", "cuda"), default="cpu", metavar="DEVICE",
                    help="cpu or cuda; cuda without a GPU skips with the reason (default: cpu)")
    group.addoption("--dtype", type=_choice("fp32", "bf16"), default="fp32", metavar="DTYPE",
                    help="fp32, or bf16 under autocast (default: fp32)")
    group.addoption("--threads", type=positive_int, default=1, metavar="N",
                    help="torch intra-op threads, recorded with every result (default: 1)")
    group.addoption("--gate", nargs="?", const="auto", default=None, metavar="BASELINE",
                    help="fail on latency regressions against the committed baseline for this machine "
                         "class, or against BASELINE (a file, or a saved name such as 0001) (default: off)")
    group.addoption("--gate-threshold", type=_fraction, default=gate.DEFAULT_THRESHOLD, metavar="FRACTION",
                    help=f"slowdown that counts as a regression, e.g. 0.1 or 10% "
                         f"(default: {gate.DEFAULT_THRESHOLD:.0%})")
    group.addoption("--inject-slowdown", type=_fraction, default=0.0, metavar="FRACTION",
                    help="busy-wait this fraction of every Linear/Conv2d forward's own time, to test "
                         "the gate (default: 0)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sweep(mode): a benchmark parametrized by bench/sweeps.py")
    timing.set_threads(config.getoption("--threads"))
    config.stash[GATE_STATE] = {"run": {}, "baseline": None, "path": None, "message": None, "verdicts": None,
                               "suspects": []}
    if config.getoption("--inject-slowdown"):
        _inject_slowdown(config.getoption("--inject-slowdown"))


def _inject_slowdown(fraction: float) -> None:
    """Wrap Linear/Conv2d forward: after the real work, spin for `fraction` of the time it took."""
    for layer_type in (torch.nn.Linear, torch.nn.Conv2d):
        original = layer_type.forward

        def slowed(self, *args, _original=original, **kwargs):
            started = time.perf_counter()
            output = _original(self, *args, **kwargs)
            deadline = time.perf_counter() + fraction * (time.perf_counter() - started)
            while time.perf_counter() < deadline:
                pass
            return output

        layer_type.forward = slowed


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    device = torch.device(config.getoption("--device"))
    machine_info["nnbench"] = {
        "machine_class": timing.machine_class(device) if device.type == "cpu" or torch.cuda.is_available()
        else "unavailable", "cpu_model": timing.cpu_model(), "torch": torch.__version__,
        "threads": config.getoption("--threads"), "profile": config.getoption("--profile")}


def _storage(config: pytest.Config) -> Path:
    return Path(str(config.rootpath)) / ".benchmarks"


def _baseline(config: pytest.Config, device: torch.device) -> dict | None:
    """The baseline's scores, loaded once; None (and a one-line message) when there is none."""
    state = config.stash[GATE_STATE]
    if state["baseline"] is None and state["message"] is None:
        try:
            path = gate.find_baseline(_storage(config), timing.machine_class(device), config.getoption("--gate"))
            state["baseline"], state["path"] = gate.load_scores(path, timing.machine_class(device)), path
        except gate.BaselineError as error:
            state["message"] = f"gate: {error}; not gating this run"
    return state["baseline"]


@pytest.fixture(scope="session")
def bench_device(request: pytest.FixtureRequest) -> torch.device:
    try:
        return timing.resolve_device(request.config.getoption("--device"))
    except timing.DeviceUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture
def measure(benchmark, request: pytest.FixtureRequest, bench_device: torch.device):
    """measure(case, mode): prepare the case on --device/--dtype, warm up, time it with
    pytest-benchmark, and record extra_info and the gate score. Out of memory is a recorded skip."""
    config = request.config

    def run(case, mode: str) -> None:
        try:
            _measure(case, mode)
        except torch.OutOfMemoryError as error:
            pytest.skip(f"out of memory on {bench_device}: {str(error).splitlines()[0]}")

    def _measure(case, mode: str) -> None:
        prepared = prepare(case, mode, bench_device, config.getoption("--dtype"))
        timed = timing.synchronized(prepared.run, bench_device)
        info: dict = {**prepared.extra_info, "threads": torch.get_num_threads()}
        with timing.peak_memory(bench_device, info):  # first, with the allocator's defaults
            timed()
        with timing.retained_allocations():
            timing.warm_up(timed)
            _, reference, memory_reference = timing.bracketed(lambda: benchmark(timed), bench_device)
        stats = getattr(getattr(benchmark, "stats", None), "stats", None)
        if stats is None:  # --benchmark-disable: ran once as a test, nothing to record
            return
        info.update(reference_seconds=reference, memory_reference_seconds=memory_reference,
                    items_per_second=info["batch_size"] / stats.median,
                    gflops_per_second=info["flops"] / stats.median / 1e9)
        info.update(gate.scores(stats.q1, reference, memory_reference))
        benchmark.extra_info.update(info)
        state = config.stash[GATE_STATE]
        state["run"][benchmark.fullname] = benchmark.extra_info
        if config.getoption("--gate"):
            baseline = (_baseline(config, bench_device) or {}).get(benchmark.fullname)
            if gate.judge(baseline, benchmark.extra_info, config.getoption("--gate-threshold")) == "regression":
                # Re-measured at the end of the session: a burst of interference has passed by then.
                state["suspects"].append((benchmark.fullname, timed, benchmark.stats, bench_device))

    return run


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outside pytest-benchmark's, which writes its JSON
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    _judge_run(session)  # first, so re-measured scores reach the saved JSON
    yield


def _judge_run(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("--gate"):
        return
    state = config.stash[GATE_STATE]
    if not state["run"]:
        state["message"] = state["message"] or "gate: no benchmark was timed; nothing to compare"
        return
    baseline = _baseline(config, torch.device(config.getoption("--device")))
    if baseline is None:
        return
    threshold = config.getoption("--gate-threshold")
    confirmation.remeasure_suspects(state["suspects"], state["run"], baseline, threshold)
    confirmation.confirm_in_fresh_processes(config, state["run"], baseline, threshold)
    state["verdicts"] = gate.compare(baseline, state["run"], threshold)
    if any(v.verdict == "regression" for v in state["verdicts"]) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not config.getoption("--gate"):
        return
    state = config.stash[GATE_STATE]
    terminalreporter.section("nnbench gate")
    if state["verdicts"] is not None:
        terminalreporter.write_line(gate.render(state["verdicts"], state["path"],
                                                config.getoption("--gate-threshold")))
    if state["message"]:
        terminalreporter.write_line(state["message"])
