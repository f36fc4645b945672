"""Does a benchmark's time depend on the process that measured it? Fresh processes, one way each.

Ways (`--ways`, comma-separated; each runs `--runs` fresh processes in turn, interleaved):

* `suite`:   `pytest bench -k EXPR` as a user runs it, pytest-benchmark's median from its JSON;
* `suite@REV`: the same in a temporary git worktree of REV (removed at the end): before and after a
             change, interleaved, so that both meet the same periods of the machine;
* `loop`:    a plain loop: the model built, one input, inference_mode, rounds of calls, the median;
* `python`:  the machine alone: the plain loop over a pure-Python sum (no torch imported, nothing
             allocated), so that a process mode it shows is the machine's, whatever the suite does;
* `harness`: the suite's own measure_case (prepare, peak memory, retained allocations, warm-up,
             the bracketing references) with the timing done by the plain loop instead of
             pytest-benchmark; `harness-no-STEP[-STEP...]` leaves steps out (peak, retained,
             references, ops), to find which one moves the number.

For each benchmark and way: the median of each process, their median, the largest distance of one
process from that median and how many processes lie within 5% of it; for the suite's ways also the
time its rounds spanned (the stats' total): pytest-benchmark sizes a run from its first call,
max_time / that call's time. `--select` picks the suite's benchmarks (`-k`; the loop and harness
ways time MLP, CNN and BoW bs1, the python way its sum). `--compare-runs N` then saves one suite
run and runs N more with plain `--benchmark-compare-fail=median:5%` against it (the product card's
first use): how many pass.
Run from the repository's root:

    python docs/evidence/scripts/process_modes.py --runs 10 --ways suite,loop,harness
    python docs/evidence/scripts/process_modes.py --runs 10 --ways suite --select "bs1 and inference" --compare-runs 5
    python docs/evidence/scripts/process_modes.py --runs 10 --ways suite,loop,python   # is it the machine?
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CASES = ("mlp", "cnn", "bow_mlp")  # bs1 inference: the small calls the issue saw split in two
WINDOWS: dict[str, dict[str, list[float]]] = {}  # folder -> benchmark -> each process's total timed seconds
ROUNDS_SECONDS = 1.0  # pytest-benchmark's default max_time: about as many calls as it makes
SMALL_CASES = "bs1 and inference and (" + " or ".join(f"{arch}-" for arch in CASES) + ")"
WITHIN = 0.05  # the gate's threshold, and issue 31's criterion: each process within 5% of the median


def cpu_model() -> str:
    """`AMD EPYC (family 25 model 1)`: the model name alone does not tell Zen 3 from Zen 4."""
    first = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    fields = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in first.splitlines())}
    name = fields.get("model name", platform.processor())
    return f"{name} (family {fields.get('cpu family')} model {fields.get('model')})"


def loop_median(function, seconds: float = ROUNDS_SECONDS) -> float:
    """Per-call times of single calls for `seconds`, their median (pytest-benchmark's statistic)."""
    times, started = [], time.perf_counter()
    while time.perf_counter() - started < seconds:
        before = time.perf_counter()
        function()
        times.append(time.perf_counter() - before)
    return statistics.median(times)


class LoopBenchmark:
    """Stands in for pytest-benchmark's fixture inside measure_case: the plain loop times the call."""

    def __init__(self):
        self.extra_info: dict = {}

    def __call__(self, function):
        median = loop_median(function)
        stats = type("Stats", (), {"median": median, "q1": median, "rounds": 1})()
        self.stats = type("Metadata", (), {"stats": stats, "iterations": 1})()


def pure_python_sum() -> int:
    """Interpreter work alone, about as long as MLP bs1's call (49.6 µs on the Xeon of process-modes.md):
    no library, no allocation to speak of. Not reference_choice.py's interpreter loop: that module
    imports torch, and this way's process must not."""
    total = 0
    for number in range(2000):
        total += number
    return total


def child(way: str) -> dict[str, float]:
    if way == "python":  # before torch is imported: this process holds nothing of the suite's
        return {"python": loop_median(pure_python_sum)}
    import torch

    sys.path.insert(0, str(ROOT))  # the suite's models/ is not installed: it lives in the checkout
    import models  # noqa: F401  (declares the suite's five workloads)
    from nngate.harness import measure
    from nngate.harness.cases import Case
    from nngate.harness.timing import warm_up
    from nngate.harness.training import forward
    from nngate.workloads import build_from_config, example_inputs, make_config

    torch.set_num_threads(1)
    medians = {}
    if way == "loop":
        for arch in CASES:
            torch.manual_seed(0)
            config = make_config(arch)
            model = build_from_config(config).eval()
            inputs = example_inputs(config, 1)

            def call(model=model, inputs=inputs):
                with torch.inference_mode():
                    return forward(model, inputs)

            warm_up(call)
            medians[arch] = loop_median(call)
        return medians
    left_out = set(way.removeprefix("harness").removeprefix("-no-").split("-")) - {""}
    if "peak" in left_out:
        measure.peak_memory = lambda device, info: contextlib.nullcontext()
    if "retained" in left_out:
        measure.retained_allocations = contextlib.nullcontext
    if "references" in left_out:
        measure.bracketed = lambda run, device: (run(), 0.0, 0.0)
    if "ops" in left_out:
        measure.ops_of_one_call = lambda call: []
    for arch in CASES:
        benchmark = LoopBenchmark()
        measure.measure_case(benchmark, Case(arch, 1), "inference", torch.device("cpu"), "fp32")
        medians[arch] = benchmark.stats.stats.median
    return medians


def suite_command(expression: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "bench", "-q", "-p", "no:cacheprovider", "-k", expression]


def suite_run(folder: Path = ROOT, expression: str = SMALL_CASES) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="process-modes-") as scratch:
        output = Path(scratch) / "run.json"
        command = suite_command(expression)
        subprocess.run([*command, f"--benchmark-json={output}"], cwd=folder, check=True, capture_output=True)
        document = json.loads(output.read_text())
    for entry in document["benchmarks"]:
        WINDOWS.setdefault(str(folder), {}).setdefault(entry["extra_info"]["architecture"], []).append(
            entry["stats"]["total"]
        )
    return {entry["extra_info"]["architecture"]: entry["stats"]["median"] for entry in document["benchmarks"]}


