"""The suite's pytest plugin: the `nnbench` options, the measuring fixture, and the `--gate` hooks.

Loaded through its `pytest11` entry point wherever nngate is installed (no `-p`, no conftest line).
Options and hooks only: the work is in nngate.harness (timing) and nngate.gate (options read once,
the plan chosen once, the session that returns an outcome, which the hooks here print).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import replace

import pytest
import torch

from nngate import schema
from nngate.collection import benchmark_items, declared_here
from nngate.gate.options import GateOptions
from nngate.gate.plan import GateUsageError, choose_plan
from nngate.gate.session import GateSession, Outcome
from nngate.harness.devices import DeviceUnavailable, resolve_device, set_threads
from nngate.harness.measure import measure_case
from nngate.harness.peaks import SessionPeaks
from nngate.harness.slowdown import inject_slowdown
from nngate.harness.variants import VariantUnavailable
from nngate.history.recording import record_document
from nngate.history.store import HistoryError, Store, store_url
from nngate.pytest_options import add_options
from nngate.runtime import machine
from nngate.runtime.processes import HISTORY_VARIABLE, INTERRUPTED_EXIT, die_with_parent, interrupt_on_sigterm
from nngate.workloads.config import ConfigError
from nngate.workloads.discovery import declare_all

GATE_SESSION = pytest.StashKey[GateSession]()
OUTCOME = pytest.StashKey[Outcome]()  # what the gate decided, for the terminal summary
PREVIOUS_SIGTERM = pytest.StashKey[object]()  # the handler ours replaced, restored at the end
PEAKS = pytest.StashKey[SessionPeaks]()  # the machine's limits, measured when the first benchmark is timed
HISTORY = pytest.StashKey[Store]()  # --history: the store, opened (and its schema checked) before any timing
HISTORY_LINE = pytest.StashKey[str]()  # what recording did, for the terminal summary


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sweep(mode): a benchmark parametrized by bench/sweeps.py")
    die_with_parent()  # a pytest started by one of ours does not outlive it
    try:
        declare_all(config.rootpath)  # the repository's declared workloads (pyproject.toml [tool.nngate])
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    options = GateOptions.from_config(config)
    here = machine.fingerprint(options.device) if options.enabled else None
    try:
        plan = choose_plan(options, here) if options.enabled else None
    except GateUsageError as error:
        raise pytest.UsageError(f"gate: {error}") from None
    config.stash[GATE_SESSION] = GateSession(options, plan, here)
    config.stash[PEAKS] = SessionPeaks(torch.device(config.getoption("--device")))
    if (options.enabled or options.instructions) and threading.current_thread() is threading.main_thread():
        config.stash[PREVIOUS_SIGTERM] = interrupt_on_sigterm()
    if config.getoption("--inject-slowdown"):
        inject_slowdown(config.getoption("--inject-slowdown"))
    history = config.getoption("--history")
    if history is not None or os.environ.get(HISTORY_VARIABLE):
        try:
            config.stash[HISTORY] = Store(store_url(history or None, config.rootpath))
        except HistoryError as error:
            raise pytest.UsageError(str(error)) from None


def pytest_unconfigure(config: pytest.Config) -> None:
    if HISTORY in config.stash:
        config.stash[HISTORY].close()
    if PREVIOUS_SIGTERM in config.stash:
        signal.signal(signal.SIGTERM, config.stash[PREVIOUS_SIGTERM])


@pytest.hookimpl(trylast=True)  # after -k, -m and --arch have deselected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gate_session = config.stash[GATE_SESSION]
    fixtures = {item.nodeid: getattr(item, "fixturenames", ()) for item in items}
    gate_session.selected = [name for name, used in fixtures.items() if "measure" in used or "benchmark" in used]
    gate_session.plain = {name for name, used in fixtures.items() if "benchmark" in used and "measure" not in used}
    if gate_session.selected:
        # Only where something is timed: the plugin loads in every pytest of an environment that has
        # nngate (its entry point), and a repository's other tests keep torch's own thread count.
        set_threads(config.getoption("--threads"))


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object):
    """A workload declared with @workload in a bench file: its benchmarks, collected from that file."""
    if declared_here(collector, obj):
        return benchmark_items(collector, name, obj)
    return None


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


def pytest_benchmark_update_json(config: pytest.Config, benchmarks: list, output_json: dict) -> None:
    """The session's measured peaks beside machine_info, not in it (schema.SESSION_INFO says why)."""
    peaks = config.stash[PEAKS].measured  # measured where a benchmark was timed (never under --benchmark-disable)
    if peaks is not None:
        output_json[schema.SESSION_INFO] = {schema.PEAKS: peaks}


@pytest.fixture(scope="session")
def bench_device(request: pytest.FixtureRequest) -> torch.device:
    try:
        return resolve_device(request.config.getoption("--device"))
    except DeviceUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture
