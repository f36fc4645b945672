"""One command per lab: `nngate lab mnist|sst2 --out DIR` runs that lab's benchmarks (the
full profile's sweeps of its architectures), trains every config it timed, and writes the report,
end to end into DIR, with progress on stderr.

The benchmarks are the checkout's own `pytest bench`, so the command runs in a checkout of this suite.
With --processes N they run in N fresh processes, and the report's figures are the median of their
medians, each with its spread across them: a small call's median moves between processes
(docs/evidence/process-modes.md), and one process's figure would hide that.
Training uses the real data where found (--data-dir, $NNBENCH_DATA_DIR) and a synthetic set of the
same shapes otherwise; the report's environment header says which.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from nngate import schema
from nngate.project import settings
from nngate.runtime.processes import pytest_command
from nngate.train_sweep import TaskDataCache, timed_configs, train_all
from nngate.workloads.splits import DataError

LABS = {
    "mnist": ("mlp", "cnn"),  # the MNIST lab: MLP widths/depths, CNN filter size and depth, batch sizes
    "sst2": ("bow_mlp", "resnet18", "bert_qa"),  # the SST-2 lab's grid, with its ResNet18 and BERT inference
}


def checkout_root() -> Path:
    """The suite's checkout the command runs in (the folder of its pyproject.toml's [tool.nngate], else the
    current folder): the tool is installed elsewhere, the labs' benchmarks are the checkout's."""
    folder, _ = settings(Path.cwd())
    root = folder or Path.cwd()
    if not (root / "bench").is_dir():
        raise DataError(f"the lab commands run a checkout's benchmarks: no bench/ folder in {root}")
    return root


def run_lab(
    lab: str,
    out: Path,
    epochs: int,
    data_dir: str | None,
    download: bool,
    threads: int,
    variants: tuple[str, ...] = (schema.DEFAULT_VARIANT,),
    processes: int = 1,
) -> Path:
    from nngate.report.document import write_report

    root, out = checkout_root(), out.resolve()
    runs = (
        [out / "benchmarks.json"] if processes == 1 else [out / f"benchmarks-{n}.json" for n in range(1, processes + 1)]
    )
    trainings = out / "trainings.json"
    if existing := [path.name for path in (*runs, trainings, out / "report.md") if path.exists()]:
        raise DataError(
            f"--out {out} already holds {', '.join(existing)} of an earlier lab: choose a new folder, "
            "or move them away (nothing was overwritten)"
        )
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    started = time.perf_counter()
    each = f" in {processes} fresh processes" if processes > 1 else ""
    print(f"lab {lab} 1/3: benchmarks of {', '.join(LABS[lab])}{each} (pytest bench --profile=full)", file=sys.stderr)
    for benchmarks in runs:
        done = subprocess.run(
            pytest_command(
                [
                    "bench",
                    "--profile=full",
                    f"--arch={','.join(LABS[lab])}",
                    f"--threads={threads}",
                    f"--variant={','.join(variants)}",
                    f"--benchmark-json={benchmarks}",
                ]
            ),
            cwd=root,
        )
        if done.returncode != 0 or not benchmarks.exists():
            raise DataError(f"lab {lab}: the benchmarks failed (pytest exit {done.returncode}); nothing was trained")
    seconds["benchmarks"] = time.perf_counter() - started
    started = time.perf_counter()
    print(f"lab {lab} 2/3: training every timed config ({epochs} epoch(s) each)", file=sys.stderr)
    train_all(timed_configs([str(runs[0])]), epochs, TaskDataCache(data_dir, download), 0, threads, trainings)
    seconds["training"] = time.perf_counter() - started
    started = time.perf_counter()
    print(f"lab {lab} 3/3: report", file=sys.stderr)
    report = write_report([*map(str, runs), str(trainings)], str(out))
    seconds["report"] = time.perf_counter() - started
    with report.open("a") as document:
        data = f" --data-dir {data_dir}" if data_dir else ""
        document.write(
            f"\n## How this report was made\n\n`nngate lab {lab} --out {out.name} --epochs {epochs}"
            f" --threads {threads} --variant {','.join(variants)} --processes {processes}{data}`: "
            + ", ".join(f"{step} {value:.0f} s" for step, value in seconds.items())
            + f" of wall time (total {sum(seconds.values()):.0f} s).\n"
        )
    return report
