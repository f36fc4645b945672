"""The gate's rules: from a baseline's extra_info and this run's, a limit and a verdict. Pure maths.

Stored mode compares each benchmark's GATE_SCORE: the first quartile (q1) of its round times, as
pytest-benchmark computes it (`q1`, the suite's only q1). A low quantile ignores the rounds that
interference made slow, and unlike the minimum it is not one lucky round. It is not divided by
any reference: a stored baseline is only compared on a machine with the same fingerprint, and a
torch.mm reference would cancel the torch and MKL regressions the gate exists to catch (docs/gate.md
has the measurements).

A benchmark's limit, the ratio of scores above which it is a regression, is
    (1 + allowed slowdown) x memory excuse
where the allowed slowdown is the larger of the threshold and the noise its baseline recorded
between processes (nngate.gate.baselines). A measurement is quiet when a fixed streaming add
through main memory, timed beside it, is within QUIET_PRESSURE of its baseline time; then the
excuse is 1. A benchmark over its plain limit is a suspect whatever the pressure, and is timed
again (nngate.gate.confirmation), which keeps a quiet measurement over any measurement under
pressure: a neighbour's memory traffic is waited out, not excused. Only where no quiet measurement
could be had does the excuse (how much slower the streaming add is than at baseline time) widen
the limit, so that a spell of traffic that outlasts the run does not fail it.

Instruction counts are judged apart (`with_counts_and_ops`): a count repeats far more closely than a time
(docs/instructions.md), so more than the instructions threshold fails without re-measuring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from nngate import schema
from nngate.probe.ops import kernel_changes, op_changes
from nngate.schema import Verdict

QUIET_PRESSURE = 1.10  # the streaming add within 10% of its baseline time: memory as quiet as then
SPREAD_MARGIN = 2.0  # an instructions limit is at least this many times the spread the counted calls showed


def gate_entries(q1_seconds: float, memory_reference: float) -> dict:
    """The extra_info entries the gate judges, from one measurement and the streaming add beside it."""
    return {schema.GATE_SCORE: q1_seconds, schema.GATE_SECONDS: q1_seconds, schema.MEMORY_PRESSURE: memory_reference}


def score_ratio(baseline: dict | None, now: dict) -> float | None:
    """Change of the score: 1.15 is 15% slower on an equal machine; None without both scores."""
    if not baseline or not baseline.get(schema.GATE_SCORE) or not now.get(schema.GATE_SCORE):
        return None
    return now[schema.GATE_SCORE] / baseline[schema.GATE_SCORE]


def widened(threshold: float, noise: float | None) -> float:
    """The one place a limit widens for noise, in either mode: the threshold, or the noise measured
    between processes of unchanged code where larger (stored mode: the baseline's GATE_NOISE; A/B
    mode: the benchmark's spread in .benchmarks/spreads.json, nngate.gate.spread)."""
    return max(threshold, noise or 0.0)


def allowed_slowdown(baseline: dict | None, threshold: float) -> float:
    """The slowdown this benchmark may show in stored mode (`widened` by the baseline's noise)."""
    return widened(threshold, (baseline or {}).get(schema.GATE_NOISE))


def pressure_ratio(baseline: dict | None, now: dict) -> float:
    """How much slower the streaming add is now than at baseline time (1 where either lacks it)."""
    if not baseline or not baseline.get(schema.MEMORY_PRESSURE) or not now.get(schema.MEMORY_PRESSURE):
        return 1.0
    return now[schema.MEMORY_PRESSURE] / baseline[schema.MEMORY_PRESSURE]


def is_quiet(baseline: dict | None, now: dict) -> bool:
    return pressure_ratio(baseline, now) <= QUIET_PRESSURE


def memory_excuse(baseline: dict | None, now: dict) -> float:
    """1 for a quiet measurement; else how much slower main memory is than at baseline time."""
    return 1.0 if is_quiet(baseline, now) else pressure_ratio(baseline, now)


def is_suspect(baseline: dict | None, now: dict, threshold: float) -> bool:
    """Over the plain limit, the memory excuse left out: such a measurement is timed again."""
    ratio = score_ratio(baseline, now)
    return ratio is not None and ratio > 1 + allowed_slowdown(baseline, threshold)


def limit_ratio(baseline: dict | None, now: dict, threshold: float) -> float:
    """The ratio above which `now` is a regression against `baseline`."""
    return (1 + allowed_slowdown(baseline, threshold)) * memory_excuse(baseline, now)


def ratio_over_limit(baseline: dict | None, now: dict, threshold: float) -> float:
    """Score ratio / limit: above 1 is a regression (0 without both scores). Of several measurements
    of one benchmark, the lowest counts."""
    ratio = score_ratio(baseline, now)
    return 0.0 if ratio is None else ratio / limit_ratio(baseline, now, threshold)


def incomparable(baseline: dict, now: dict) -> str | None:
    """Why two results cannot be compared (the settings that differ, or a missing score); None when
    they can."""
    differing = [key for key in schema.COMPARABLE_SETTINGS if schema.setting(baseline, key) != schema.setting(now, key)]
    if differing:
        return ", ".join(f"{key} {schema.setting(baseline, key)} vs {schema.setting(now, key)}" for key in differing)
    return "no score" if score_ratio(baseline, now) is None else None


def judge(baseline: dict | None, now: dict, threshold: float) -> Verdict:
    """Stored mode's verdict on one benchmark (`incomparable` says why where it is NOT_COMPARABLE)."""
    if baseline is None:
        return Verdict.NEW
    if incomparable(baseline, now):
        return Verdict.NOT_COMPARABLE
    if ratio_over_limit(baseline, now, threshold) > 1:
        return Verdict.REGRESSION
    return (
        Verdict.FASTER if score_ratio(baseline, now) < 1 / (1 + allowed_slowdown(baseline, threshold)) else Verdict.OK
    )


@dataclass(frozen=True)
class BenchmarkVerdict:
    name: str
    verdict: Verdict
    baseline_seconds: float | None  # the other side's q1 time
    now_seconds: float | None  # this side's
    ratio: float | None  # stored mode: change of the score; A/B mode: median of the paired ratios
    limit: float  # the ratio above which this benchmark is a regression (see `limit_ratio`)
    pairs: tuple[float, ...] = ()  # A/B mode: each pair's ratio, in the order timed
    instructions_ratio: float | None = None  # instructions per call, this side / the other; None without both
    instructions_limit: float | None = None  # the instructions ratio that fails (see `instructions_limit`)
    op_changes: tuple[str, ...] = ()  # how the ops of one call differ from the other side's (nngate.probe.ops)
    kernel_changes: tuple[str, ...] | None = None  # how its kernels differ, less the op changes; None: not listed
    why: str = ""  # NOT_COMPARABLE: the reason
    process_ratios: tuple[float, ...] = ()  # A/B mode: each process pair's ratio (nngate.gate.process_pairs)
    limit_why: str = ""  # why the limit is wider than the threshold, where it is
    counting: str = ""  # with --instructions: "counted", or why it was timed only (nngate.gate.counting_policy)

    @property
    def text(self) -> str:
        """The verdict as the table prints it and extra_info keeps it."""
        return f"{self.verdict}: {self.why}" if self.why else str(self.verdict)


def compare(baseline: dict[str, dict], timed: dict[str, dict], threshold: float) -> list[BenchmarkVerdict]:
    """Stored mode: each benchmark of this run against the baseline's extra_info of the same name."""
    verdicts = []
    for name, now in timed.items():
        before = baseline.get(name)
        verdicts.append(
            BenchmarkVerdict(
                name,
                judge(before, now, threshold),
                (before or {}).get(schema.GATE_SECONDS),
                now.get(schema.GATE_SECONDS),
                score_ratio(before, now),
                limit_ratio(before, now, threshold),
                why=(incomparable(before, now) or "") if before is not None else "",
            )
        )
    return verdicts


def instructions_ratio(before: dict | None, now: dict | None) -> float | None:
    """Change of the instruction count per call: 1.02 is 2% more work; None without both counts, or
    where they were taken by different methods (an older baseline's count means something else)."""
    if not before or not now or not before.get(schema.INSTRUCTIONS) or not now.get(schema.INSTRUCTIONS):
        return None
    if before.get(schema.INSTRUCTIONS_METHOD) != now.get(schema.INSTRUCTIONS_METHOD):
        return None
    return now[schema.INSTRUCTIONS] / before[schema.INSTRUCTIONS]


def instructions_limit(before: dict | None, now: dict | None, threshold: float) -> float:
    """The instructions ratio above which a benchmark is an instructions regression: 1 + the
    threshold, or more where either side's counted calls spread further (SPREAD_MARGIN times it)."""
    spreads = [(side or {}).get(schema.INSTRUCTIONS_SPREAD) or 0.0 for side in (before, now)]
    return 1 + max(threshold, SPREAD_MARGIN * max(spreads))


def with_counts_and_ops(
    verdict: BenchmarkVerdict, before: dict | None, now: dict | None, instructions_threshold: float
) -> BenchmarkVerdict:
    """The timing verdict, judged again on what both sides ran (their instruction counts and op
    lists, where both have them). A count needs no re-measuring: over its limit
    (`instructions_limit`) it is an instructions regression whatever the timing said. Ops that changed with no verdict
    from time or count are changed work, reported, not failed: a silent fallback (attention
    implementation, dtype, layout) shows up so, and so do kernels that changed under the same ops (a
    backend switched off, another SDPA kernel)."""
    ratio, limit = instructions_ratio(before, now), instructions_limit(before, now, instructions_threshold)
    changes = tuple(op_changes(before[schema.OPS], now[schema.OPS])) if _both_have(before, now, schema.OPS) else ()
    kernels = (
        tuple(kernel_changes(before[schema.KERNELS], now[schema.KERNELS], list(changes)))
        if _both_have(before, now, schema.KERNELS)
        else None
    )
    judged = verdict.verdict
    if judged in (Verdict.OK, Verdict.FASTER) and ratio is not None and ratio > limit:
        judged = Verdict.INSTRUCTIONS_REGRESSION
    elif judged == Verdict.OK and (changes or kernels):
        judged = Verdict.CHANGED_WORK
    limit = limit if ratio is not None else None
    return replace(
        verdict,
        verdict=judged,
        instructions_ratio=ratio,
        instructions_limit=limit,
        op_changes=changes,
        kernel_changes=kernels,
    )


def _both_have(before: dict | None, now: dict | None, key: str) -> bool:
    return bool(before and now and isinstance(before.get(key), dict) and isinstance(now.get(key), dict))
