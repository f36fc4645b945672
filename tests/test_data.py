"""Loaders on real and synthetic data: shapes, determinism, the source they report, and their errors."""

from __future__ import annotations

import gzip
import shutil

import pytest
import torch

import models
from models.data import (
    DATA_DIR_ENV,
    BagOfWordsSplit,
    DataError,
    example_inputs,
    iterate_batches,
    load_mnist,
    load_sst2,
    qa_inputs,
)
from models.data.sst2 import featurize, top_words


@pytest.fixture(autouse=True)
def no_data_dir_from_the_environment(monkeypatch):
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)


def test_synthetic_mnist_is_mnist_shaped_deterministic_and_says_so():
    first, second = load_mnist(), load_mnist()
    assert first.is_synthetic and "synthetic" in first.source
    images, labels = first.train.batch(torch.arange(5))
    assert images.shape == (5, 1, 28, 28) and labels.dtype == torch.long
    assert torch.equal(images, second.train.batch(torch.arange(5))[0])
    assert set(first.eval.batch(torch.arange(len(first.eval)))[1].tolist()) == set(range(10))


def test_real_mnist_test_split_is_split_8000_2000(real_data_dir):
    data = load_mnist(real_data_dir)
    assert not data.is_synthetic
    assert (len(data.train), len(data.eval)) == (8000, 2000)
    assert "8000 train / 2000 eval" in data.source and "60k train split is absent" in data.source
    images, labels = data.eval.batch(torch.arange(len(data.eval)))
    assert images.shape == (2000, 1, 28, 28)
    # Every digit appears, and pixels were normalized (mean about 0, std about 1).
    assert set(labels.tolist()) == set(range(10))
    assert abs(float(images.mean())) < 0.1 and 0.9 < float(images.std()) < 1.1


def test_mnist_data_dir_from_environment(monkeypatch, real_data_dir):
    monkeypatch.setenv(DATA_DIR_ENV, str(real_data_dir))
    assert not load_mnist().is_synthetic


def test_missing_mnist_is_a_one_line_error(tmp_path):
    for missing, message in ((tmp_path / "nowhere", "does not exist"), (tmp_path, "no MNIST IDX files")):
        with pytest.raises(DataError, match=message) as error:
            load_mnist(missing)
        assert "\n" not in str(error.value)


def test_corrupt_mnist_is_a_one_line_error(tmp_path, real_data_dir):
    (tmp_path / "mnist").mkdir()
    shutil.copy(real_data_dir / "mnist" / "t10k-labels-idx1-ubyte.gz", tmp_path / "mnist")
    with gzip.open(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz", "wb") as broken:
        broken.write(b"\x00\x00\x08\x03 not an image file")
    with pytest.raises(
        DataError, match="its IDX header says 544108404 x 543256096 x 1768776039 .* but the file holds 22 bytes"
    ) as error:
        load_mnist(tmp_path)
    assert "\n" not in str(error.value)


def write_images(folder, data: bytes):
    (folder / "mnist").mkdir(exist_ok=True)
    with gzip.open(folder / "mnist" / "t10k-labels-idx1-ubyte.gz", "wb") as labels:
        labels.write(b"\x00\x00\x08\x01" + (1).to_bytes(4, "big") + b"\x03")
    with gzip.open(folder / "mnist" / "t10k-images-idx3-ubyte.gz", "wb") as images:
        images.write(data)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"garbage, not IDX at all", r"not an IDX file \(it starts 67 61 72 62; IDX starts 00 00 08 0N\)$"),
        (b"\x00\x00\x08\x03" + (0).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2, "an IDX file of 0 rows"),
        (
            b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(784),
            r"its IDX header says 2 x 28 x 28 \(1,584 bytes\) but the file holds 800 bytes",
        ),
    ],
)
def test_a_bad_idx_file_is_named_with_what_is_wrong_in_one_line(tmp_path, data, message):
    write_images(tmp_path, data)
    with pytest.raises(DataError, match=message) as error:
        load_mnist(tmp_path)
    assert "\n" not in str(error.value) and "t10k-images-idx3-ubyte.gz" in str(error.value)


