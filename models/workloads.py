"""The suite's five architectures, declared through nngate's public API like any user's workload
(pyproject.toml names this module under [tool.nngate] workloads)."""

from __future__ import annotations

from functools import partial

from models import walks
from models.arch import bert, bow_mlp, cnn, mlp, resnet
from models.data import load_mnist, load_sst2
from models.data.synthetic import example_inputs, example_targets
from nngate.workloads import Workload, declare


def _mnist(config, data_dir: str | None, download: bool):
    return load_mnist(data_dir, download)


def _sst2(config, data_dir: str | None, download: bool):
    return load_sst2(data_dir, download, vocab=config.vocab)


def _declared(name, config_type, builder, task, summary, walk, data=None) -> Workload:
    return declare(
        Workload(
            name,
            config_type,
            builder,
            inputs=example_inputs,
            task=task,
            summary=summary,
            targets=partial(example_targets, task),
            walk=walk,
            data=data,
        )
    )


FIVE = (
    _declared("mlp", mlp.MLPConfig, mlp.build, "mnist", "MNIST multi-layer perceptron (labs 1-2)", walks.mlp, _mnist),
    _declared(
        "cnn", cnn.CNNConfig, cnn.build, "mnist", "MNIST small CNN, conv+maxpool blocks (lab 2)", walks.cnn, _mnist
    ),
    _declared(
        "bow_mlp", bow_mlp.BowMLPConfig, bow_mlp.build, "sst2", "SST-2 bag-of-words MLP (lab 3)", walks.bow_mlp, _sst2
    ),
    _declared("resnet18", resnet.ResNetConfig, resnet.build, "mnist", "torchvision ResNet18", walks.resnet18, _mnist),
    _declared(
        "bert_qa", bert.BertQAConfig, bert.build, "qa", "transformers BERT-base question answering", walks.bert_qa
    ),
)
ARCHITECTURES = {workload.name: workload for workload in FIVE}  # the suite's own, in the labs' order
