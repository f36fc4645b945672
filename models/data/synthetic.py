"""Every synthetic set and batch of the suite, in one place, seeded so that it never changes.

Loaders fall back to these sets when no real data is on disk (and say so); benchmarks time these
batches, built before timing. Seeds are fixed forever: a new input is appended, never re-seeded.
"""

from __future__ import annotations

import random

import torch

SYNTHETIC_SEED = 1234  # fixed forever: synthetic sets must be identical across runs and machines
SYNTHETIC_MNIST_ROWS = 10_000  # the size of MNIST's test split
SYNTHETIC_SST2_ROWS = (8000, 872)  # train / dev sentences; dev matches GLUE's dev size
TARGET_SEED = 1  # benchmark targets: apart from the inputs' seed 0


def synthetic_digits(rows: int = SYNTHETIC_MNIST_ROWS) -> tuple[torch.Tensor, torch.Tensor]:
    """(rows, 28, 28) uint8 images and their labels, as an IDX file holds them: ten fixed random
    prototypes plus noise, so a model can learn them."""
    generator = torch.Generator().manual_seed(SYNTHETIC_SEED)
    prototypes = torch.rand(10, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (rows,), generator=generator)
    noise = torch.rand(rows, 28, 28, generator=generator)
    return (255 * (0.6 * prototypes[labels] + 0.4 * noise)).to(torch.uint8), labels


def synthetic_sentences() -> tuple[tuple[list[str], list[int]], tuple[list[str], list[int]]]:
    """(sentences, labels) for train and dev: made-up words whose label follows a handful of
    sentiment words, lower-case and space-separated as GLUE's SST-2 is."""
    rng = random.Random(SYNTHETIC_SEED)
    neutral = [f"w{index}" for index in range(3000)]
    positive, negative = [f"good{index}" for index in range(20)], [f"bad{index}" for index in range(20)]

    def sentence() -> tuple[str, int]:
        label = rng.random() < 0.5
        cue = rng.choices(positive if label else negative, k=rng.randint(1, 3))
        filler = rng.choices(neutral, k=rng.randint(3, 18))
        return " ".join(rng.sample(cue + filler, len(cue) + len(filler))), int(label)

    rows = [[sentence() for _ in range(count)] for count in SYNTHETIC_SST2_ROWS]
    return tuple((list(sentences), list(labels)) for sentences, labels in (zip(*split, strict=True) for split in rows))


def qa_inputs(batch_size: int, seq_len: int, vocab: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """input_ids, attention_mask, token_type_ids of (batch_size, seq_len): a question then a context."""
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(0, vocab, (batch_size, seq_len), generator=generator)
    attention_mask = torch.ones(batch_size, seq_len, dtype=torch.long)
    token_type_ids = torch.zeros(batch_size, seq_len, dtype=torch.long)
    token_type_ids[:, seq_len // 4 :] = 1  # the first quarter is the question, the rest the context
    return input_ids, attention_mask, token_type_ids


def qa_targets(batch_size: int, seq_len: int, seed: int = 0) -> torch.Tensor:
    """(B, 2) answer start and end positions inside the context, for synthetic QA training."""
    generator = torch.Generator().manual_seed(seed)
    start = torch.randint(seq_len // 4, seq_len, (batch_size,), generator=generator)
    end = torch.minimum(start + torch.randint(0, 8, (batch_size,), generator=generator), torch.tensor(seq_len - 1))
    return torch.stack([start, end], dim=1)


def example_inputs(config, batch_size: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Inputs of the architecture's default shapes, the same for every run."""
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    shapes = config.input_shapes(batch_size)
    if hasattr(config, "seq_len"):  # token inputs for BERT
        return qa_inputs(batch_size, config.seq_len, config.vocab, seed)
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(shape, generator=generator) for shape in shapes)


def example_targets(task: str, config, batch_size: int) -> torch.Tensor:
    """What a train step's loss compares with: answer spans (qa), 0/1 sentiment (sst2), classes."""
    generator = torch.Generator().manual_seed(TARGET_SEED)
    if task == "qa":
        return qa_targets(batch_size, config.seq_len)
    if task == "sst2":
        return torch.randint(0, 2, (batch_size,), generator=generator).float()
    return torch.randint(0, getattr(config, "classes", 10), (batch_size,), generator=generator)
