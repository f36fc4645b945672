"""The workloads the tool times, gates and counts: one registry, filled only by declaration.

A workload is a config type (a WorkloadConfig dataclass: its fields are the user's options), a
builder, the benchmark's inputs per batch size, the train step's targets and the task whose
objective compares them, and optionally an analytic counting walk and training data. The suite's
own five architectures are declared like any user's (models/workloads.py); the tool never names
them. Declarations are found by `declare_all` (nngate.workloads.discovery) before the first lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nngate.workloads.config import ConfigError, WorkloadConfig

if TYPE_CHECKING:
    import torch
    from torch import nn

    from nngate.workloads.splits import TaskData

MODES = ("inference", "train")  # what a benchmark of a workload times: a forward, or a whole train step
Inputs = Callable[[Any, int], "tuple[torch.Tensor, ...]"]  # (config, batch_size) -> positional inputs


@dataclass(frozen=True)
class Workload:
    name: str
    config_type: type[WorkloadConfig]
    builder: Callable[[Any], nn.Module]  # config -> the model, on the CPU, in float32
    inputs: Inputs  # the same tensors on every call: the benchmark's inputs are built before timing
    task: str  # the train step's objective (nngate.harness.training.OBJECTIVES) and the report's grouping
    summary: str = ""
    targets: Callable[[Any, int], torch.Tensor] | None = None  # (config, batch_size) -> what the loss compares with
    walk: Callable[..., None] | None = None  # analytic counting walk (nngate.counting.walks); None: generic walk
    data: Callable[[Any, str | None, bool], TaskData] | None = None  # (config, data_dir, download): train/lab data
    output: Callable[[Any], torch.Tensor] | None = None  # what to read from the model's output (default: logits)
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None  # (read output, targets) -> scalar
    batch_sizes: tuple[int, ...] = (1,)  # the benchmarks a bench file's declaration gets (nngate.workloads.declared)
    modes: tuple[str, ...] = ("inference", "train")
    variants: tuple[str, ...] = ("eager",)
    module: str = ""  # the bench file that declared it with @workload: its benchmarks are collected there

    def config(self, **options) -> WorkloadConfig:
        return self.config_type.from_options(**options)


_DECLARED: dict[str, Workload] = {}


def declare(workload: Workload) -> Workload:
    """Add `workload` to the registry. Declaring the same name again from the same config type (a
    module imported twice) replaces it; from another type it is a ConfigError naming both."""
    held = _DECLARED.get(workload.name)
    if held is not None and _type_name(held.config_type) != _type_name(workload.config_type):
        raise ConfigError(
            f"workload {workload.name!r} is declared twice: by {_type_name(held.config_type)} "
            f"and by {_type_name(workload.config_type)}"
        )
    _DECLARED[workload.name] = workload
    return workload


def _type_name(config_type: type) -> str:
    return f"{config_type.__module__}.{config_type.__qualname__}"


def workloads() -> dict[str, Workload]:
    """Every declared workload, by name, in declaration order (declarations found first)."""
    from nngate.workloads.discovery import declare_all

    declare_all()
    return dict(_DECLARED)


def get_workload(name: str) -> Workload:
    known = workloads()
    try:
        return known[name]
    except KeyError:
        choices = ", ".join(known) or "none is declared: see docs/workloads.md"
        raise ConfigError(f"unknown workload {name!r} (choose from {choices})") from None


def make_config(name: str, **options) -> WorkloadConfig:
    """The validated config of workload `name`; bad options raise ConfigError (a ValueError)."""
    return get_workload(name).config(**options)


def workload_of(config: WorkloadConfig) -> Workload:
    """The declared workload whose config type `config` is."""
    for workload in workloads().values():
        if type(config) is workload.config_type:
            return workload
    raise ConfigError(f"{type(config).__name__} is not the config of a declared workload")


def build(name: str, **options) -> nn.Module:
    """Build workload `name` with `options` (field names of its config)."""
    workload = get_workload(name)
    return workload.builder(workload.config(**options))


def build_from_config(config: WorkloadConfig) -> nn.Module:
    return workload_of(config).builder(config)


def example_call(config: WorkloadConfig, batch_size: int) -> tuple[tuple, dict]:
    """The workload's inputs at `batch_size` as (positional, keyword): its `inputs` gives a tensor, a
    tuple (positional) or a dict (keyword). A batch below 1 is a ValueError naming it."""
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    given = workload_of(config).inputs(config, batch_size)
    if isinstance(given, dict):
        return (), dict(given)
    return (tuple(given) if isinstance(given, tuple | list) else (given,)), {}


def example_inputs(config: WorkloadConfig, batch_size: int) -> tuple:
    """The workload's positional inputs at `batch_size`, for what takes no keywords (fvcore's trace, ONNX)."""
    positional, keyword = example_call(config, batch_size)
    if keyword:
        raise ConfigError(
            f"workload {workload_of(config).name!r} takes keyword inputs ({', '.join(keyword)}): "
            "this needs positional ones"
        )
    return positional


def example_targets(config: WorkloadConfig, batch_size: int):
    workload = workload_of(config)
    if workload.targets is None:
        raise ConfigError(f"workload {workload.name!r} declares no targets: it has no train-step benchmark")
    return workload.targets(config, batch_size)
