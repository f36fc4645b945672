"""Data for every task, real when it is on disk (or downloaded on request), synthetic otherwise.

splits     TaskData, the split types, batches, the data-dir rule, DataError
mnist      MNIST from IDX files; sst2  GLUE SST-2 as bag-of-words counts
synthetic  every synthetic set and benchmark batch (MNIST-shaped digits, SST-2-shaped
           sentences, BERT QA inputs and answer spans)
"""

from models.data.mnist import load_mnist
from models.data.sst2 import load_sst2
from models.data.synthetic import example_inputs, example_targets, qa_inputs, qa_targets
from nngate.workloads.splits import (
    DATA_DIR_ENV,
    BagOfWordsSplit,
    DataError,
    DenseSplit,
    Split,
    TaskData,
    iterate_batches,
    resolve_data_dir,
)

__all__ = [
    "DATA_DIR_ENV",
    "BagOfWordsSplit",
    "DataError",
    "DenseSplit",
    "Split",
    "TaskData",
    "example_inputs",
    "example_targets",
    "iterate_batches",
    "load_mnist",
    "load_sst2",
    "qa_inputs",
    "qa_targets",
    "resolve_data_dir",
]
