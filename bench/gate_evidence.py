"""Evidence for the gate: false alarms on unchanged code, and detection of injected slowdowns.

    python bench/gate_evidence.py --runs 10 --slowdowns 0,0.15 --sweep 0.05,0.10 --sweep-runs 5

Each run is a fresh `pytest bench --gate` process against the committed baseline; a run "fails"
when the gate exits 1. --inject-slowdown busy-waits a fraction of every Linear/Conv2d forward's own
time, so a slowdown of 15% is 15% of those layers' forward time, less of a whole train step.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.gate import rules  # noqa: E402
from models.gate.baselines import extra_info_by_name, find_baseline, load_baseline  # noqa: E402
from models.gate.machine import machine_class  # noqa: E402
from models.gate.processes import fresh_pytest  # noqa: E402


def gate_run(slowdown: float, baseline: str) -> tuple[int, dict[str, dict]]:
    """Exit status of one gated smoke run and each benchmark's extra_info (after confirmation)."""
    run = fresh_pytest(["bench", f"--gate={baseline}", f"--inject-slowdown={slowdown}"], ROOT)
    if run.status not in (0, 1) or run.document is None:
        sys.exit(f"error: pytest bench failed (exit {run.status}):\n{run.output}")
    return run.status, extra_info_by_name(run.document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per main slowdown (default: 10)")
    parser.add_argument("--slowdowns", default="0,0.15", help="main slowdowns (default: 0,0.15)")
    parser.add_argument("--sweep", default="0.05,0.10", help="smaller slowdowns to probe (default: 0.05,0.10)")
    parser.add_argument("--sweep-runs", type=int, default=5, help="runs per probed slowdown (default: 5)")
    parser.add_argument("--baseline", default="auto", help="what --gate compares with (default: auto)")
    arguments = parser.parse_args()
    this_machine = machine_class(torch.device("cpu"))
    baseline_path = find_baseline(ROOT / ".benchmarks", this_machine, arguments.baseline)
    baseline = load_baseline(baseline_path, this_machine)
    plan = [(float(s), arguments.runs) for s in arguments.slowdowns.split(",") if s] + \
           [(float(s), arguments.sweep_runs) for s in arguments.sweep.split(",") if s]
    print(f"baseline {baseline_path.relative_to(ROOT)}; threshold default {rules.DEFAULT_THRESHOLD:.0%}")
    summary = []
    for slowdown, runs in plan:
        failed, worst, medians, excesses = 0, [], [], []
        for index in range(1, runs + 1):
            status, infos = gate_run(slowdown, str(baseline_path))
            common = [name for name in infos if name in baseline]
            by_name = {name: rules.score_ratio(baseline[name], infos[name]) for name in common}
            ratios = sorted(by_name.values())
            slowest = max(by_name, key=by_name.get).split("::")[-1]
            excess = max(rules.ratio_over_limit(baseline[name], infos[name], rules.DEFAULT_THRESHOLD)
                         for name in common)
            excused = sum(rules.memory_excuse(baseline[name], infos[name]) > 1 for name in common)
            failed += status == 1
            worst.append(ratios[-1])
            medians.append(ratios[len(ratios) // 2])
            excesses.append(excess)
            print(f"slowdown {slowdown:>5.0%} run {index:>2}: gate exit {status}, benchmark ratios "
                  f"min {ratios[0]:.3f} median {ratios[len(ratios) // 2]:.3f} max {ratios[-1]:.3f} ({slowest}); "
                  f"max ratio/limit {excess:.3f}; limits raised by memory pressure: {excused}", flush=True)
        summary.append(f"slowdown {slowdown:>5.0%}: gate failed {failed}/{runs} runs; max ratio per run "
                       f"{min(worst):.3f}..{max(worst):.3f}; median ratio {min(medians):.3f}..{max(medians):.3f}; "
                       f"max ratio/limit {min(excesses):.3f}..{max(excesses):.3f}")
    print("\n".join(["", "summary:", *summary]))


if __name__ == "__main__":
    main()
