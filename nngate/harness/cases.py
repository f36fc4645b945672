"""A benchmark case made ready to time: model, inputs and settings on their device, one callable.

Everything that is not the measured work (building the model, making inputs, moving them to the
device, the optimizer) happens here, before timing; the callable is the timed body.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from nngate import schema
from nngate.counting import count
from nngate.harness.roofline import bytes_moved, footprint_bytes
from nngate.harness.training import OBJECTIVES, logits, step
from nngate.harness.variants import DEFAULT_VARIANT, check_runs_here, compiled, finished, in_precision, reformatted
from nngate.workloads import build_from_config, example_call, example_targets, make_config, workload_of
from nngate.workloads.registry import MODES

AUTOCAST_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "tf32": None}  # bf16 under autocast; the others need none
TRAIN_FLOPS_PER_FORWARD = 3  # backward costs about twice the forward's products (Kaplan et al. 2020)


@dataclass(frozen=True)
class Case:
    """One point of a sweep: an architecture, its options, a batch size, a variant (how the model
    runs: nngate.harness.variants); `label` names the options."""

    arch: str
    batch_size: int
    options: tuple[tuple[str, object], ...] = ()
    label: str = ""
    variant: str = DEFAULT_VARIANT

    def case_id(self, device: str, dtype: str) -> str:
        """`resnet18-bs8-cpu-fp32`, and `-compile` after it for a variant other than eager (eager ids
        stay what they were before variants, so committed baselines still name the same benchmarks)."""
        variant = "" if self.variant == DEFAULT_VARIANT else self.variant
        parts = [self.arch, self.label, f"bs{self.batch_size}", device, dtype, variant]
        return "-".join(part for part in parts if part)

    def config(self):
        return make_config(self.arch, **dict(self.options))


@dataclass
class Prepared:
    body: Callable[[], object]  # the timed body
    config: object
    extra_info: dict = field(default_factory=dict)


def _autocast(device: torch.device, dtype: str):
    if AUTOCAST_DTYPES[dtype] is None:
        return contextlib.nullcontext
    return lambda: torch.autocast(device.type, dtype=AUTOCAST_DTYPES[dtype])


def prepare(case: Case, mode: str, device: torch.device, dtype: str) -> Prepared:
    """mode "inference": eval + inference_mode forward; mode "train": a full train step; either run
    the case's variant way. VariantUnavailable where the variant or dtype cannot run it here."""
    dtype = schema.canonical_dtype(dtype, schema.BENCH_DTYPES)
    if mode not in MODES:
        raise ValueError(f"mode: {mode!r} is not one of {', '.join(MODES)}")
    config = case.config()
    workload = workload_of(config)
    torch.manual_seed(0)
    model = build_from_config(config).to(device)
    check_runs_here(case.variant, dtype, device, model)
    positional, keyword = example_call(config, case.batch_size)
    model, positional = reformatted(case.variant, model, tuple(tensor.to(device) for tensor in positional))
    keyword = {name: tensor.to(device) for name, tensor in keyword.items()}
    model = compiled(case.variant, model)
    autocast = _autocast(device, dtype)
    read = workload.output or logits

    def forward() -> torch.Tensor:
        return read(model(*positional, **keyword))

    if mode == "inference":
        model.eval()

        def body() -> object:
            with torch.inference_mode(), autocast():
                return forward()
    else:
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)  # SGD: the step cost is the model's, not Adam's
        targets = example_targets(config, case.batch_size).to(device)
        loss = workload.loss or OBJECTIVES[workload.task].loss

        def body() -> object:
            with autocast():
                return step(forward, targets, loss, optimizer)

    body, built = finished(case.variant, in_precision(body, dtype), device)
    table = count(config, case.batch_size, schema.STORAGE_DTYPES.get(dtype, dtype), view="complete")
    info = {
        schema.ARCHITECTURE: case.arch,
        schema.CONFIG: config.options(),
        schema.BATCH_SIZE: case.batch_size,
        schema.DEVICE: device.type,
        schema.DTYPE: dtype,
        schema.MODE: mode,
        schema.VARIANT: case.variant,
        schema.PARAMS: table.params,
        schema.MACS: table.macs,
        schema.MACS_FVCORE: count(config, case.batch_size).macs,
        schema.FLOPS: table.flops * (TRAIN_FLOPS_PER_FORWARD if mode == "train" else 1),
        schema.BYTES_MOVED: bytes_moved(table, mode),
        schema.FOOTPRINT_BYTES: footprint_bytes(table, mode),
        **built,
    }
    return Prepared(body, config, info)
