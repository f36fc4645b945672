"""Train step, evaluation and fit: losses on logits, accuracy that means what it says."""

from __future__ import annotations

import pytest
import torch

import models
from models.data import DenseSplit, example_inputs, load_mnist, load_sst2, qa_targets
from nngate.harness.training import OBJECTIVES, evaluate, fit, train_step


@pytest.fixture(autouse=True)
def synthetic_only(monkeypatch):
    monkeypatch.delenv("NNBENCH_DATA_DIR", raising=False)


def test_train_steps_reduce_the_loss_on_a_fixed_batch():
    torch.manual_seed(0)
    model = models.build("mlp", hidden="64")
    data = load_mnist()
    features, labels = data.train.batch(torch.arange(64))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = [float(train_step(model, (features,), labels, OBJECTIVES["mnist"], optimizer)) for _ in range(20)]
    assert losses[-1] < losses[0] / 2


def test_qa_train_step_updates_every_weight_it_should():
    torch.manual_seed(0)
    config = models.make_config(
        "bert_qa", vocab=64, layers=1, hidden=16, heads=2, intermediate=32, positions=32, seq_len=16, attention="eager"
    )
    model = models.build_from_config(config)
    before = model.qa_outputs.weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = train_step(model, example_inputs(config, 2), qa_targets(2, 16), OBJECTIVES["qa"], optimizer)
    assert torch.isfinite(loss) and not torch.equal(before, model.qa_outputs.weight)


def test_evaluate_counts_correct_predictions():
    split = DenseSplit(torch.eye(4), torch.tensor([0, 1, 2, 0]))
    identity = torch.nn.Identity()
    assert evaluate(identity, split, OBJECTIVES["mnist"]) == 0.75


def test_sst2_predictions_threshold_the_logit_at_zero():
    logits = torch.tensor([[2.0], [-0.5], [0.1]])
    assert OBJECTIVES["sst2"].predict(logits).tolist() == [1.0, 0.0, 1.0]


def test_fit_learns_synthetic_mnist_well_above_chance():
    result = fit(models.build("mlp", hidden="64"), load_mnist(), "mnist", epochs=1, batch_size=64, progress=False)
    assert result.accuracy > 0.5 and result.steps == 125 and result.step_seconds > 0
    assert result.losses[0] < 2.3  # below ln(10), the loss of a uniform guess


def test_fit_learns_synthetic_sst2():
    data = load_sst2(vocab=1000)
    result = fit(models.build("bow_mlp", vocab=1000, layers=1, hidden=32), data, "sst2", progress=False)
    assert result.accuracy > 0.7


def test_fit_rejects_zero_epochs():
    with pytest.raises(ValueError, match="epochs"):
        fit(models.build("mlp"), load_mnist(), "mnist", epochs=0, progress=False)