def measure(benchmark, request: pytest.FixtureRequest, bench_device: torch.device):
    """measure(case, mode): prepare the case on --device/--dtype, warm up, time it with
    pytest-benchmark, and record extra_info and the gate's entries. Out of memory, and a variant or
    dtype that cannot run the case here, are recorded skips with the reason."""
    session, peaks = request.config.stash[GATE_SESSION], request.config.stash[PEAKS]

    def measure_and_record(case, mode: str) -> None:
        try:
            measurement = measure_case(
                benchmark, case, mode, bench_device, request.config.getoption("--dtype"), peaks.get
            )
        except torch.OutOfMemoryError as error:
            pytest.skip(f"out of memory on {bench_device}: {str(error).splitlines()[0]}")
        except VariantUnavailable as error:
            pytest.skip(str(error))
        if measurement is not None:  # None under --benchmark-disable: nothing was timed
            session.record(benchmark.fullname, benchmark.extra_info, measurement)

    return measure_and_record


INTERRUPTED_LINE = (
    "gate: interrupted: nothing was judged; the processes it started were ended, its worktree and files removed"
)


def _finish(session: pytest.Session) -> Outcome | None:
    gate_session = session.config.stash[GATE_SESSION]
    if session.exitstatus == pytest.ExitCode.INTERRUPTED:
        return Outcome(None, [INTERRUPTED_LINE], INTERRUPTED_EXIT) if gate_session.reports else None
    timed = getattr(session.config, "_benchmarksession", None)
    pedantic = []
    for benchmark in getattr(timed, "benchmarks", ()):
        if benchmark.fullname not in gate_session.plain:
            continue
        if getattr(benchmark.fixture, "_mode", "").startswith("benchmark.pedantic"):
            pedantic.append(benchmark.fullname)  # its own setup and rounds: the sides cannot time it again
        else:
            gate_session.record_plain(benchmark.fullname, benchmark.extra_info, benchmark.stats.q1)
    gate_session.pedantic_timed = sorted(pedantic)
    try:
        return gate_session.finish()
    except KeyboardInterrupt:  # SIGINT, or SIGTERM through interrupt_on_sigterm: every `finally` below has run
        return Outcome(None, [INTERRUPTED_LINE], INTERRUPTED_EXIT)


def _write_step_summary(outcome: Outcome) -> list[str]:
    """The verdict table as Markdown into $GITHUB_STEP_SUMMARY, where set; a line if it cannot be written."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path or not outcome.markdown:
        return []
    try:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(outcome.markdown + "\n")
    except OSError as error:
        return [f"gate: the Markdown summary was not written to $GITHUB_STEP_SUMMARY ({error.strerror}: {path})"]
    return []


AFTER_VERDICTS_LINE = "gate: interrupted after the gate had finished; the run ends here, nothing of the gate's left"


def _interrupted_after_verdicts(signum: int, frame) -> None:
    """SIGTERM once the gate is done: no process or worktree of its is left to end, and a
    KeyboardInterrupt here would surface as a traceback from whatever pytest was printing."""
    print(AFTER_VERDICTS_LINE, file=sys.stderr, flush=True)
    raise SystemExit(INTERRUPTED_EXIT)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outside pytest-benchmark's, which writes its JSON
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    # First, so that re-measured entries and verdicts reach the saved JSON.
    outcome = _finish(session)
    if PREVIOUS_SIGTERM in session.config.stash:  # the gate's cleanup path is no longer needed
        signal.signal(signal.SIGTERM, _interrupted_after_verdicts)
    if outcome is not None:
        outcome = replace(outcome, lines=outcome.lines + _write_step_summary(outcome))
        session.config.stash[OUTCOME] = outcome
        if outcome.exit_status == INTERRUPTED_EXIT or (outcome.exit_status and session.exitstatus == 0):
            session.exitstatus = outcome.exit_status
    if HISTORY in session.config.stash:  # after the gate, so its verdicts are recorded; before the summary
        session.config.stash[HISTORY_LINE] = _record_history(session)
    yield


def _record_history(session: pytest.Session) -> str:
    """The session's document, built by pytest-benchmark's own hooks as it builds the saved JSON,
    into the history store; one line for the summary (a failure to record fails the run)."""
    config, run = session.config, session.config._benchmarksession
    if session.exitstatus == pytest.ExitCode.INTERRUPTED or not run.benchmarks:
        return "history: nothing recorded (" + ("interrupted)" if run.benchmarks else "no benchmark was timed)")
    commit_info = config.hook.pytest_benchmark_generate_commit_info(config=config)
    config.hook.pytest_benchmark_update_commit_info(config=config, commit_info=commit_info)
    document = config.hook.pytest_benchmark_generate_json(
        config=config,
        benchmarks=run.benchmarks,
        include_data=False,
        machine_info=run.get_machine_info(),
        commit_info=commit_info,
    )
    config.hook.pytest_benchmark_update_json(config=config, benchmarks=run.benchmarks, output_json=document)
    try:
        return record_document(config.stash[HISTORY], document, "pytest", config.rootpath)
    except HistoryError as error:
        session.exitstatus = session.exitstatus or pytest.ExitCode.TESTS_FAILED
        return str(error)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if HISTORY_LINE in config.stash:
        terminalreporter.write_line(config.stash[HISTORY_LINE])
    gate_session, outcome = config.stash[GATE_SESSION], config.stash.get(OUTCOME, None)
    if not gate_session.reports or outcome is None:
        return
    terminalreporter.section("nnbench gate" if gate_session.plan is not None else "nnbench instructions")
    for line in outcome.lines:
        terminalreporter.write_line(line)
