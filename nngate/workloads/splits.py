"""What every loader returns: a TaskData of two splits and a `source` that says which data it is.

Splits are tensors indexed by row, so batches come from `iterate_batches` without a DataLoader's
per-item cost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch

DATA_DIR_ENV = "NNBENCH_DATA_DIR"


class DataError(RuntimeError):
    """Data that was asked for but is missing or unreadable; the message is one line."""


class Split(Protocol):
    def __len__(self) -> int: ...
    def batch(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...


@dataclass
class DenseSplit:
    features: torch.Tensor  # (N, ...) float
    labels: torch.Tensor  # (N,)

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[rows], self.labels[rows]


@dataclass
class BagOfWordsSplit:
    """Sentences as vocabulary ids in CSR layout; dense word-count rows are built per batch."""

    offsets: torch.Tensor  # (N + 1,) start of each sentence in token_ids
    token_ids: torch.Tensor  # (total tokens,) in-vocabulary ids only
    labels: torch.Tensor  # (N,) 1.0 = positive
    vocab: int

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        starts, lengths = self.offsets[rows], self.offsets[rows + 1] - self.offsets[rows]
        row_of_token = torch.repeat_interleave(torch.arange(len(rows)), lengths)
        first_of_row = torch.cumsum(lengths, 0) - lengths
        positions = torch.arange(int(lengths.sum())) + torch.repeat_interleave(starts - first_of_row, lengths)
        counts = torch.zeros(len(rows), self.vocab)
        counts.index_put_((row_of_token, self.token_ids[positions]), torch.ones(len(positions)), accumulate=True)
        return counts, self.labels[rows]


@dataclass
class TaskData:
    train: Split
    eval: Split
    source: str  # e.g. "real MNIST t10k split from DIR (8000 train / 2000 eval)" or "synthetic ..."

    @property
    def is_synthetic(self) -> bool:
        return self.source.startswith("synthetic")


def iterate_batches(
    split: Split, batch_size: int, shuffle: bool = False, seed: int = 0
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    order = (
        torch.randperm(len(split), generator=torch.Generator().manual_seed(seed))
        if shuffle
        else torch.arange(len(split))
    )
    for start in range(0, len(split), batch_size):
        yield split.batch(order[start : start + batch_size])


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The explicit directory, else $NNBENCH_DATA_DIR, else None (synthetic data)."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DataError(f"data dir {path} does not exist")
    return path
