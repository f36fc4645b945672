"""The suite's pytest plugin: the `nnbench` options, the measuring fixture, and the `--gate` hooks.

Loaded by the root conftest.py (`pytest_plugins`), or in any project with `-p models.plugin`.
Options and hooks only: the work is in models.harness (timing) and models.gate (options read once,
the plan chosen once, the session that returns an outcome, which the hooks here print).
"""

from __future__ import annotations

import argparse

import pytest
import torch

from models import schema
from models.arch.config import positive_int
from models.arch.registry import ARCHITECTURES
from models.gate import machine
from models.gate.options import (
    DEFAULT_INSTRUCTIONS_THRESHOLD,
    DEFAULT_MAX_PAIRS,
    DEFAULT_THRESHOLD,
    GateOptions,
)
from models.gate.plan import GateUsageError, choose_plan
from models.gate.session import GateSession, Outcome
from models.harness.devices import DEVICES, DeviceUnavailable, resolve_device, set_threads
from models.harness.measure import measure_case
from models.harness.slowdown import inject_slowdown

GATE_SESSION = pytest.StashKey[GateSession]()
OUTCOME = pytest.StashKey[Outcome]()  # what the gate decided, for the terminal summary


def _choice(*allowed: str):
    def parse(text: str) -> str:
        if text not in allowed:
            raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _bench_dtype(text: str) -> str:
    try:
        return schema.canonical_dtype(text, schema.BENCH_DTYPES)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not one of {', '.join(schema.BENCH_DTYPES)}") from None


def _architectures(text: str) -> tuple[str, ...]:
    names = tuple(filter(None, (name.strip() for name in text.split(","))))
    unknown = [name for name in names if name not in ARCHITECTURES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"{text!r}: choose from {', '.join(ARCHITECTURES)} (comma-separated)")
    return names


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
    group.addoption(
        "--profile",
        type=_choice(*schema.PROFILES),
        default="smoke",
        metavar="NAME",
        help="benchmark set: smoke (CI's, about a minute) or full (the labs' sweeps) (default: smoke)",
    )
    group.addoption(
        "--device",
        type=_choice(*DEVICES),
        default="cpu",
        metavar="DEVICE",
        help="cpu or cuda; cuda without a GPU skips with the reason (default: cpu)",
    )
    group.addoption(
        "--dtype",
        type=_bench_dtype,
        default="fp32",
        metavar="DTYPE",
        help="fp32, or bf16 under autocast (float32/bfloat16 accepted) (default: fp32)",
    )
    group.addoption(
        "--arch",
        type=_architectures,
        default=None,
        metavar="NAME[,NAME]",
        help="only these architectures' benchmarks, e.g. mlp,cnn (default: all)",
    )
    group.addoption(
        "--threads",
        type=positive_int,
        default=1,
        metavar="N",
        help="torch intra-op threads, recorded with every result (default: 1)",
    )
    group.addoption(
        "--gate",
        nargs="?",
        const="auto",
        default=None,
        metavar="BASELINE",
        help="fail on latency regressions: against the committed baseline recorded on this machine "
        "(its fingerprint), else A/B against the commit that recorded the newest baseline; or "
        "against BASELINE (a file, or a saved name such as 0001) (default: off)",
    )
    group.addoption(
        "--gate-base",
        default=None,
        metavar="REV",
        help="gate A/B against git revision REV, timed beside the working tree in this run "
        "(implies --gate) (default: none)",
    )
    group.addoption(
        "--gate-pairs",
        type=positive_int,
        default=DEFAULT_MAX_PAIRS,
        metavar="N",
        help=f"A/B mode: at most N pairs of timed slots per benchmark (default: {DEFAULT_MAX_PAIRS})",
    )
    group.addoption(
        "--gate-strict",
        action="store_true",
        default=False,
        help="fail the run when the gate finds nothing to compare with (default: say so and pass)",
    )
    group.addoption(
        "--gate-threshold",
        type=_fraction,
        default=DEFAULT_THRESHOLD,
        metavar="FRACTION",
        help=f"slowdown that counts as a regression, e.g. 0.1 or 10% (default: {DEFAULT_THRESHOLD:.0%})",
    )
    group.addoption(
        "--instructions",
        action="store_true",
        default=False,
        help="also count each benchmark's CPU instructions per call under callgrind (one valgrind per "
        "side, after the timing), recorded as extra_info['instructions'] and judged by the gate "
        "(default: off)",
    )
    group.addoption(
        "--gate-instructions-threshold",
        type=_fraction,
        default=DEFAULT_INSTRUCTIONS_THRESHOLD,
        metavar="FRACTION",
        help="more instructions per call than this is an instructions regression "
        f"(default: {DEFAULT_INSTRUCTIONS_THRESHOLD:.0%})",
    )
    group.addoption(
        "--inject-slowdown",
        type=_fraction,
        default=0.0,
        metavar="FRACTION",
        help="busy-wait this fraction of every Linear/Conv2d forward's own time, to test the gate (default: 0)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sweep(mode): a benchmark parametrized by bench/sweeps.py")
    set_threads(config.getoption("--threads"))
    options = GateOptions.from_config(config)
    here = machine.fingerprint(options.device) if options.enabled else None
    try:
        plan = choose_plan(options, here) if options.enabled else None
    except GateUsageError as error:
        raise pytest.UsageError(f"gate: {error}") from None
    config.stash[GATE_SESSION] = GateSession(options, plan, here)
    if config.getoption("--inject-slowdown"):
        inject_slowdown(config.getoption("--inject-slowdown"))


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    device = torch.device(config.getoption("--device"))
    available = device.type == "cpu" or torch.cuda.is_available()
    machine_info[schema.MACHINE_INFO] = {
        schema.MACHINE_CLASS: machine.machine_class(device) if available else "unavailable",
        schema.CPU_MODEL: machine.cpu_model(),
        schema.FINGERPRINT: machine.fingerprint(device).to_json() if available else None,
        schema.TORCH_VERSION: torch.__version__,
        schema.THREADS: config.getoption("--threads"),
        schema.PROFILE: config.getoption("--profile"),
    }


