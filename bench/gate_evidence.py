"""Evidence for the gate: false alarms on unchanged code, and detection of injected slowdowns.

    python bench/gate_evidence.py --runs 10 --slowdowns 0,0.15 --sweep 0.05,0.10 --sweep-runs 5

Each run is a fresh `pytest bench --gate` process against the committed baseline; a run "fails"
when the gate exits 1. --inject-slowdown busy-waits a fraction of every Linear/Conv2d forward's own
time, so a slowdown of 15% is 15% of those layers' forward time, less of a whole train step.
"""
from __future__ import annotations

import argparse
import sys

from runs import ROOT, bench_run  # bench/runs.py: this script's own folder is first on sys.path


def gate_run(slowdown: float, baseline: str) -> tuple[int, dict[str, dict]]:
    """Exit status of one gated smoke run and each benchmark's extra_info (after confirmation)."""
    status, document = bench_run([f"--gate={baseline}", f"--inject-slowdown={slowdown}"], accepted_exits=(0, 1))
    return status, {bench["fullname"]: bench["extra_info"] for bench in document["benchmarks"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per main slowdown (default: 10)")
    parser.add_argument("--slowdowns", default="0,0.15", help="main slowdowns (default: 0,0.15)")
    parser.add_argument("--sweep", default="0.05,0.10", help="smaller slowdowns to probe (default: 0.05,0.10)")
    parser.add_argument("--sweep-runs", type=int, default=5, help="runs per probed slowdown (default: 5)")
    parser.add_argument("--baseline", default="auto", help="what --gate compares with (default: auto)")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from models import gate, timing

    baseline_path = gate.find_baseline(ROOT / ".benchmarks", timing.machine_class(timing.resolve_device("cpu")),
                                       arguments.baseline)
    baseline = gate.load_scores(baseline_path, timing.machine_class(timing.resolve_device("cpu")))
    plan = [(float(s), arguments.runs) for s in arguments.slowdowns.split(",") if s] + \
           [(float(s), arguments.sweep_runs) for s in arguments.sweep.split(",") if s]
    print(f"baseline {baseline_path.relative_to(ROOT)}; threshold default {gate.DEFAULT_THRESHOLD:.0%}")
    summary = []
    for slowdown, runs in plan:
        failed, worst, medians, margins = 0, [], [], []
        for index in range(1, runs + 1):
            status, infos = gate_run(slowdown, str(baseline_path))
            common = [name for name in infos if name in baseline]
            by_name = {name: infos[name]["gate_score"] / baseline[name]["gate_score"] for name in common}
            ratios = sorted(by_name.values())
            slowest = max(by_name, key=by_name.get).split("::")[-1]
            margin = max(gate.margin(baseline[name], infos[name], gate.DEFAULT_THRESHOLD) for name in common)
            excused = sum(gate.memory_excuse(baseline[name], infos[name]) > 1 for name in common)
            failed += status == 1
            worst.append(ratios[-1])
            medians.append(ratios[len(ratios) // 2])
            margins.append(margin)
            print(f"slowdown {slowdown:>5.0%} run {index:>2}: gate exit {status}, benchmark ratios "
                  f"min {ratios[0]:.3f} median {ratios[len(ratios) // 2]:.3f} max {ratios[-1]:.3f} ({slowest}); "
                  f"max ratio/limit {margin:.3f}; limits raised by memory pressure: {excused}", flush=True)
        summary.append(f"slowdown {slowdown:>5.0%}: gate failed {failed}/{runs} runs; max ratio per run "
                       f"{min(worst):.3f}..{max(worst):.3f}; median ratio {min(medians):.3f}..{max(medians):.3f}; "
                       f"max ratio/limit {min(margins):.3f}..{max(margins):.3f}")
    print("\n".join(["", "summary:", *summary]))


if __name__ == "__main__":
    main()
