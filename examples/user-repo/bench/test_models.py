"""Our two models as nngate workloads, and one plain pytest-benchmark test: all three gated."""

import torch
import torchvision

from models.classifier import SEQ_LEN, VOCAB, small_distilbert
from nngate import workload


@workload(
    inputs=lambda batch: torch.randn(batch, 3, 96, 96),
    targets=lambda batch: torch.randint(0, 10, (batch,)),
    batch_sizes=(1,),
)
def mobilenet_v3_small():
    """torchvision MobileNetV3-small, 10 classes, 96x96 images"""
    return torchvision.models.mobilenet_v3_small(num_classes=10)


@workload(
    inputs=lambda batch: {  # keyword inputs: DistilBERT's third positional argument is head_mask
        "input_ids": torch.randint(0, VOCAB, (batch, SEQ_LEN), generator=torch.Generator().manual_seed(0)),
        "attention_mask": torch.ones(batch, SEQ_LEN, dtype=torch.long),
    },
    output=lambda result: result.logits,
    targets=lambda batch: torch.randint(0, 2, (batch,)),
    batch_sizes=(1,),
)
def distilbert_classifier():
    """DistilBERT, 2 layers of width 64, sentiment head"""
    return small_distilbert()


def tokenize(text: str) -> list[int]:
    return [hash(word) % VOCAB for word in text.split()]


def test_tokenize(benchmark):
    benchmark(tokenize, "a plain pytest-benchmark test is judged too " * 20)
