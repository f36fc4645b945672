"""The sweeps as data: which cases each profile times. Parameter lists are declared once, here.

`smoke` (the default) is the CI gate's set: every architecture, small batches, about a minute here.
`full` is the labs' complete sweeps: their batch sizes, MLP widths/depths, CNN kernels x depths,
and the 27-config bag-of-words grid.
"""
from __future__ import annotations

from itertools import product

from models.harness.cases import Case
from models.schema import PROFILES  # noqa: F401 (the profiles this file declares sweeps for)

# The labs' batch sizes per architecture (BERT at seq_len 128, its default).
LAB_BATCH_SIZES = {"mlp": (1, 64, 128), "cnn": (1, 64, 128), "bow_mlp": (1, 64),
                   "resnet18": (1, 32, 64, 128), "bert_qa": (1, 8, 16, 32)}
SMOKE_BATCH_SIZES = {"mlp": (1, 64), "cnn": (1, 64), "bow_mlp": (1, 64), "resnet18": (1, 8), "bert_qa": (1,)}

TRAIN_BATCH_SIZES = {"smoke": {"mlp": (64,), "cnn": (64,), "bow_mlp": (64,), "resnet18": (1,), "bert_qa": (1,)},
                     "full": {"mlp": (64, 128), "cnn": (64, 128), "bow_mlp": (64,), "resnet18": (8, 32),
                              "bert_qa": (8,)}}

SWEEP_BATCH = 64  # the labs varied one option at a time at this batch size
MLP_HIDDEN = ("128,128", "1024,128", "128", "128,128,128")  # the labs' width/depth variants
CNN_KERNELS, CNN_CONV_LAYERS = (3, 5, 7), (1, 2, 3)
BOW_LAYERS, BOW_HIDDEN, BOW_VOCAB = (1, 2, 4), (128, 256, 512), (1000, 5000, 10000)


def _batch_cases(batch_sizes: dict[str, tuple[int, ...]]) -> list[Case]:
    return [Case(arch, batch) for arch, sizes in batch_sizes.items() for batch in sizes]


def _config_sweeps() -> list[Case]:
    cases = [Case("mlp", SWEEP_BATCH, (("hidden", hidden),), "h" + hidden.replace(",", "x"))
             for hidden in MLP_HIDDEN]
    cases += [Case("cnn", SWEEP_BATCH, (("kernel", kernel), ("conv_layers", layers)), f"k{kernel}c{layers}")
              for kernel, layers in product(CNN_KERNELS, CNN_CONV_LAYERS)]
    cases += [Case("bow_mlp", SWEEP_BATCH, (("layers", layers), ("hidden", hidden), ("vocab", vocab)),
                   f"l{layers}h{hidden}v{vocab}")
              for layers, hidden, vocab in product(BOW_LAYERS, BOW_HIDDEN, BOW_VOCAB)]
    return cases


def inference_cases(profile: str) -> list[Case]:
    if profile == "smoke":
        return _batch_cases(SMOKE_BATCH_SIZES)
    return _batch_cases(LAB_BATCH_SIZES) + _config_sweeps()


def train_cases(profile: str) -> list[Case]:
    return _batch_cases(TRAIN_BATCH_SIZES[profile])