def test_bag_of_words_counts_known_words_and_drops_the_rest():
    words = top_words(["a b a c", "a b", "d"], vocab=2)
    assert words == {"a": 0, "b": 1}
    split = featurize(["a a b zzz", "c d", "b"], [1, 0, 1], words)
    counts, labels = split.batch(torch.tensor([2, 0, 1]))
    assert counts.tolist() == [[0, 1], [2, 1], [0, 0]]
    assert labels.tolist() == [1.0, 1.0, 0.0]


def test_synthetic_sst2_has_the_requested_vocab_and_says_so():
    data = load_sst2(vocab=500)
    assert data.is_synthetic
    counts, labels = data.train.batch(torch.arange(8))
    assert counts.shape == (8, 500) and set(labels.tolist()) <= {0.0, 1.0}
    assert float(counts.sum()) > 0


def test_real_sst2_sizes_and_vocabulary(real_data_dir):
    data = load_sst2(real_data_dir, vocab=10000)
    assert not data.is_synthetic and "67349 train / 872 dev" in data.source
    assert isinstance(data.train, BagOfWordsSplit) and data.train.vocab == 10000
    counts, labels = data.eval.batch(torch.arange(len(data.eval)))
    assert counts.shape == (872, 10000)
    assert 0.4 < float(labels.mean()) < 0.6  # SST-2 dev is roughly balanced
    assert int(data.train.token_ids.max()) == 9999


def test_sst2_missing_files_are_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="no SST-2 train.tsv/dev.tsv"):
        load_sst2(tmp_path)


@pytest.mark.parametrize(
    "train, message",
    [
        (b"sentence\tlabel\ngood film\t1\nbad \xff film\t0\n", r"train.tsv, line 3: not UTF-8 \(byte 0xff\)$"),
        (b"good film\t1\n", r"train.tsv, line 1: expected the header 'sentence<TAB>label', found 'good film\\t1'$"),
        (
            b"sentence\tlabel\ngood film\t1\nno label here\n",
            "train.tsv, line 3: expected a sentence, a tab and a label",
        ),
    ],
)
def test_a_bad_sst2_file_is_named_with_its_line_in_one_line(tmp_path, train, message):
    (tmp_path / "sst2").mkdir()
    (tmp_path / "sst2" / "train.tsv").write_bytes(train)
    (tmp_path / "sst2" / "dev.tsv").write_bytes(b"sentence\tlabel\nfine\t1\n")
    with pytest.raises(DataError, match=message) as error:
        load_sst2(tmp_path)
    assert "\n" not in str(error.value)


def test_batches_cover_every_row_once_and_shuffle_deterministically():
    data = load_mnist()
    seen = torch.cat([labels for _, labels in iterate_batches(data.eval, 300, shuffle=True, seed=3)])
    assert len(seen) == len(data.eval)
    assert torch.equal(seen.sort().values, data.eval.labels.sort().values)
    again = torch.cat([labels for _, labels in iterate_batches(data.eval, 300, shuffle=True, seed=3)])
    assert torch.equal(seen, again)
    with pytest.raises(ValueError, match="batch_size"):
        next(iterate_batches(data.eval, 0))


def test_qa_inputs_have_bert_shapes_and_segments():
    input_ids, attention_mask, token_type_ids = qa_inputs(4, 32, vocab=50)
    assert input_ids.shape == attention_mask.shape == token_type_ids.shape == (4, 32)
    assert int(input_ids.max()) < 50 and bool(attention_mask.all())
    assert token_type_ids[:, :8].sum() == 0 and bool(token_type_ids[:, 8:].all())


@pytest.mark.parametrize("name", list(models.ARCHITECTURES))
def test_example_inputs_match_the_declared_shapes(name):
    config = models.make_config(name)
    inputs = example_inputs(config, 3)
    assert tuple(tuple(tensor.shape) for tensor in inputs) == config.input_shapes(3)
    with pytest.raises(ValueError, match="batch_size"):
        example_inputs(config, 0)
