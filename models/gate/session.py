"""The gate's state over one pytest run, as a typed object: the plan (what to compare with), what
was timed, the suspects, the verdicts. The plugin only forwards pytest's hooks to it.

Two modes give the other side of the comparison:
  * stored: a committed baseline whose machine fingerprint equals this machine's;
  * A/B: the base revision timed beside the working tree in this run (models.gate.ab), when no
    stored baseline matches, or whenever --gate-base names a revision.
A baseline or revision that was named and cannot be used is a usage error, never a silent pass.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from models import schema
from models.gate import confirmation, rules
from models.gate.ab import ABRunner, RevisionError, resolve_revision
from models.gate.baselines import (BaselineError, extra_info_by_name, load_document, matching_baseline,
                                   named_baseline, recording_commit, saved_baselines)
from models.gate.machine import Fingerprint, environment_changes, fingerprint, machine_part_of
from models.gate.table import render
from models.harness.measure import Measurement


class GateUsageError(RuntimeError):
    """What was named for the gate cannot be used; one line, and pytest exits with a usage error."""


@dataclass
class GateSession:
    choice: str | None  # the --gate value ("auto", a file or a saved name); None: not gating
    base_revision: str | None  # --gate-base: A/B against this revision
    threshold: float
    storage: Path  # the .benchmarks folder baselines are found in
    rootdir: Path
    device: torch.device
    strict: bool = False  # --gate-strict: finding nothing to compare with fails the run
    max_pairs: int = 5
    machine: Fingerprint | None = None
    mode: str | None = None  # "stored" or "A/B"; None: nothing to compare with
    about: str = ""  # what was compared, for the table's last line
    baseline: dict[str, dict] | None = None  # stored mode: fullname -> the baseline's extra_info
    commit: str | None = None  # A/B mode: the base revision, resolved
    run: dict[str, dict] = field(default_factory=dict)  # fullname -> extra_info of each timed benchmark
    suspects: dict[str, Measurement] = field(default_factory=dict)  # over their limit at first timing
    message: str | None = None  # one line for the user: why nothing was gated
    verdicts: list[rules.Verdict] | None = None
    failed_to_judge: bool = False  # the gate could not give verdicts it was asked for

    @property
    def enabled(self) -> bool:
        return self.choice is not None or self.base_revision is not None

    def plan(self) -> None:
        """Choose the mode before anything is timed; GateUsageError for a named thing that cannot be used."""
        if not self.enabled:
            return
        self.machine = fingerprint(self.device)
        here = self.machine.describe()
        try:
            if self.base_revision is not None:
                self._plan_ab(resolve_revision(self.rootdir, self.base_revision), f"--gate-base={self.base_revision}")
            elif self.choice != "auto":
                path = named_baseline(self.storage, self.choice)
                document = load_document(path)
                recorded = machine_part_of(document)
                if recorded != asdict(self.machine.machine):
                    where = f"on {recorded.get('cpu_model')} ({recorded.get('isa')})" if recorded else "before fingerprints"
                    raise GateUsageError(f"baseline {path} was recorded {where}; this is {here}: a baseline is "
                                         f"never compared on another machine (A/B instead: --gate-base=REV)")
                self._plan_stored(path, document)
            elif (matched := matching_baseline(self.storage, asdict(self.machine.machine))) is not None:
                self._plan_stored(*matched)
            elif (newest := self._newest_recording_commit()) is not None:
                commit, path = newest
                self._plan_ab(resolve_revision(self.rootdir, commit), f"the commit that recorded {path.name}")
            else:
                self.message = (f"gate: nothing to compare with: no committed baseline was recorded on {here} and "
                                f"none names a base revision; pass --gate-base=REV")
        except (BaselineError, RevisionError) as error:
            raise GateUsageError(str(error)) from None

    def _newest_recording_commit(self) -> tuple[str, Path] | None:
        recorded = [(commit, path) for path, document in saved_baselines(self.storage)
                    if (commit := recording_commit(document))]
        return recorded[-1] if recorded else None

    def _plan_stored(self, path: Path, document: dict) -> None:
        self.mode, self.baseline = "stored", extra_info_by_name(document)
        changes = environment_changes(document, self.machine)
        self.about = (f"mode stored: {path}, recorded on {self.machine.describe()}"
                      + (f"; environment changed since: {', '.join(changes)}" if changes else ""))

    def _plan_ab(self, commit: str, why: str) -> None:
        self.mode, self.commit = "A/B", commit
        self.about = (f"mode A/B: working tree against base {commit[:12]} ({why}), timed in alternate slots "
                      f"by two fresh processes on {self.machine.describe()}")

    def record(self, name: str, info: dict, measurement: Measurement) -> None:
        """Add the gate's entries to a benchmark's extra_info; in stored mode a benchmark over its plain
        limit becomes a suspect, re-measured at the end of the session (a burst of interference has passed)."""
        info.update(rules.gate_entries(measurement.q1_seconds, measurement.memory_reference_seconds))
        self.run[name] = info
        if self.mode == "stored" and rules.is_suspect(self.baseline.get(name), info, self.threshold):
            self.suspects[name] = measurement

    def finish(self, shared_options: list[str], working_tree_options: list[str]) -> bool:
        """Confirm suspects (stored) or time the base beside the working tree (A/B), then give the
        verdicts. True when the run must fail: a regression stands, or the gate could not judge."""
        if not self.enabled:
            return False
        if not self.run:
            self.message = self.message or "gate: no benchmark was timed; nothing to compare"
            return False
        if self.mode is None:
            return self.strict
        if self.mode == "stored":
            confirmation.remeasure_suspects(self.suspects, self.run, self.baseline, self.threshold)
            self.suspects.clear()
            confirmation.confirm_in_fresh_processes(self.run, self.baseline, self.threshold,
                                                    shared_options + working_tree_options, self.rootdir)
            self.verdicts = rules.compare(self.baseline, self.run, self.threshold)
        else:
            runner = ABRunner(self.rootdir, self.commit, shared_options, working_tree_options, self.threshold,
                              self.max_pairs)
            try:
                self.verdicts = runner.run(list(self.run))
            except RevisionError as error:
                self.message, self.failed_to_judge = f"gate: {error}; the run fails: nothing was judged", True
                return True
        self._write_verdicts()
        return any(verdict.verdict == "regression" for verdict in self.verdicts)

    def _write_verdicts(self) -> None:
        """Each verdict into its benchmark's extra_info, so the saved JSON says what the gate decided."""
        for verdict in self.verdicts:
            self.run[verdict.name].update({
                schema.GATE_MODE: self.mode, schema.GATE_VERDICT: verdict.verdict, schema.GATE_RATIO: verdict.ratio,
                schema.GATE_LIMIT: verdict.limit, **({schema.GATE_PAIRS: list(verdict.pairs),
                                                       schema.GATE_BASE_COMMIT: self.commit} if self.mode == "A/B" else {})})

    def summary(self) -> list[str]:
        """The lines of the terminal summary: the verdict table, then any message."""
        lines = [render(self.verdicts, self.about, self.threshold)] if self.verdicts is not None else []
        return lines + ([self.message] if self.message else [])
