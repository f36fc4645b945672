"""The gate's verdict table, as the terminal summary prints it."""

from __future__ import annotations

from nngate.gate.counting_policy import COUNTED
from nngate.gate.rules import BenchmarkVerdict
from nngate.schema import GateMode, Verdict

HEADER = ("benchmark", "baseline", "now", "ratio", "verdict", "limit", "instructions", "processes")
# Verdicts whose op changes are printed under the table (with "ops unchanged" where none changed).
EXPLAINED = (Verdict.REGRESSION, Verdict.INSTRUCTIONS_REGRESSION, Verdict.CHANGED_WORK, Verdict.FASTER)
LEGEND = {
    GateMode.STORED: "baseline, now: q1 round time in ms; ratio: change of the q1 time; limit: the ratio that fails, "
    "threshold or the baseline's process noise, widened by memory pressure only where no quiet "
    "measurement was had",
    GateMode.AB: "baseline (base revision), now (working tree): median over slots of a slot's q1 call time in ms; "
    "processes: each pair of fresh processes' ratio, the median over its slot pairs of working-tree slot / "
    "base slot, the two slots of a pair moments apart; ratio: the median over process pairs; limit: 1 + the "
    "threshold, or + the benchmark's measured process spread where larger",
}


def _milliseconds(seconds: float | None) -> str:
    return f"{seconds * 1e3:.3f}" if seconds else "-"


def short_name(name: str) -> str:
    return name.split("::")[-1]


def _instructions(ratio: float | None, limit: float | None, counting: str) -> str:
    if ratio is None:
        return counting if counting and counting != COUNTED else "-"
    return f"{ratio - 1:+.3%}" + (f" (limit {limit - 1:+.1%})" if limit is not None else "")


def _row(verdict: BenchmarkVerdict) -> tuple[str, ...]:
    return (
        short_name(verdict.name),
        _milliseconds(verdict.baseline_seconds),
        _milliseconds(verdict.now_seconds),
        f"{verdict.ratio:.3f}" if verdict.ratio else "-",
        verdict.text,
        f"{verdict.limit:.3f}",
        _instructions(verdict.instructions_ratio, verdict.instructions_limit, verdict.counting),
        " ".join(f"{ratio:.3f}" for ratio in verdict.process_ratios) or "-",
    )


def _summary(verdicts: list[BenchmarkVerdict], about: str, threshold: float, instructions_threshold: float) -> str:
    failed = sum(verdict.verdict.fails for verdict in verdicts)
    judged = sum(verdict.verdict not in (Verdict.NEW, Verdict.NOT_COMPARABLE) for verdict in verdicts)
    return (
        f"gate: {failed} regression(s) of {len(verdicts)} benchmarks ({judged} judged), threshold +{threshold:.0%} "
        f"time, +{instructions_threshold:.0%} instructions; {about}"
    )


def _legend(verdicts: list[BenchmarkVerdict], mode: GateMode) -> str:
    modes = [mode] + ([GateMode.AB] if mode != GateMode.AB and any(verdict.pairs for verdict in verdicts) else [])
    legends = "; ".join(f"{'A/B rows: ' if index else ''}{LEGEND[each]}" for index, each in enumerate(modes))
    return (
        f"({legends}; instructions: change of the instruction count per call, where both sides have one, and the "
        "change that fails: the instructions threshold, or twice the larger spread of either side's counted calls; "
        "'timed only' where a call is too slow to count and its timing is what judges it)"
    )


def _explained(verdicts: list[BenchmarkVerdict]) -> list[tuple[str, str]]:
    """(benchmark, what changed in its ops and kernels) for each flagged benchmark: `ops unchanged;
    kernels -20 aten::mkldnn_convolution +20 aten::_slow_conv2d_forward ...`."""
    explained = []
    for v in verdicts:
        if v.verdict in EXPLAINED and (v.op_changes or v.kernel_changes or v.verdict.fails):
            said = f"ops {' '.join(v.op_changes) if v.op_changes else 'unchanged'}"
            if v.kernel_changes is not None:
                said += f"; kernels {' '.join(v.kernel_changes) if v.kernel_changes else 'unchanged'}"
            explained.append((short_name(v.name), said))
    return explained


def _wider(verdicts: list[BenchmarkVerdict]) -> list[tuple[str, str]]:
    """(benchmark, why) for each benchmark whose limit is wider than the threshold."""
    return [(short_name(v.name), f"limit {v.limit:.3f}: {v.limit_why}") for v in verdicts if v.limit_why]


def render(
    verdicts: list[BenchmarkVerdict], mode: GateMode, about: str, threshold: float, instructions_threshold: float
) -> str:
    """q1 times in ms, the ratio, the verdict, each benchmark's limit, the change of its
    instruction count and (A/B) its pair ratios; then what changed in the ops of each flagged
    benchmark, and a summary line that names the mode and what was compared (`about`)."""
    rows = [_row(verdict) for verdict in verdicts]
    widths = [max(len(cell) for cell in column) for column in zip(HEADER, *rows, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (HEADER, *rows)
    ]
    lines += [f"  {name}: {said}" for name, said in _explained(verdicts) + _wider(verdicts)]
    lines.append(_summary(verdicts, about, threshold, instructions_threshold))
    lines.append(_legend(verdicts, mode))
    return "\n".join(lines)


def markdown(
    verdicts: list[BenchmarkVerdict], mode: GateMode, about: str, threshold: float, instructions_threshold: float
) -> str:
    """The same table as Markdown, for a CI job's summary page ($GITHUB_STEP_SUMMARY)."""

    def cells(row) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"

    lines = ["### nnbench gate", "", cells(HEADER), "|" + "---|" * len(HEADER)]
    lines += [cells(_row(verdict)) for verdict in verdicts]
    lines += [""] + [f"- `{name}`: {said}" for name, said in _explained(verdicts) + _wider(verdicts)]
    lines += ["", _summary(verdicts, about, threshold, instructions_threshold), "", _legend(verdicts, mode), ""]
    return "\n".join(lines)
