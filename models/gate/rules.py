"""The gate's rules: from a baseline's extra_info and this run's, a limit and a verdict. Pure maths.

Stored mode compares each benchmark's GATE_SCORE: the first quartile (q1) of its round times. A low
quantile ignores the rounds that interference made slow, and unlike the minimum it is not one lucky
round. It is not divided by any reference: a stored baseline is only compared on a machine with the
same fingerprint, and measured here no reference workload cancelled a neighbour's interference
while a torch.mm reference would cancel the torch and MKL regressions the gate exists to catch
(README, "The gate").

A benchmark's limit, the ratio of scores above which it is a regression, is
    (1 + allowed slowdown) x memory excuse
where the allowed slowdown is the larger of the threshold and the noise its baseline recorded
between processes (models.gate.baselines). A measurement is quiet when a fixed streaming add
through main memory, timed beside it, is within QUIET_PRESSURE of its baseline time; then the
excuse is 1. A benchmark over its plain limit is a suspect whatever the pressure, and is timed
again (models.gate.confirmation), which keeps a quiet measurement over any measurement under
pressure: a neighbour's memory traffic is waited out, not excused. Only where no quiet measurement
could be had does the excuse (how much slower the streaming add is than at baseline time) widen
the limit, so that a spell of traffic that outlasts the run does not fail it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from models import schema
from models.gate.work import op_changes

DEFAULT_THRESHOLD = 0.10  # README "The gate" has the false-alarm and detection runs behind it
QUIET_PRESSURE = 1.10  # the streaming add within 10% of its baseline time: memory as quiet as then
DEFAULT_INSTRUCTIONS_THRESHOLD = 0.01  # counts repeat to a few parts in a million (README, "Instruction counts")
VERDICTS = ("ok", "faster", "regression", "instructions regression", "changed work", "new", "not comparable: ...")
FAILING = ("regression", "instructions regression")


def gate_entries(q1_seconds: float, memory_reference: float) -> dict:
    """The extra_info entries the gate judges, from one measurement and the streaming add beside it."""
    return {schema.GATE_SCORE: q1_seconds, schema.GATE_SECONDS: q1_seconds, schema.MEMORY_PRESSURE: memory_reference}


def score_ratio(baseline: dict | None, now: dict) -> float | None:
    """Change of the score: 1.15 is 15% slower on an equal machine; None without both scores."""
    if not baseline or not baseline.get(schema.GATE_SCORE) or not now.get(schema.GATE_SCORE):
        return None
    return now[schema.GATE_SCORE] / baseline[schema.GATE_SCORE]


def allowed_slowdown(baseline: dict | None, threshold: float) -> float:
    """The slowdown this benchmark may show: the threshold, or more where the baseline saw this
    benchmark vary that much between processes of unchanged code."""
    return max(threshold, (baseline or {}).get(schema.GATE_NOISE) or 0.0)


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


def judge(baseline: dict | None, now: dict, threshold: float) -> str:
    """One of VERDICTS; "not comparable: ..." names the settings that differ."""
    if baseline is None:
        return "new"
    differing = [key for key in schema.COMPARABLE_SETTINGS if baseline.get(key) != now.get(key)]
    if differing:
        return "not comparable: " + ", ".join(f"{key} {baseline.get(key)} vs {now.get(key)}" for key in differing)
    ratio = score_ratio(baseline, now)
    if ratio is None:
        return "not comparable: no score"
    if ratio_over_limit(baseline, now, threshold) > 1:
        return "regression"
    return "faster" if ratio < 1 / (1 + allowed_slowdown(baseline, threshold)) else "ok"


@dataclass(frozen=True)
class Verdict:
    name: str
    verdict: str  # one of VERDICTS
    baseline_seconds: float | None  # the other side's q1 round time
    now_seconds: float | None  # this side's
    ratio: float | None  # stored mode: change of the score; A/B mode: median of the paired ratios
    limit: float  # the ratio above which this benchmark is a regression (see `limit_ratio`)
    pairs: tuple[float, ...] = ()  # A/B mode: each pair's ratio, in the order timed
    instructions_ratio: float | None = None  # instructions per call, this side / the other; None without both
    op_changes: tuple[str, ...] = ()  # how the ops of one call differ from the other side's (models.gate.work)


def compare(baseline: dict[str, dict], run: dict[str, dict], threshold: float) -> list[Verdict]:
    """Stored mode: each benchmark of this run against the baseline's extra_info of the same name."""
    verdicts = []
    for name, now in run.items():
        before = baseline.get(name)
        verdicts.append(Verdict(name, judge(before, now, threshold), (before or {}).get(schema.GATE_SECONDS),
                                now.get(schema.GATE_SECONDS), score_ratio(before, now),
                                limit_ratio(before, now, threshold)))
    return verdicts


def instructions_ratio(before: dict | None, now: dict | None) -> float | None:
    """Change of the instruction count per call: 1.02 is 2% more work; None without both counts."""
    if not before or not now or not before.get(schema.INSTRUCTIONS) or not now.get(schema.INSTRUCTIONS):
        return None
    return now[schema.INSTRUCTIONS] / before[schema.INSTRUCTIONS]


def with_work(verdict: Verdict, before: dict | None, now: dict | None, instructions_threshold: float) -> Verdict:
    """The timing verdict, judged again on what both sides ran (their instruction counts and op
    lists, where both have them). A count needs no re-measuring: over 1 + instructions_threshold
    it is an "instructions regression" whatever the timing said. Ops that changed with no verdict
    from time or count are "changed work", reported, not failed: a silent fallback (attention
    implementation, dtype, layout) shows up so."""
    ratio = instructions_ratio(before, now)
    changes = tuple(op_changes(before[schema.OPS], now[schema.OPS])) \
        if before and now and schema.OPS in before and schema.OPS in now else ()
    judged = verdict.verdict
    if judged in ("ok", "faster") and ratio is not None and ratio > 1 + instructions_threshold:
        judged = "instructions regression"
    elif judged == "ok" and changes:
        judged = "changed work"
    return replace(verdict, verdict=judged, instructions_ratio=ratio, op_changes=changes)