@pytest.fixture(scope="session")
def bench_device(request: pytest.FixtureRequest) -> torch.device:
    try:
        return resolve_device(request.config.getoption("--device"))
    except DeviceUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture
def measure(benchmark, request: pytest.FixtureRequest, bench_device: torch.device):
    """measure(case, mode): prepare the case on --device/--dtype, warm up, time it with
    pytest-benchmark, and record extra_info and the gate's entries. Out of memory is a recorded skip."""
    session = request.config.stash[GATE_SESSION]

    def measure_and_record(case, mode: str) -> None:
        try:
            measurement = measure_case(benchmark, case, mode, bench_device, request.config.getoption("--dtype"))
        except torch.OutOfMemoryError as error:
            pytest.skip(f"out of memory on {bench_device}: {str(error).splitlines()[0]}")
        if measurement is not None:  # None under --benchmark-disable: nothing was timed
            session.record(benchmark.fullname, benchmark.extra_info, measurement)

    return measure_and_record


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outside pytest-benchmark's, which writes its JSON
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    # First, so that re-measured entries and verdicts reach the saved JSON.
    outcome = session.config.stash[GATE_SESSION].finish()
    session.config.stash[OUTCOME] = outcome
    if outcome.exit_status and session.exitstatus == 0:
        session.exitstatus = outcome.exit_status
    yield


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    gate_session, outcome = config.stash[GATE_SESSION], config.stash.get(OUTCOME, None)
    if not gate_session.reports or outcome is None:
        return
    terminalreporter.section("nnbench gate" if gate_session.plan is not None else "nnbench instructions")
    for line in outcome.lines:
        terminalreporter.write_line(line)
