"""The gate over one pytest run: what was timed, the suspects, and at the end an outcome.

The plugin builds it from the options (nngate.gate.options) and the plan (nngate.gate.plan),
forwards each timed benchmark to `record`, calls `finish` once, and prints the outcome it
returns. The mode comes from the plan's type:
  * StoredPlan: suspects are timed again (nngate.gate.confirmation), then compared with the
    baseline (nngate.gate.rules);
  * ABPlan: the base revision is timed beside the working tree (nngate.gate.ab);
  * NoComparison: one line, and under --gate-strict a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from nngate import schema
from nngate.gate import confirmation, counting_policy, coverage, instructions, rules, verdict_fields
from nngate.gate.ab import ABResult, ABRunner
from nngate.gate.counting_policy import CountingChoice
from nngate.gate.instructions import Counted, CountSide
from nngate.gate.options import GateOptions
from nngate.gate.plan import ABPlan, NoComparison, Plan, StoredPlan
from nngate.gate.spread import Spreads, load_recorded, spreads_file, spreads_for
from nngate.gate.table import markdown, render, short_name
from nngate.harness.measure import Measurement
from nngate.runtime.git import commits_since
from nngate.runtime.machine import Fingerprint
from nngate.runtime.processes import RunError
from nngate.schema import Verdict

REGRESSION_EXIT = 1  # pytest's TESTS_FAILED: a regression stands, or the gate could not judge
NOTHING_TIMED = "gate: no benchmark was timed (all skipped or deselected, or --benchmark-disable); nothing to compare"


@dataclass(frozen=True)
class Outcome:
    """What the gate decided: the verdicts (None where it gave none), the summary's lines, the
    run's exit status from the gate's side (0; REGRESSION_EXIT; or INTERRUPTED_EXIT where the run was
    interrupted and nothing was judged, nngate.plugin), and the verdict table as Markdown for a CI
    summary ("" without verdicts)."""

    verdicts: list[rules.BenchmarkVerdict] | None
    lines: list[str]
    exit_status: int
    markdown: str = ""


@dataclass
class GateSession:
    options: GateOptions
    plan: Plan | None  # None: not gating (instruction counts alone may still be asked for)
    machine: Fingerprint | None = None  # this machine's fingerprint, where gating
    selected: list[str] = field(default_factory=list)  # node ids of the benchmarks collected to run
    measured: dict[str, dict] = field(default_factory=dict)  # fullname -> extra_info of each benchmark timed here
    suspects: dict[str, Measurement] = field(default_factory=dict)  # stored mode: over their limit at first
    run_lines: list[str] = field(default_factory=list)  # what the A/B runner and the instruction counting did
    counting: dict[str, CountingChoice] = field(default_factory=dict)  # --instructions: counted or timed only, why
    plain: set[str] = field(default_factory=set)  # selected tests that call pytest-benchmark's fixture directly
    pedantic_timed: list[str] = field(default_factory=list)  # those timed with benchmark.pedantic: never judged

    @property
    def reports(self) -> bool:
        """Whether the run's summary has a section of ours: the gate's, or the counting's."""
        return self.plan is not None or self.options.instructions

    def record(self, name: str, info: dict, measurement: Measurement) -> None:
        """Add the gate's entries to a benchmark's extra_info; in stored mode a benchmark over its plain
        limit becomes a suspect, re-measured at the end of the session (a burst of interference has passed)."""
        info.update(rules.gate_entries(measurement.q1_seconds, measurement.memory_reference_seconds))
        self.measured[name] = info
        plan = self.plan
        if isinstance(plan, StoredPlan) and rules.is_suspect(plan.baseline.get(name), info, self.options.threshold):
            self.suspects[name] = measurement

    def record_plain(self, name: str, info: dict, q1_seconds: float) -> None:
        """A benchmark a test timed with `benchmark(fn)` alone, judged like any other: its score is the
        fixture's own first quartile of per-call times. It has no streaming reference beside it (no
        memory excuse), and no body kept to time again in this process: in stored mode a suspect is
        confirmed in fresh processes; in A/B mode the sides time its body as they time every other."""
        info.update({schema.GATE_SCORE: q1_seconds, schema.GATE_SECONDS: q1_seconds})
        self.measured[name] = info

    def finish(self) -> Outcome:
        """Confirm suspects (stored) or time the base beside the working tree (A/B), count
        instructions where asked, then give the verdicts."""
        plan, options = self.plan, self.options
        if self.measured and not isinstance(plan, ABPlan) and self._can_count():  # A/B counts both sides itself
            # Stored mode counts only what the baseline has a count of, taken this way: nothing else compares.
            comparable = (
                counting_policy.comparable(plan.baseline, instructions.METHOD) if isinstance(plan, StoredPlan) else None
            )
            self._took_counts(
                self._count([CountSide(options.rootdir, "working tree", self._working_tree_options())], comparable)
            )
        if plan is None:  # not gating: the instruction counts alone
            return Outcome(None, self._lines([]), 0)
        notes = list(plan.notes) + self._pedantic_note()
        if not self.measured or isinstance(plan, NoComparison):
            if isinstance(plan, NoComparison):
                notes.append(plan.reason)
            elif not self.pedantic_timed:  # where pedantic tests were timed, their note above says what was
                notes.append(NOTHING_TIMED)
            return self._outcome(self._lines(notes), None)
        try:
            if isinstance(plan, StoredPlan):
                verdicts, base_ran, tree_ran = self._stored(plan, notes), plan.baseline, self.measured
            else:
                result = self._ab(plan.commit, list(self.measured), self._can_count())
                verdicts, base_ran, tree_ran = result.verdicts, result.base_ran, result.tree_ran
        except RunError as error:
            return Outcome(
                None, self._lines([*notes, f"gate: {error}; the run fails: nothing was judged"]), REGRESSION_EXIT
            )
        verdicts = [
            replace(
                rules.with_counts_and_ops(
                    verdict, base_ran.get(verdict.name), tree_ran.get(verdict.name), options.instructions_threshold
                ),
                counting=self.counting[verdict.name].why if verdict.name in self.counting else "",
            )
            for verdict in verdicts
        ]
        verdict_fields.write(self.measured, verdicts, plan)
        args = (verdicts, plan.mode, plan.describe(self.machine), options.threshold, options.instructions_threshold)
        failed = any(verdict.verdict.fails for verdict in verdicts)
        if failed and isinstance(plan, ABPlan):
            notes.extend(bisect_hint(options.rootdir, plan.commit, verdicts))
        outcome = self._outcome([render(*args), *self.run_lines, *notes], verdicts, failed)
        return replace(outcome, markdown=markdown(*args))

    def _pedantic_note(self) -> list[str]:
        """The benchmarks a test timed with benchmark.pedantic, named: their own setup and rounds cannot
        be timed again or A/B, and the gate says so rather than pass them in silence."""
        if not self.pedantic_timed:
            return []
        names = ", ".join(short_name(name) for name in self.pedantic_timed[: coverage.NAMES_SHOWN])
        more = len(self.pedantic_timed) - coverage.NAMES_SHOWN
        return [
            f"gate: {len(self.pedantic_timed)} benchmark(s) {coverage.PEDANTIC} were not judged "
            f"(the gate judges `benchmark(fn)` and `measure`): {names}" + (f" and {more} more" if more > 0 else "")
        ]

    def _outcome(self, lines: list[str], verdicts, failed: bool = False) -> Outcome:
        """The outcome, with --gate-strict's line and failure where a selected benchmark was not judged."""
        if self.options.strict and verdicts is None:
            lines = [*lines, "gate: --gate-strict: nothing was judged; the run fails"]
            failed = True
        elif self.options.strict and (
            reasons := coverage.unjudged(self.selected or list(self.measured), verdicts, set(self.pedantic_timed))
        ):
            lines = [*lines, coverage.strict_failure(reasons, len(self.selected or self.measured))]
            failed = True
        return Outcome(verdicts, lines, REGRESSION_EXIT if failed else 0)

    def _ab(self, commit: str, names: list[str], count: bool) -> ABResult:
        """`names` timed A/B against `commit`, both sides counted where `count`."""
        options = self.options
        runner = ABRunner(
            options.rootdir,
            commit,
            list(options.shared_options),
            list(options.working_tree_options),
            options.threshold,
            options.max_pairs,
            self._spreads(),
            options.max_process_pairs,
            threads=options.threads,
        )
        result = runner.run(names, self._count if count else None)
        self._took_counts(result.counted)
        if result.note:
            self.run_lines.append(result.note)
            return result
        self.run_lines.append(
            f"A/B: {result.process_pairs} process pair(s) of at most {options.max_process_pairs} (one more only for "
            f"the benchmarks still undecided); {runner.spreads.source}"
        )
        return result

    def _spreads(self) -> Spreads:
        found = (
            spreads_for(self.machine, load_recorded(spreads_file(self.options.rootdir)))
            if self.machine is not None
            else Spreads()
        )
        return replace(found, unmeasured=self.options.unmeasured_spread)

    def _stored(self, plan: StoredPlan, notes: list[str]) -> list[rules.BenchmarkVerdict]:
        """Suspects confirmed, then each benchmark against the baseline; those the baseline lacks
        timed A/B against the commit that recorded it, where that commit can be had."""
        threshold = self.options.threshold
        confirmation.remeasure_suspects(self.suspects, self.measured, plan.baseline, threshold)
        self.suspects.clear()
        confirmation.confirm_in_fresh_processes(
            self.measured, plan.baseline, threshold, self._working_tree_options(), self.options.rootdir
        )
        verdicts = rules.compare(plan.baseline, self.measured, threshold)
        lacking = [verdict.name for verdict in verdicts if verdict.verdict == Verdict.NEW]
        if not lacking:
            return verdicts
        if plan.fallback_commit is None:
            notes.append(
                f"gate: {len(lacking)} benchmark(s) the baseline lacks stay new: "
                + (plan.fallback_problem or "it names no commit that recorded it")
            )
            return verdicts
        try:
            paired = {verdict.name: verdict for verdict in self._ab(plan.fallback_commit, lacking, False).verdicts}
        except RunError as error:
            notes.append(f"gate: {len(lacking)} benchmark(s) the baseline lacks stay new: {error}")
            return verdicts
        notes.append(
            f"gate: {len(lacking)} benchmark(s) the baseline lacks were timed A/B against the commit that "
            f"recorded it, {plan.fallback_commit[:12]}"
        )
        return [paired.get(verdict.name, verdict) for verdict in verdicts]

    def _lines(self, message: list[str]) -> list[str]:
        return [*self.run_lines, *message]

    def _working_tree_options(self) -> list[str]:
        return [*self.options.shared_options, *self.options.working_tree_options]

    def _can_count(self) -> bool:
        """--instructions, and this machine can count them; else a line that says why not (once)."""
        if not self.options.instructions:
            return False
        device = self.options.device
        why = (
            f"--device {device.type} runs its work where callgrind does not see it"
            if device.type != "cpu"
            else instructions.unavailable()
        )
        if why and not any(line.startswith("instructions: not counted") for line in self.run_lines):
            self.run_lines.append(f"instructions: not counted: {why}; the timing gate runs without them")
        return why is None

    def _count(self, sides: list[CountSide], comparable: set[str] | None = None) -> list[Counted]:
        """Instructions per call, in each side, of the timed benchmarks whose count pays for itself
        (nngate.gate.counting_policy) and, where `comparable` names them, that the other side has a
        count to compare with; each one's choice into its extra_info."""
        call_seconds = {name: info.get(schema.GATE_SECONDS) for name, info in self.measured.items()}
        self.counting = counting_policy.choices(
            call_seconds, self._spreads().by_name, self.options.threshold, comparable
        )
        for name, choice in self.counting.items():
            self.measured[name][schema.INSTRUCTIONS_COUNTING] = choice.why
        chosen = [name for name in self.measured if self.counting[name].counted]
        weights = {name: seconds or 0.0 for name, seconds in call_seconds.items()}
        return instructions.count_sides(sides, chosen, weights) if chosen else [Counted(side.label) for side in sides]

    def _took_counts(self, counted: list[Counted]) -> None:
        """Each side's counting run, in lines for the summary; the working tree's counts (the first
        side's) into this run's extra_info."""
        self.run_lines.extend(counting_policy.summary_lines(self.counting, counted, len(self.measured)))
        for name, info in self.measured.items():
            info.update(counted[0].entries(name) if counted else {})


def bisect_hint(rootdir: Path, base: str, verdicts: list[rules.BenchmarkVerdict]) -> list[str]:
    """Where the A/B comparison spans more than one commit, the command that finds the first slower one."""
    since = commits_since(rootdir, base) or 0
    if since < 2:
        return []
    failed = [verdict for verdict in verdicts if verdict.verdict.fails]
    names = " or ".join(verdict.name.rsplit("::", 1)[-1] for verdict in failed)
    instructions = " --instructions" if all(v.verdict == Verdict.INSTRUCTIONS_REGRESSION for v in failed) else ""
    return [
        f"gate: {since} commits since {base[:12]}: to find the first slower one, run "
        f'nngate bisect --good {base[:12]} --bad HEAD -k "{names}"{instructions}'
    ]
