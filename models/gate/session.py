"""The gate's state over one pytest run, as a typed object: what was timed, the suspects, the
baseline, the verdicts. The plugin only forwards pytest's hooks to it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

from models.gate import confirmation, rules
from models.gate.baselines import BaselineError, find_baseline, load_baseline
from models.gate.machine import machine_class
from models.gate.table import render
from models.harness.measure import Measurement


@dataclass
class GateSession:
    choice: str | None  # the --gate value ("auto", a file or a saved name); None: not gating
    threshold: float
    storage: Path  # the .benchmarks folder baselines are found in
    device: torch.device
    run: dict[str, dict] = field(default_factory=dict)  # fullname -> extra_info of each timed benchmark
    suspects: dict[str, Measurement] = field(default_factory=dict)  # over their limit at first timing
    baseline: dict[str, dict] | None = None  # fullname -> the baseline's extra_info
    baseline_path: Path | None = None
    message: str | None = None  # one line for the user: why nothing was gated
    verdicts: list[rules.Verdict] | None = None

    @property
    def enabled(self) -> bool:
        return self.choice is not None

    def load_baseline(self) -> dict[str, dict] | None:
        """The baseline, loaded once; None (and a one-line message) when there is none."""
        if self.baseline is None and self.message is None:
            this_machine = machine_class(self.device)
            try:
                self.baseline_path = find_baseline(self.storage, this_machine, self.choice)
                self.baseline = load_baseline(self.baseline_path, this_machine)
            except BaselineError as error:
                self.message = f"gate: {error}; not gating this run"
        return self.baseline

    def record(self, name: str, info: dict, measurement: Measurement) -> None:
        """Add the gate's entries to a benchmark's extra_info; a benchmark over its limit becomes a
        suspect, re-measured at the end of the session (a burst of interference has passed by then)."""
        info.update(rules.gate_entries(measurement.q1_seconds, measurement.reference_seconds,
                                       measurement.memory_reference_seconds))
        self.run[name] = info
        if self.enabled:
            baseline = (self.load_baseline() or {}).get(name)
            if rules.judge(baseline, info, self.threshold) == "regression":
                self.suspects[name] = measurement

    def finish(self, forwarded: list[str], rootdir: Path) -> bool:
        """Confirm suspects and give the verdicts; True when a regression stands."""
        if not self.enabled:
            return False
        if not self.run:
            self.message = self.message or "gate: no benchmark was timed; nothing to compare"
            return False
        baseline = self.load_baseline()
        if baseline is None:
            return False
        confirmation.remeasure_suspects(self.suspects, self.run, baseline, self.threshold)
        self.suspects.clear()
        confirmation.confirm_in_fresh_processes(self.run, baseline, self.threshold, forwarded, rootdir)
        self.verdicts = rules.compare(baseline, self.run, self.threshold)
        return any(verdict.verdict == "regression" for verdict in self.verdicts)

    def summary(self) -> list[str]:
        """The lines of the terminal summary: the verdict table, then any message."""
        lines = [render(self.verdicts, self.baseline_path, self.threshold)] if self.verdicts is not None else []
        return lines + ([self.message] if self.message else [])
