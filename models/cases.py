"""A benchmark case made ready to time: model, inputs and settings on their device, one callable.

Everything that is not the measured work (building the model, making inputs, moving them to the
device, the optimizer) happens here, before timing; the callable is the timed body.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

import torch

from models.counting import count
from models.data import example_inputs
from models.registry import build_from_config, config_name, make_config
from models.training import OBJECTIVES, forward, qa_targets, train_step

DTYPES = {"fp32": None, "bf16": torch.bfloat16}  # bf16 runs under autocast; fp32 needs none
TRAIN_FLOPS_PER_FORWARD = 3  # backward costs about twice the forward's products (Kaplan et al. 2020)


@dataclass(frozen=True)
class Case:
    """One point of a sweep: an architecture, its options, a batch size; `label` names the options."""
    arch: str
    batch_size: int
    options: tuple[tuple[str, object], ...] = ()
    label: str = ""

    def case_id(self, device: str, dtype: str) -> str:
        parts = [self.arch, self.label, f"bs{self.batch_size}", device, dtype]
        return "-".join(part for part in parts if part)

    def config(self):
        return make_config(self.arch, **dict(self.options))


@dataclass
class Prepared:
    run: Callable[[], object]  # the timed body
    config: object
    extra_info: dict = field(default_factory=dict)


def _targets(task: str, batch_size: int, config, device) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1)
    if task == "qa":
        return qa_targets(batch_size, config.seq_len).to(device)
    if task == "sst2":
        return torch.randint(0, 2, (batch_size,), generator=generator).float().to(device)
    return torch.randint(0, getattr(config, "classes", 10), (batch_size,), generator=generator).to(device)


def _autocast(device: torch.device, dtype: str):
    if DTYPES[dtype] is None:
        return contextlib.nullcontext
    return lambda: torch.autocast(device.type, dtype=DTYPES[dtype])


def prepare(case: Case, mode: str, device: torch.device, dtype: str) -> Prepared:
    """mode "inference": eval + inference_mode forward; mode "train": a full train step."""
    from models.registry import get_architecture

    if dtype not in DTYPES:
        raise ValueError(f"dtype: {dtype!r} is not one of {', '.join(DTYPES)}")
    config = case.config()
    torch.manual_seed(0)
    model = build_from_config(config).to(device)
    inputs = tuple(tensor.to(device) for tensor in example_inputs(config, case.batch_size))
    autocast = _autocast(device, dtype)
    task = get_architecture(config_name(config)).task
    if mode == "inference":
        model.eval()

        def run() -> object:
            with torch.inference_mode(), autocast():
                return forward(model, inputs)
    elif mode == "train":
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)  # SGD: the step cost is the model's, not Adam's
        targets, objective = _targets(task, case.batch_size, config, device), OBJECTIVES[task]

        def run() -> object:
            with autocast():
                return train_step(model, inputs, targets, objective, optimizer)
    else:
        raise ValueError(f"mode: {mode!r} is not inference or train")
    table = count(config, case.batch_size, view="complete")
    forward_flops = table.flops
    info = {"architecture": case.arch, "config": config.options(), "batch_size": case.batch_size,
            "device": device.type, "dtype": dtype, "mode": mode, "params": table.params, "macs": table.macs,
            "macs_fvcore": count(config, case.batch_size).macs,
            "flops": forward_flops * (TRAIN_FLOPS_PER_FORWARD if mode == "train" else 1)}
    return Prepared(run, config, info)
