"""The gate's fields in each benchmark's extra_info: what the saved JSON says the gate decided, and
against what (schema's GATE_* keys)."""

from __future__ import annotations

from nngate import schema
from nngate.gate import rules
from nngate.gate.plan import ABPlan, StoredPlan
from nngate.schema import GateMode


def write(measured: dict[str, dict], verdicts: list[rules.BenchmarkVerdict], plan: StoredPlan | ABPlan) -> None:
    """Each verdict into its benchmark's extra_info (`measured`: fullname -> extra_info)."""
    base_commit = plan.commit if isinstance(plan, ABPlan) else plan.fallback_commit
    for verdict in verdicts:
        info = measured[verdict.name]
        info.update(
            {
                schema.GATE_MODE: str(GateMode.AB if verdict.pairs else plan.mode),
                schema.GATE_VERDICT: verdict.text,
                schema.GATE_RATIO: verdict.ratio,
                schema.GATE_LIMIT: verdict.limit,
                schema.GATE_INSTRUCTIONS_RATIO: verdict.instructions_ratio,
                schema.GATE_INSTRUCTIONS_LIMIT: verdict.instructions_limit,
                schema.GATE_OP_CHANGES: list(verdict.op_changes),
                schema.GATE_KERNEL_CHANGES: None if verdict.kernel_changes is None else list(verdict.kernel_changes),
                schema.GATE_LIMIT_WHY: verdict.limit_why,
            }
        )
        if isinstance(plan, ABPlan) or verdict.pairs:
            info.update(
                {
                    schema.GATE_PAIRS: list(verdict.pairs),
                    schema.GATE_PROCESS_RATIOS: list(verdict.process_ratios),
                    schema.GATE_BASE_COMMIT: base_commit,
                }
            )
