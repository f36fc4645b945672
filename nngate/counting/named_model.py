"""A model named on the command line: `MODULE:CALLABLE` builds it, `--input-shape` describes each input.

`torchvision.models:mobilenet_v3_small` imports torchvision.models and calls mobilenet_v3_small();
`mypackage.nets:build` a function of the user's own. One shape per positional input, `1,3,224,224`
for a float tensor, `1,128:int` for token ids (int64, zeros: the walk reads no values).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import torch

INTEGER_SUFFIX = ":int"


def is_named_model(text: str) -> bool:
    return ":" in text


def model_builder(text: str) -> Callable[[], torch.nn.Module]:
    """The callable MODULE:CALLABLE names; ValueError (one line) where it cannot be found."""
    module_name, _, attribute = text.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"model: {text!r} is not MODULE:CALLABLE (e.g. torchvision.models:resnet50)")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"model: cannot import {module_name!r} ({error})") from None
    target = module
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise ValueError(f"model: {module_name!r} has no {attribute!r}")
    if not callable(target):
        raise ValueError(f"model: {text!r} is not callable")

    def build() -> torch.nn.Module:
        torch.manual_seed(0)
        model = target()
        if not isinstance(model, torch.nn.Module):
            raise ValueError(f"model: {text}() returned {type(model).__name__}, not a torch.nn.Module")
        return model

    return build


def example_input(text: str) -> torch.Tensor:
    """`1,3,224,224` -> a float32 tensor of that shape (seeded); `1,128:int` -> int64 zeros."""
    integer = text.endswith(INTEGER_SUFFIX)
    digits = text.removesuffix(INTEGER_SUFFIX)
    try:
        shape = tuple(int(part) for part in digits.split(","))
    except ValueError:
        raise ValueError(
            f"--input-shape: {text!r} is not comma-separated sizes (e.g. 1,3,224,224 or 1,128:int)"
        ) from None
    if not shape or min(shape) < 1:
        raise ValueError(f"--input-shape: {text!r}: every size must be at least 1")
    if integer:
        return torch.zeros(shape, dtype=torch.long)
    return torch.randn(shape, generator=torch.Generator().manual_seed(0))
