"""Training runs as the report reads them (keys: nngate.schema): one config trained and summarized (`train`), or every
config that benchmark results hold, trained in bulk (`train-sweep`, and the lab commands).

A config is trained at each batch size it was timed at (batch 1 only where it was timed at no
other), so that the report joins each timed row with the run of the same config and batch size
(nngate.results).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nngate import schema
from nngate.workloads import build_from_config, get_workload
from nngate.workloads.splits import DataError, TaskData

# Defaults of the train command per task: an MNIST-shaped ResNet, and batch sizes that train well.
TASK_DEFAULTS = {"mnist": {"resnet18": {"in_channels": 1, "image_size": 28, "classes": 10}}}
TRAIN_BATCH_SIZE = {"mnist": 32, "sst2": 64}


def check_trainable(arch, config) -> None:
    """ValueError unless the architecture has a bundled training set its inputs fit."""
    if arch.task not in TRAIN_BATCH_SIZE:
        raise ValueError(
            f"{arch.name}: no {arch.task} training set is bundled; its train step is timed in bench/test_train_step.py"
        )
    shape = config.input_shapes(1)[0]
    if arch.task == "mnist" and shape[1:] not in ((784,), (1, 28, 28)):
        raise ValueError(f"{arch.name}: input {'x'.join(map(str, shape[1:]))} does not fit 1x28x28 MNIST digits")


class TaskDataCache:
    """Each workload's training data loaded once per task (SST-2 once per vocabulary size)."""

    def __init__(self, data_dir: str | None, download: bool):
        self.data_dir, self.download, self.loaded = data_dir, download, {}

    def __call__(self, arch, config) -> TaskData:
        if arch.data is None:
            raise DataError(f"{arch.name}: its workload declares no training data")
        key = (arch.task, getattr(config, "vocab", None))
        if key not in self.loaded:
            self.loaded[key] = arch.data(config, self.data_dir, self.download)
        return self.loaded[key]


def train_run(
    arch, config, data: TaskData, batch_size: int, epochs: int, seed: int, threads: int, progress: bool
) -> dict:
    """Train one config from a fixed seed; the summary the report reads."""
    import torch

    from nngate.counting import count
    from nngate.harness.training import fit

    torch.manual_seed(seed)
    result = fit(build_from_config(config), data, arch.task, epochs, batch_size, seed=seed, progress=progress)
    table = count(config, view="complete")
    return {
        schema.ARCHITECTURE: arch.name,
        schema.CONFIG: config.options(),
        schema.ACCURACY: result.accuracy,
        schema.TRAIN_SECONDS: result.train_seconds,
        schema.STEP_SECONDS: result.step_seconds,
        schema.STEPS: result.steps,
        schema.EPOCHS: result.epochs,
        schema.BATCH_SIZE: batch_size,
        schema.LOSS_PER_EPOCH: result.losses,
        schema.PARAMS: table.params,
        schema.MACS: table.macs,
        schema.INPUT_SHAPE: list(config.input_shapes(1)[0][1:]),
        schema.OUTPUT_SHAPE: list(table.rows[-1].output_shape[1:]),
        schema.DATA_SOURCE: data.source,
        schema.THREADS: threads,
        schema.SEED: seed,
    }


def timed_configs(paths: list[str]) -> list[tuple[object, object, int]]:
    """(architecture, config, batch size) of every inference benchmark in the files whose config
    fits a bundled training set, each once, in the order the files list them."""
    from nngate.results import load_results

    rows, _ = load_results(paths)
    found = {}
    for row in (row for row in rows if row.mode == "inference"):
        arch = get_workload(row.architecture)
        config = arch.config(**row.config)
        try:
            check_trainable(arch, config)  # e.g. ResNet18 timed at 3x224x224 has no such training set
        except ValueError:
            continue
        found.setdefault(
            (arch.name, json.dumps(row.config, sort_keys=True), row.batch_size), (arch, config, row.batch_size)
        )
    # Batch size 1 only where a config was timed at no other: an SST-2 epoch of 67k single-sentence
    # steps ran over 18 min on one thread here, and the labs compared accuracy at their sweeps' batches.
    larger = {(name, options) for name, options, batch in found if batch > 1}
    found = {key: value for key, value in found.items() if key[2] > 1 or key[:2] not in larger}
    if not found:
        raise DataError(f"no inference benchmark of a trainable architecture in {', '.join(paths)}")
    return list(found.values())


def train_all(
    configs: list[tuple[object, object, int]], epochs: int, data: TaskDataCache, seed: int, threads: int, out: Path
) -> list[dict]:
    """Train each config with a progress bar over the runs; the list is rewritten to `out` after
    every run, so an interrupted sweep keeps what it finished."""
    from tqdm.auto import tqdm

    runs = []
    bar = tqdm(configs, desc="training", unit="run", file=sys.stderr)
    for arch, config, batch_size in bar:
        defaults = arch.config().options()
        varied = " ".join(f"{key}={value}" for key, value in config.options().items() if defaults.get(key) != value)
        bar.set_postfix_str(f"{arch.name} bs{batch_size} {varied or 'defaults'}")
        runs.append(train_run(arch, config, data(arch, config), batch_size, epochs, seed, threads, progress=False))
        out.write_text(json.dumps(runs, indent=1))
    return runs
