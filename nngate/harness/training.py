"""One train step and one evaluation per task, and `fit`, which runs epochs with a progress bar.

Losses take logits (the labs applied softmax and then NLL on probabilities, which trains badly):
cross-entropy for MNIST digits, BCE-with-logits for SST-2 sentiment, start/end cross-entropy for QA.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from nngate.workloads.splits import Split, TaskData, iterate_batches


def logits(outputs) -> torch.Tensor:
    """What a forward's output is read as where a workload says nothing: a tensor as it is; QA's start
    and end logits stacked, (B, 2, T); else the output's `logits`, or its first item."""
    if isinstance(outputs, torch.Tensor):
        return outputs
    if hasattr(outputs, "start_logits"):
        return torch.stack([outputs.start_logits, outputs.end_logits], dim=1)
    return outputs.logits if hasattr(outputs, "logits") else outputs[0]


@dataclass(frozen=True)
class Objective:
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (logits, targets) -> scalar
    predict: Callable[[torch.Tensor], torch.Tensor]  # logits -> predicted labels, same shape as targets


OBJECTIVES: dict[str, Objective] = {
    "mnist": Objective(F.cross_entropy, lambda logits: logits.argmax(dim=-1)),
    "sst2": Objective(
        lambda logits, labels: F.binary_cross_entropy_with_logits(logits.squeeze(-1), labels),
        lambda logits: (logits.squeeze(-1) > 0).float(),
    ),
    "qa": Objective(
        lambda logits, spans: F.cross_entropy(logits.flatten(0, 1), spans.flatten()),
        lambda logits: logits.argmax(dim=-1),
    ),
}
OBJECTIVES["classification"] = OBJECTIVES["mnist"]  # a declared workload's default: class logits, integer labels


def forward(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
    return logits(model(*inputs))


def train_step(
    model: nn.Module,
    inputs: tuple[torch.Tensor, ...],
    targets: torch.Tensor,
    objective: Objective,
    optimizer: torch.optim.Optimizer,
) -> torch.Tensor:
    """Forward, loss, backward, optimizer step; returns the loss (still on its device)."""
    return step(lambda: forward(model, inputs), targets, objective.loss, optimizer)


def step(
    forward_call: Callable[[], torch.Tensor],
    targets: torch.Tensor,
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
) -> torch.Tensor:
    """One training step around any forward: zero the gradients, loss, backward, optimizer step."""
    optimizer.zero_grad(set_to_none=True)
    value = loss(forward_call(), targets)
    value.backward()
    optimizer.step()
    return value.detach()


@torch.inference_mode()
def evaluate(model: nn.Module, split: Split, objective: Objective, batch_size: int = 512) -> float:
    """Fraction of examples whose prediction equals the label."""
    was_training = model.training
    model.eval()
    correct = 0
    for features, labels in iterate_batches(split, batch_size):
        correct += int((objective.predict(forward(model, (features,))) == labels).sum())
    model.train(was_training)
    return correct / len(split)


@dataclass
class FitResult:
    accuracy: float
    train_seconds: float
    steps: int
    epochs: int
    losses: list[float] = field(default_factory=list)  # mean loss per epoch

    @property
    def step_seconds(self) -> float:
        return self.train_seconds / max(self.steps, 1)


def fit(
    model: nn.Module,
    data: TaskData,
    task: str,
    epochs: int = 1,
    batch_size: int = 32,
    learning_rate: float = 1e-3,
    seed: int = 0,
    progress: bool = True,
) -> FitResult:
    """Adam for `epochs` over the train split, then accuracy on the eval split."""
    from tqdm.auto import tqdm

    if epochs < 1:
        raise ValueError(f"epochs: must be at least 1, got {epochs}")
    torch.manual_seed(seed)
    objective = OBJECTIVES[task]
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    steps, losses, seconds = 0, [], 0.0
    for epoch in range(epochs):
        batches = iterate_batches(data.train, batch_size, shuffle=True, seed=seed + epoch)
        total = -(-len(data.train) // batch_size)
        epoch_loss = torch.zeros(())
        started = time.perf_counter()
        for features, labels in tqdm(batches, total=total, disable=not progress, desc=f"epoch {epoch + 1}/{epochs}"):
            epoch_loss += train_step(model, (features,), labels, objective, optimizer)
            steps += 1
        seconds += time.perf_counter() - started
        losses.append(float(epoch_loss) / total)
    return FitResult(evaluate(model, data.eval, objective), seconds, steps, epochs, losses)
