"""SST-2 sentences as bag-of-words count vectors over the top-k training words, as the lab did."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import torch

from models.data.synthetic import synthetic_sentences
from nngate.workloads.splits import BagOfWordsSplit, DataError, TaskData, resolve_data_dir


def featurize(sentences: list[str], labels: list[int], words: dict[str, int]) -> BagOfWordsSplit:
    """Vocabulary ids of each sentence's known words; unknown words are dropped, as in the lab."""
    offsets, token_ids = [0], []
    for sentence in sentences:
        token_ids.extend(index for word in sentence.split() if (index := words.get(word)) is not None)
        offsets.append(len(token_ids))
    return BagOfWordsSplit(
        torch.tensor(offsets),
        torch.tensor(token_ids, dtype=torch.long),
        torch.tensor(labels, dtype=torch.float32),
        len(words),
    )


def top_words(sentences: list[str], vocab: int) -> dict[str, int]:
    """The `vocab` most frequent words, most frequent first (ties in order of first appearance)."""
    counts = Counter(word for sentence in sentences for word in sentence.split())
    return {word: index for index, (word, _) in enumerate(counts.most_common(vocab))}


def bag_of_words(
    train: tuple[list[str], list[int]], dev: tuple[list[str], list[int]], vocab: int, source: str
) -> TaskData:
    if vocab < 1:
        raise ValueError(f"vocab: must be at least 1, got {vocab}")
    words = top_words(train[0], vocab)
    if len(words) < vocab:
        source += f"; only {len(words)} distinct words, vocab padded to {vocab}"
    train_split, dev_split = featurize(*train, words), featurize(*dev, words)
    train_split.vocab = dev_split.vocab = vocab
    return TaskData(train_split, dev_split, source)


def _find_tsv(directory: Path) -> Path | None:
    for folder in (directory / "sst2", directory / "SST-2", directory):
        if (folder / "train.tsv").is_file() and (folder / "dev.tsv").is_file():
            return folder
    return None


SST2_HEADER = "sentence\tlabel"


def check_tsv(path: Path) -> None:
    """DataError, one line naming the file and line, unless `path` is GLUE's SST-2 layout: UTF-8, the
    header `sentence<TAB>label`, then a sentence and a label 0 or 1 on every line."""
    try:
        lines = path.read_bytes().decode("utf-8").splitlines()
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not UTF-8 (byte 0x{error.object[error.start]:02x})") from None
    if not lines or lines[0].strip() != SST2_HEADER:
        found = repr(lines[0][:60]) if lines else "an empty file"
        raise DataError(f"{path}, line 1: expected the header 'sentence<TAB>label', found {found}")
    for number, line in enumerate(lines[1:], start=2):
        sentence, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1"):
            raise DataError(f"{path}, line {number}: expected a sentence, a tab and a label 0 or 1: {line[:60]!r}")


def _columns(split) -> tuple[list[str], list[int]]:
    return list(split["sentence"]), [int(label) for label in split["label"]]


def load_sst2(data_dir: str | os.PathLike | None = None, download: bool = False, vocab: int = 10_000) -> TaskData:
    """GLUE SST-2 train/dev from TSV files, from the hub when asked, else a synthetic set."""
    directory = resolve_data_dir(data_dir)
    if directory is None and not download:
        train, dev = synthetic_sentences()
        return bag_of_words(
            train, dev, vocab, f"synthetic SST-2-shaped set ({len(train[0])} train / {len(dev[0])} dev sentences)"
        )
    import datasets

    datasets.disable_progress_bars()
    folder = _find_tsv(directory) if directory is not None else None
    try:
        if folder is not None:
            for name in ("train.tsv", "dev.tsv"):
                check_tsv(folder / name)
            loaded = datasets.load_dataset(
                "csv",
                data_files={"train": str(folder / "train.tsv"), "dev": str(folder / "dev.tsv")},
                delimiter="\t",
                quoting=3,
            )  # quoting=3 (QUOTE_NONE): GLUE's sentences hold bare quotes
            source = f"real GLUE SST-2 from {folder}"
        elif download:
            hub = datasets.load_dataset("glue", "sst2")
            loaded, source = {"train": hub["train"], "dev": hub["validation"]}, "real GLUE SST-2 from the hub"
        else:
            raise DataError(f"no SST-2 train.tsv/dev.tsv under {directory} (looked in sst2/, SST-2/ and the dir)")
        train, dev = _columns(loaded["train"]), _columns(loaded["dev"])
    except DataError:
        raise
    except Exception as error:  # datasets and pandas raise many types for unreadable files
        raise DataError(f"SST-2 could not be read: {type(error).__name__}: {str(error).splitlines()[0]}") from None
    return bag_of_words(train, dev, vocab, f"{source} ({len(train[0])} train / {len(dev[0])} dev sentences)")
