"""Measured counts of a real model, to prove the formulas: fvcore (with our handles) and FlopCounterMode.

fvcore gaps this module closes or states:
  * `aten::scaled_dot_product_attention` is unsupported by fvcore, so BERT with SDPA would lose
    Q.K^T and A.V. SDPA_HANDLES registers a handle counting exactly what eager attention's two
    matmuls count, so both implementations report the same total.
  * fvcore counts the traced graph, and tracing prunes computation whose result is unused (a
    pooler whose output nobody reads counts 0). `MeasuredCounts.uncalled` lists modules the trace never
    entered, and `check` prints them instead of letting them vanish; the analytic walk counts every
    layer the forward pass runs.
  * FlopCounterMode has no formula for the CPU SDPA kernel, so the `complete` view is checked
    against it on the eager-attention twin of the config (same shapes, same products).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from math import prod

import torch

from nngate.counting.table import count
from nngate.workloads import build_from_config, example_inputs


def sdpa_flop_jit(inputs, outputs) -> int:
    """fvcore handle: Q.K^T plus A.V MACs of scaled_dot_product_attention, (B, H, T, D) operands."""
    from fvcore.nn.jit_handles import get_shape

    query, key, value = (get_shape(tensor) for tensor in inputs[:3])
    batch_heads, queries, keys = prod(query[:-2]), query[-2], key[-2]
    return batch_heads * queries * keys * query[-1] + batch_heads * queries * keys * value[-1]


SDPA_HANDLES = {"aten::scaled_dot_product_attention": sdpa_flop_jit}


def fvcore_analysis(model: torch.nn.Module, inputs: tuple):
    """fvcore's FlopCountAnalysis with this suite's handles, quiet about what it skips."""
    from fvcore.nn import FlopCountAnalysis

    analysis = FlopCountAnalysis(model, inputs).set_op_handle(**SDPA_HANDLES)
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    return analysis


def _fvcore_counts(model: torch.nn.Module, inputs: tuple) -> tuple[int, dict[str, int], int, list[str]]:
    """fvcore's total, per module, what the SDPA handle added, and the modules its trace never entered."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = fvcore_analysis(model, inputs)
        by_module = {name: int(value) for name, value in analysis.by_module().items()}
        handled = int(analysis.by_operator().get("scaled_dot_product_attention", 0))
        return int(analysis.total()), by_module, handled, sorted(analysis.uncalled_modules())


@dataclass
class MeasuredCounts:
    params: int
    fvcore_total: int
    fvcore_by_module: dict[str, int]
    fvcore_without_handles: int  # what stock fvcore reports
    flop_counter_flops: int  # FlopCounterMode, on the eager-attention twin
    uncalled: list[str]


def eager_twin(config):
    """The same config with eager attention, where the architecture has an attention option."""
    return dataclasses.replace(config, attention="eager") if hasattr(config, "attention") else config


def measure(config, batch_size: int = 1) -> MeasuredCounts:
    """Build the real model (eval, float32), trace it with fvcore, run it under FlopCounterMode."""
    from torch.utils.flop_counter import FlopCounterMode

    torch.manual_seed(0)
    inputs = example_inputs(config, batch_size)
    model = build_from_config(config).eval()
    total, by_module, handled, uncalled = _fvcore_counts(model, inputs)
    twin = eager_twin(config)
    twin_model = model if twin is config else build_from_config(twin).eval()
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        twin_model(*inputs)
    return MeasuredCounts(
        sum(p.numel() for p in model.parameters()),
        total,
        by_module,
        total - handled,
        int(counter.get_total_flops()),
        uncalled,
    )


def check(config, batch_size: int = 1) -> tuple[bool, list[str]]:
    """Analytic against measured, side by side; returns (all equal, report lines)."""
    fvcore_view, complete_view = count(config, batch_size, view="fvcore"), count(config, batch_size, view="complete")
    twin = " (eager twin)" if eager_twin(config) is not config else ""
    return compared(fvcore_view, complete_view, measure(config, batch_size), f"FlopCounterMode / 2{twin}")


def measure_model(model: torch.nn.Module, inputs: tuple) -> MeasuredCounts:
    """fvcore and FlopCounterMode on any model (eval mode); attention through SDPA's math
    backend, whose matmuls FlopCounterMode sees (it has no formula for the CPU's fused kernel)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    model = model.eval()
    total, by_module, handled, uncalled = _fvcore_counts(model, inputs)
    # autograd on: nn.MultiheadAttention's fused inference path, which FlopCounterMode does not count,
    # is taken only without it
    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(*inputs)
    params = sum(p.numel() for p in model.parameters())
    return MeasuredCounts(params, total, by_module, total - handled, int(counter.get_total_flops()), uncalled)


def check_model(build, inputs: tuple) -> tuple[bool, list[str]]:
    """The generic walk of `build()` against fvcore and FlopCounterMode on another `build()`; a count
    with layers no formula covers fails."""
    from nngate.counting.generic import walk_model
    from nngate.counting.table import walked_table

    walked = walk_model(build(), inputs)
    fvcore_view, complete_view = (walked_table(walked, inputs, view=view) for view in ("fvcore", "complete"))
    torch.manual_seed(0)
    ok, lines = compared(fvcore_view, complete_view, measure_model(build(), inputs), "FlopCounterMode / 2 (SDPA math)")
    if not walked.complete:
        lines[-1:] = [f"incomplete: no formula for {'; '.join(walked.uncounted)}", "check FAILED"]
    return ok and walked.complete, lines


def compared(fvcore_view, complete_view, measured: MeasuredCounts, complete_source: str) -> tuple[bool, list[str]]:
    pairs = [
        ("params", fvcore_view.params, measured.params, "sum(p.numel())"),
        ("fvcore MACs", fvcore_view.macs, measured.fvcore_total, "fvcore + SDPA handle"),
        ("complete MACs", complete_view.macs, measured.flop_counter_flops / 2, complete_source),
    ]
    lines = [f"{'quantity':<15} {'analytic':>16} {'measured':>16}  source"]
    ok = True
    for label, analytic, observed, source in pairs:
        same = analytic == observed
        ok &= same
        lines.append(f"{label:<15} {analytic:>16,} {observed:>16,.0f}  {source}{'' if same else '  MISMATCH'}")
    mismatched = [name for name, value in measured.fvcore_by_module.items() if fvcore_view.module_macs(name) != value]
    ok &= not mismatched
    lines.append(
        f"per-module fvcore counts: {len(measured.fvcore_by_module) - len(mismatched)} of "
        f"{len(measured.fvcore_by_module)} modules equal"
        + "".join(
            f"\n  MISMATCH {name}: analytic {fvcore_view.module_macs(name):,} fvcore "
            f"{measured.fvcore_by_module[name]:,}"
            for name in mismatched[:10]
        )
    )
    if measured.fvcore_without_handles != measured.fvcore_total:
        lines.append(
            f"stock fvcore (no SDPA handle) reports {measured.fvcore_without_handles:,}: "
            f"it misses {measured.fvcore_total - measured.fvcore_without_handles:,} attention MACs"
        )
    if measured.uncalled:
        shown = ", ".join(measured.uncalled[:3]) + (", ..." if len(measured.uncalled) > 3 else "")
        lines.append(f"{len(measured.uncalled)} modules fvcore's trace never entered (counted 0 there): {shown}")
    lines.append("check passed" if ok else "check FAILED")
    return ok, lines
