"""`@workload`: a workload declared in a few lines of a bench file, benchmarked where it is declared.

    import torch, torchvision
    from nngate import workload

    @workload(inputs=lambda batch: torch.randn(batch, 3, 224, 224),
              targets=lambda batch: torch.randint(0, 1000, (batch,)), batch_sizes=(1, 8))
    def mobilenet_v3_small():
        return torchvision.models.mobilenet_v3_small()

`pytest` then collects `mobilenet_v3_small[inference-bs1-cpu-fp32]` and the rest of its modes, batch
sizes and variants from that file, timed, counted and gated as the suite's own are. A workload with
options takes `config=` (a WorkloadConfig dataclass): the factory, inputs and targets then take it first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from nngate.workloads.config import ConfigError, WorkloadConfig
from nngate.workloads.registry import MODES, Workload, declare


def workload(
    factory: Callable | None = None,
    *,
    inputs: Callable,
    targets: Callable | None = None,
    loss: Callable | None = None,
    output: Callable | None = None,
    task: str = "classification",
    batch_sizes: tuple[int, ...] = (1,),
    modes: tuple[str, ...] | None = None,
    variants: tuple[str, ...] = ("eager",),
    config: type[WorkloadConfig] | None = None,
    name: str | None = None,
    summary: str = "",
):
    """Declare the model `factory` builds as a workload (see the module's docstring). `inputs(batch)`
    gives a tensor, a tuple (positional) or a dict (keyword inputs); `output(result)` reads what the
    loss and the timing keep (default: the tensor, else its `logits`, else its first item); `loss(read,
    targets)` defaults to cross-entropy; the train step needs `targets(batch)`. `modes` default to
    inference, and train where targets are given."""

    def declared(build: Callable) -> Workload:
        chosen = modes if modes is not None else (("inference", "train") if targets is not None else ("inference",))
        workload_name = name or build.__name__
        _check(workload_name, chosen, batch_sizes, targets)
        config_type = config or _empty_config(workload_name, build.__module__)
        with_config = config is not None
        return declare(
            Workload(
                workload_name,
                config_type,
                build if with_config else lambda _config: build(),
                inputs if with_config else lambda _config, batch: inputs(batch),
                task,
                summary or (build.__doc__ or "").strip().split("\n")[0],
                targets=None if targets is None else (targets if with_config else lambda _config, b: targets(b)),
                output=output,
                loss=loss,
                batch_sizes=tuple(batch_sizes),
                modes=tuple(chosen),
                variants=tuple(variants),
                module=build.__module__,
            )
        )

    return declared(factory) if factory is not None else declared


def _check(name: str, modes, batch_sizes, targets) -> None:
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown or not modes:
        raise ConfigError(f"workload {name!r}: modes {list(modes)!r}: choose from {', '.join(MODES)}")
    if not batch_sizes or not all(isinstance(size, int) and size > 0 for size in batch_sizes):
        raise ConfigError(f"workload {name!r}: batch_sizes must be positive integers, got {batch_sizes!r}")
    if "train" in modes and targets is None:
        raise ConfigError(f"workload {name!r}: the train mode needs targets=lambda batch: ...")


def _empty_config(name: str, module: str) -> type[WorkloadConfig]:
    """A config without options, named after the workload, so that lookups by type find it."""
    title = "".join(part.title() for part in name.split("_")) + "Config"
    config_type = dataclasses.make_dataclass(title, [], bases=(WorkloadConfig,), frozen=True)
    config_type.__module__ = module
    return config_type
