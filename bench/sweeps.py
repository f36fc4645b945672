"""The sweeps as data: which cases each profile times. Parameter lists are declared once, here.

`smoke` (the default) is the CI gate's set: every architecture, small batches, about a minute here.
`full` is the labs' complete sweeps, as the labs ran them: their batch sizes; the MNIST options
varied one at a time at one batch size, each sweep with the default config as its base row; and the
27-config bag-of-words grid. A config that two sweeps share is one case.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from nngate.harness.cases import Case
from nngate.schema import PROFILES  # noqa: F401 (the profiles this file declares sweeps for)
from nngate.workloads import make_config

# The labs' batch sizes per architecture (BERT at seq_len 128, its default).
LAB_BATCH_SIZES = {
    "mlp": (1, 64, 128),
    "cnn": (1, 32, 64),
    "bow_mlp": (1, 64),
    "resnet18": (1, 32, 64, 128),
    "bert_qa": (1, 8, 16, 32),
}
SMOKE_BATCH_SIZES = {"mlp": (1, 64), "cnn": (1, 64), "bow_mlp": (1, 64), "resnet18": (1, 8), "bert_qa": (1,)}

TRAIN_BATCH_SIZES = {
    "smoke": {"mlp": (64,), "cnn": (64,), "bow_mlp": (64,), "resnet18": (1,), "bert_qa": (1,)},
    "full": {"mlp": (64, 128), "cnn": (32, 64), "bow_mlp": (64,), "resnet18": (8, 32), "bert_qa": (8,)},
}


@dataclass(frozen=True)
class OptionSweep:
    """One option varied at a time, at one batch size, the others at their defaults; the default
    value's point is the sweep's base row: the plain config, with no label."""

    arch: str
    batch_size: int
    option: str
    values: tuple
    short: str  # the label's prefix: "k" in "k3"


OPTION_SWEEPS = (
    OptionSweep("mlp", 64, "hidden", ("256,128", "128,128", "1024,128", "128", "128,128,128"), "h"),  # MNIST lab
    OptionSweep("cnn", 32, "kernel", (3, 5, 7), "k"),  # MNIST lab: filter size at 2 conv layers
    OptionSweep("cnn", 32, "conv_layers", (1, 2, 3), "c"),  # MNIST lab: conv depth at kernel 5
)
BOW_BATCH = 64  # the SST-2 lab timed its grid at this batch size
BOW_LAYERS, BOW_HIDDEN, BOW_VOCAB = (1, 2, 4), (128, 256, 512), (1000, 5000, 10000)


def _batch_cases(batch_sizes: dict[str, tuple[int, ...]]) -> list[Case]:
    return [Case(arch, batch) for arch, sizes in batch_sizes.items() for batch in sizes]


def _point(arch: str, batch_size: int, options: tuple, label: str) -> Case:
    """A sweep's point; where its options are the defaults, the plain config (a base row, no label),
    so that it is the same case as the batch-size sweep's point at this batch size."""
    if make_config(arch, **dict(options)) == make_config(arch):
        return Case(arch, batch_size)
    return Case(arch, batch_size, options, label)


def _option_cases(sweep: OptionSweep) -> list[Case]:
    return [
        _point(sweep.arch, sweep.batch_size, ((sweep.option, value),), f"{sweep.short}{str(value).replace(',', 'x')}")
        for value in sweep.values
    ]


def _bow_grid() -> list[Case]:
    return [
        _point(
            "bow_mlp",
            BOW_BATCH,
            (("layers", layers), ("hidden", hidden), ("vocab", vocab)),
            f"l{layers}h{hidden}v{vocab}",
        )
        for layers, hidden, vocab in product(BOW_LAYERS, BOW_HIDDEN, BOW_VOCAB)
    ]


def _unique(cases: list[Case]) -> list[Case]:
    """Each case once, in first-declared order: a base row is also a batch-size point."""
    return list(dict.fromkeys(cases))


def inference_cases(profile: str) -> list[Case]:
    if profile == "smoke":
        return _batch_cases(SMOKE_BATCH_SIZES)
    return _unique(
        _batch_cases(LAB_BATCH_SIZES) + [case for sweep in OPTION_SWEEPS for case in _option_cases(sweep)] + _bow_grid()
    )


def train_cases(profile: str) -> list[Case]:
    return _batch_cases(TRAIN_BATCH_SIZES[profile])