def one_process(way: str, worktrees: dict[str, Path], expression: str) -> dict[str, float]:
    if way == "suite":
        return suite_run(ROOT, expression)
    if way in worktrees:
        return suite_run(worktrees[way], expression)
    output = subprocess.run(
        [sys.executable, __file__, "--child", way], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--ways", default="suite,loop,harness")
    parser.add_argument("--select", default=SMALL_CASES, help="the suite's -k expression")
    parser.add_argument("--compare-runs", type=int, default=0, help="plain compare-fail runs after the report")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.child)))
        return
    ways = options.ways.split(",")
    with contextlib.ExitStack() as stack:
        worktrees = {way: stack.enter_context(worktree(way.partition("@")[2])) for way in ways if "@" in way}
        report(ways, options.runs, worktrees, options.select)
    if options.compare_runs:
        compare_runs(options.select, options.compare_runs)


@contextlib.contextmanager
def worktree(revision: str):
    folder = Path(tempfile.mkdtemp(prefix="process-modes-tree-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(folder), revision], cwd=ROOT, check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=False)
        folder.parent.rmdir()


def report(ways: list[str], runs: int, worktrees: dict[str, Path], expression: str) -> None:
    print(f"{cpu_model()}; {runs} fresh processes per way, interleaved; 1 thread; µs")
    medians: dict[str, dict[str, list[float]]] = {way: {} for way in ways}
    for run in range(runs):
        for way in ways:
            for arch, median in one_process(way, worktrees, expression).items():
                medians[way].setdefault(arch, []).append(median * 1e6)
        print(f"  run {run + 1} of {runs} done", file=sys.stderr)
    print(f"{'way':<28} {'benchmark':<8} {'median':>9} {'worst':>7} {'max/min':>7} {'within':>6}  per process")
    for way in ways:
        for arch, values in medians[way].items():
            middle = statistics.median(values)
            worst = max(abs(value / middle - 1) for value in values)
            spread = max(values) / min(values)
            within = sum(abs(value / middle - 1) <= WITHIN for value in values)
            listed = " ".join(f"{value:.1f}" for value in values)
            print(
                f"{way:<28} {arch:<8} {middle:9.1f} {worst:7.1%} {spread:7.3f} {within:>3}/{len(values):<2}  {listed}"
            )
    for way in ways:
        folder = str(worktrees.get(way, ROOT)) if way.startswith("suite") else None
        for arch, totals in WINDOWS.get(folder, {}).items():
            print(f"{way:<28} {arch:<8} seconds its rounds spanned: " + " ".join(f"{t:.2f}" for t in totals))


def compare_runs(expression: str, runs: int) -> None:
    """Save one suite run, then `runs` more with plain pytest-benchmark compare-fail at 5% against it."""
    with tempfile.TemporaryDirectory(prefix="process-modes-compare-") as scratch:
        storage = f"--benchmark-storage=file://{scratch}"
        saved = Path(scratch) / "saved.json"
        command = [*suite_command(expression), storage]
        subprocess.run(
            [*command, "--benchmark-save=saved", f"--benchmark-json={saved}"], cwd=ROOT, check=True, capture_output=True
        )
        base = {entry["name"]: entry["stats"]["median"] for entry in json.loads(saved.read_text())["benchmarks"]}
        passed = 0
        for run in range(runs):
            output = Path(scratch) / f"run-{run}.json"
            finished = subprocess.run(
                [
                    *command,
                    "--benchmark-compare=0001",
                    "--benchmark-compare-fail=median:5%",
                    f"--benchmark-json={output}",
                ],
                cwd=ROOT,
                capture_output=True,
            )
            passed += finished.returncode == 0
            ratios = {
                entry["name"]: entry["stats"]["median"] / base[entry["name"]]
                for entry in json.loads(output.read_text())["benchmarks"]
            }
            listed = ", ".join(f"{name} {ratio:.3f}" for name, ratio in ratios.items())
            print(f"compare run {run + 1}: exit {finished.returncode}; median / saved run's: {listed}")
        print(f"plain --benchmark-compare-fail=median:5%: {passed} of {runs} unchanged runs passed")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
