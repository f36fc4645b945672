"""Data for every task, real when it is on disk (or downloaded on request), synthetic otherwise.

Every loader returns a TaskData whose `source` says in words which data it holds. Splits are
tensors indexed by row, so batches come from `iterate_batches` without a DataLoader's per-item cost.
"""
from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

import torch

DATA_DIR_ENV = "NNBENCH_DATA_DIR"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # torchvision's reference normalization for MNIST
MNIST_TEST_TRAIN_ROWS = 8000  # with only the 10k test split on disk: 8k to train, 2k to evaluate
SYNTHETIC_SEED = 1234  # fixed forever: synthetic sets must be identical across runs and machines


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


def iterate_batches(split: Split, batch_size: int, shuffle: bool = False,
                    seed: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    order = (torch.randperm(len(split), generator=torch.Generator().manual_seed(seed))
             if shuffle else torch.arange(len(split)))
    for start in range(0, len(split), batch_size):
        yield split.batch(order[start:start + batch_size])


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """The explicit directory, else $NNBENCH_DATA_DIR, else None (synthetic data)."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DataError(f"data dir {path} does not exist")
    return path


# ---------------------------------------------------------------- MNIST
def _find_idx(directory: Path, stem: str) -> Path | None:
    for folder in (directory / "mnist", directory / "MNIST" / "raw", directory):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _read_idx(path: Path) -> torch.Tensor:
    from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

    try:
        if path.suffix != ".gz":
            return read_sn3_pascalvincent_tensor(str(path), strict=False)
        with tempfile.TemporaryDirectory() as scratch:  # torchvision reads plain IDX files only
            plain = Path(scratch) / path.stem
            with gzip.open(path, "rb") as packed, open(plain, "wb") as unpacked:
                shutil.copyfileobj(packed, unpacked)
            return read_sn3_pascalvincent_tensor(str(plain), strict=False)
    except Exception as error:  # torchvision raises assorted errors on a damaged file
        raise DataError(f"{path}: not a readable IDX file ({type(error).__name__}: {error})") from None


def _mnist_split(images: torch.Tensor, labels: torch.Tensor) -> DenseSplit:
    if images.ndim != 3 or len(images) != len(labels):
        raise DataError(f"MNIST images {tuple(images.shape)} do not match labels {tuple(labels.shape)}")
    pixels = (images.float().unsqueeze(1) / 255.0 - MNIST_MEAN) / MNIST_STD  # (N, 1, 28, 28)
    return DenseSplit(pixels, labels.long())


def synthetic_mnist(rows: int = 10_000) -> TaskData:
    """Ten fixed random 28x28 prototypes plus noise: learnable, MNIST-shaped, always the same."""
    generator = torch.Generator().manual_seed(SYNTHETIC_SEED)
    prototypes = torch.rand(10, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (rows,), generator=generator)
    noise = torch.rand(rows, 28, 28, generator=generator)
    images = (255 * (0.6 * prototypes[labels] + 0.4 * noise)).to(torch.uint8)
    cut = rows * 4 // 5
    return TaskData(_mnist_split(images[:cut], labels[:cut]), _mnist_split(images[cut:], labels[cut:]),
                    f"synthetic MNIST-shaped set ({cut} train / {rows - cut} eval)")


def load_mnist(data_dir: str | os.PathLike | None = None, download: bool = False) -> TaskData:
    """MNIST from the data dir; the official download when asked; else the synthetic set."""
    directory = resolve_data_dir(data_dir)
    if directory is None and not download:
        return synthetic_mnist()
    if directory is not None:
        found = {stem: _find_idx(directory, stem) for stem in (
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
        test_images, test_labels = found["t10k-images-idx3-ubyte"], found["t10k-labels-idx1-ubyte"]
        if test_images and test_labels:
            test = _mnist_split(_read_idx(test_images), _read_idx(test_labels))
            if found["train-images-idx3-ubyte"] and found["train-labels-idx1-ubyte"]:
                train = _mnist_split(_read_idx(found["train-images-idx3-ubyte"]),
                                     _read_idx(found["train-labels-idx1-ubyte"]))
                return TaskData(train, test, f"real MNIST from {directory} ({len(train)} train / {len(test)} test)")
            head, tail = torch.arange(MNIST_TEST_TRAIN_ROWS), torch.arange(MNIST_TEST_TRAIN_ROWS, len(test))
            return TaskData(DenseSplit(*test.batch(head)), DenseSplit(*test.batch(tail)),
                            f"real MNIST t10k split from {directory}, split in order "
                            f"({len(head)} train / {len(tail)} eval): the 60k train split is absent")
        if not download:
            raise DataError(f"no MNIST IDX files under {directory} (looked in mnist/, MNIST/raw/ and the dir itself)")
    return _download_mnist(directory)


def _download_mnist(directory: Path | None) -> TaskData:
    from torchvision.datasets import MNIST

    root = directory or Path.home() / ".cache" / "nnbench"
    try:
        train, test = (MNIST(str(root), train=flag, download=True) for flag in (True, False))
    except Exception as error:  # network errors come in many types
        raise DataError(f"MNIST download into {root} failed: {error}") from None
    return TaskData(_mnist_split(train.data, train.targets), _mnist_split(test.data, test.targets),
                    f"real MNIST downloaded into {root} ({len(train.data)} train / {len(test.data)} test)")


# ---------------------------------------------------------------- QA and benchmark inputs
def qa_inputs(batch_size: int, seq_len: int, vocab: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """input_ids, attention_mask, token_type_ids of (batch_size, seq_len): a question then a context."""
    generator = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(0, vocab, (batch_size, seq_len), generator=generator)
    attention_mask = torch.ones(batch_size, seq_len, dtype=torch.long)
    token_type_ids = torch.zeros(batch_size, seq_len, dtype=torch.long)
    token_type_ids[:, seq_len // 4:] = 1  # the first quarter is the question, the rest the context
    return input_ids, attention_mask, token_type_ids


def example_inputs(config, batch_size: int, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Synthetic inputs of the architecture's default shapes, the same for every run."""
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, got {batch_size}")
    shapes = config.input_shapes(batch_size)
    if hasattr(config, "seq_len"):  # token inputs for BERT
        return qa_inputs(batch_size, config.seq_len, config.vocab, seed)
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(shape, generator=generator) for shape in shapes)
