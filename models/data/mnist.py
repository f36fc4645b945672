"""MNIST from IDX files (torchvision's reader), the official download on request, else synthetic digits."""

from __future__ import annotations

import gzip
import math
import os
import shutil
import tempfile
from pathlib import Path

import torch

from models.data.synthetic import SYNTHETIC_MNIST_ROWS, synthetic_digits
from nngate.workloads.splits import DataError, DenseSplit, TaskData, resolve_data_dir

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # torchvision's reference normalization for MNIST
MNIST_TEST_TRAIN_ROWS = 8000  # with only the 10k test split on disk: 8k to train, 2k to evaluate


def _find_idx(directory: Path, stem: str) -> Path | None:
    for folder in (directory / "mnist", directory / "MNIST" / "raw", directory):
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


IDX_ITEM_BYTES = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}  # IDX's type codes


def check_idx(header_and_body: bytes, path: Path) -> None:
    """DataError, one line naming what is wrong, unless the bytes are an IDX file with at least one row:
    two zero bytes, a type code, the number of dimensions, each dimension as a big-endian 32-bit count,
    then exactly as many items as they multiply to."""
    head = header_and_body[:4]
    if len(head) < 4 or head[:2] != b"\0\0" or head[2] not in IDX_ITEM_BYTES or head[3] == 0:
        raise DataError(f"{path}: not an IDX file (it starts {head.hex(' ') or 'empty'}; IDX starts 00 00 08 0N)")
    ndim = head[3]
    if len(header_and_body) < 4 + 4 * ndim:
        raise DataError(f"{path}: an IDX file cut short inside its header of {ndim} dimensions")
    dims = [int.from_bytes(header_and_body[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    if dims[0] == 0:
        raise DataError(f"{path}: an IDX file of 0 rows ({' x '.join(map(str, dims))}): no data in it")
    expected = 4 + 4 * ndim + IDX_ITEM_BYTES[head[2]] * math.prod(dims)
    if len(header_and_body) != expected:
        raise DataError(
            f"{path}: its IDX header says {' x '.join(map(str, dims))} ({expected:,} bytes) but the file holds "
            f"{len(header_and_body):,} bytes: cut short or not MNIST"
        )


def _read_idx(path: Path) -> torch.Tensor:
    from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

    try:
        check_idx(gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes(), path)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise DataError(f"{path}: not readable ({type(error).__name__}: {error})") from None
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
    """Normalized digits; DataError, one line, for IDX files that are not MNIST's shape: 28x28 images,
    one label 0-9 each."""
    if images.ndim != 3 or tuple(images.shape[1:]) != (28, 28):
        raise DataError(f"MNIST images must be N x 28 x 28; these IDX images are {' x '.join(map(str, images.shape))}")
    if labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"MNIST images {tuple(images.shape)} do not match labels {tuple(labels.shape)}")
    if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) <= 9:
        raise DataError(f"MNIST labels must be digits 0-9; these run from {int(labels.min())} to {int(labels.max())}")
    pixels = (images.float().unsqueeze(1) / 255.0 - MNIST_MEAN) / MNIST_STD  # (N, 1, 28, 28)
    return DenseSplit(pixels, labels.long())


def synthetic_mnist(rows: int = SYNTHETIC_MNIST_ROWS) -> TaskData:
    """The synthetic digits (models.data.synthetic), split 4:1 and normalized like real MNIST."""
    images, labels = synthetic_digits(rows)
    cut = rows * 4 // 5
    return TaskData(
        _mnist_split(images[:cut], labels[:cut]),
        _mnist_split(images[cut:], labels[cut:]),
        f"synthetic MNIST-shaped set ({cut} train / {rows - cut} eval)",
    )


def load_mnist(data_dir: str | os.PathLike | None = None, download: bool = False) -> TaskData:
    """MNIST from the data dir; the official download when asked; else the synthetic set."""
    directory = resolve_data_dir(data_dir)
    if directory is None and not download:
        return synthetic_mnist()
    if directory is not None:
        found = {
            stem: _find_idx(directory, stem)
            for stem in (
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
            )
        }
        test_images, test_labels = found["t10k-images-idx3-ubyte"], found["t10k-labels-idx1-ubyte"]
        if test_images and test_labels:
            test = _mnist_split(_read_idx(test_images), _read_idx(test_labels))
            if found["train-images-idx3-ubyte"] and found["train-labels-idx1-ubyte"]:
                train = _mnist_split(
                    _read_idx(found["train-images-idx3-ubyte"]), _read_idx(found["train-labels-idx1-ubyte"])
                )
                return TaskData(train, test, f"real MNIST from {directory} ({len(train)} train / {len(test)} test)")
            if len(test) <= MNIST_TEST_TRAIN_ROWS:
                raise DataError(
                    f"{test_images}: {len(test)} digits; with no train split, at least {MNIST_TEST_TRAIN_ROWS + 1} "
                    f"are needed ({MNIST_TEST_TRAIN_ROWS} to train on, the rest to evaluate)"
                )
            head, tail = torch.arange(MNIST_TEST_TRAIN_ROWS), torch.arange(MNIST_TEST_TRAIN_ROWS, len(test))
            return TaskData(
                DenseSplit(*test.batch(head)),
                DenseSplit(*test.batch(tail)),
                f"real MNIST t10k split from {directory}, split in order "
                f"({len(head)} train / {len(tail)} eval): the 60k train split is absent",
            )
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
    return TaskData(
        _mnist_split(train.data, train.targets),
        _mnist_split(test.data, test.targets),
        f"real MNIST downloaded into {root} ({len(train.data)} train / {len(test.data)} test)",
    )
