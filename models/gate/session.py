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
from models.gate import confirmation, instructions, rules
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
    instructions: bool = False  # --instructions: count instructions per call under callgrind
    instructions_threshold: float = rules.DEFAULT_INSTRUCTIONS_THRESHOLD
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
    counting_lines: list[str] = field(default_factory=list)  # what the instruction counting did, for the summary

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

    @property
    def reports(self) -> bool:
        """Whether the run's summary has a section of ours: the gate's, or the counting's."""
        return self.enabled or self.instructions

    def finish(self, shared_options: list[str], working_tree_options: list[str]) -> bool:
        """Confirm suspects (stored) or time the base beside the working tree (A/B), count
        instructions where asked, then give the verdicts. True when the run must fail: a regression
        stands, or the gate could not judge."""
        if not self.run:
            if self.enabled:
                self.message = self.message or "gate: no benchmark was timed; nothing to compare"
            return False
        if self.mode != "A/B" and self._can_count():
            self._count([(self.rootdir, "working tree", shared_options + working_tree_options)])
        if not self.enabled:
            return False
        if self.mode is None:
            return self.strict
        if self.mode == "stored":
            confirmation.remeasure_suspects(self.suspects, self.run, self.baseline, self.threshold)
            self.suspects.clear()
            confirmation.confirm_in_fresh_processes(self.run, self.baseline, self.threshold,
                                                    shared_options + working_tree_options, self.rootdir)
            verdicts, base_work, tree_work = rules.compare(self.baseline, self.run, self.threshold), self.baseline, self.run
        else:
            runner = ABRunner(self.rootdir, self.commit, shared_options, working_tree_options, self.threshold,
                              self.max_pairs, self._can_count(), self._weights())
            try:
                verdicts = runner.run(list(self.run))
            except RevisionError as error:
                self.message, self.failed_to_judge = f"gate: {error}; the run fails: nothing was judged", True
                return True
            self._took_counts(runner.counted)
            base_work, tree_work = runner.base_work, runner.tree_work
        self.verdicts = [rules.with_work(verdict, base_work.get(verdict.name), tree_work.get(verdict.name),
                                         self.instructions_threshold) for verdict in verdicts]
        self._write_verdicts()
        return any(verdict.verdict in rules.FAILING for verdict in self.verdicts)

    def _can_count(self) -> bool:
        """--instructions, and this machine can count them; else a line that says why not (once)."""
        if not self.instructions:
            return False
        if self.device.type != "cpu":
            why = f"--device {self.device.type} runs its work where callgrind does not see it"
        else:
            why = instructions.unavailable()
        if why and not any(line.startswith("instructions: not counted") for line in self.counting_lines):
            self.counting_lines.append(f"instructions: not counted: {why}; the timing gate runs without them")
        return why is None

    def _weights(self) -> dict[str, float]:
        return {name: info.get(schema.GATE_SECONDS) or 0.0 for name, info in self.run.items()}

    def _count(self, sides: list) -> None:
        self._took_counts(instructions.count_sides(sides, list(self.run), self._weights()))

    def _took_counts(self, counted: list[instructions.Counted]) -> None:
        """Each side's counting run, in lines for the summary; the working tree's counts (the first
        side's) into this run's extra_info."""
        for side in counted:
            self.counting_lines.append(
                f"instructions: {len(side.per_call)} of {len(self.run)} benchmarks counted under callgrind in the "
                f"{side.label}, {side.seconds:.0f} s ({instructions.COUNTED_CALLS} call after the warm-up, "
                f"1 thread, ISA capped at SSE4)" + (f"; {side.problem}" if side.problem else ""))
        for name, count in (counted[0].per_call.items() if counted else ()):
            if name in self.run:
                self.run[name][schema.INSTRUCTIONS] = count

    def _write_verdicts(self) -> None:
        """Each verdict into its benchmark's extra_info, so the saved JSON says what the gate decided."""
        for verdict in self.verdicts:
            self.run[verdict.name].update({
                schema.GATE_MODE: self.mode, schema.GATE_VERDICT: verdict.verdict, schema.GATE_RATIO: verdict.ratio,
                schema.GATE_LIMIT: verdict.limit, schema.GATE_INSTRUCTIONS_RATIO: verdict.instructions_ratio,
                schema.GATE_OP_CHANGES: list(verdict.op_changes), **({schema.GATE_PAIRS: list(verdict.pairs),
                                                       schema.GATE_BASE_COMMIT: self.commit} if self.mode == "A/B" else {})})

    def summary(self) -> list[str]:
        """The lines of the terminal summary: the verdict table, then any message."""
        lines = [render(self.verdicts, self.about, self.threshold, self.instructions_threshold)] \
            if self.verdicts is not None else []
        return lines + self.counting_lines + ([self.message] if self.message else [])
