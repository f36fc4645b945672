"""Ways of running one model: the variant axis of a benchmark (`--variant`).

* `eager`: the model as built, the default and the smoke set's only variant.
* `channels_last`: the model and its 4-D inputs in NHWC memory format (oneDNN and cuDNN pick other
  convolution kernels for it). A model with no convolution has nothing to reformat: a recorded skip.
* `compile`: `torch.compile` with inductor, specialized to the case's shapes. The first call compiles;
  it is timed apart (`compile_seconds`) and never inside the timed calls.
* `cudagraph`: the body captured once into a CUDA graph and replayed: CUDA only.

A variant that cannot run a case here, or fails to build for it, raises VariantUnavailable with the
error's first line; the benchmark fixture turns it into a recorded skip, never a failed run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import torch
from torch import nn

from nngate import schema
from nngate.harness.devices import synchronized

DEFAULT_VARIANT = schema.DEFAULT_VARIANT
VARIANTS = (DEFAULT_VARIANT, "channels_last", "compile", "cudagraph")
CAPTURE_WARM_UP_CALLS = 3  # CUDA graphs: calls on a side stream before capture, so lazy setup is not captured


class VariantUnavailable(RuntimeError):
    """This variant (or dtype) cannot run this case on this device: the reason is the message."""


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def check_runs_here(variant: str, dtype: str, device: torch.device, model: nn.Module) -> None:
    """Raise VariantUnavailable where `variant` or `dtype` cannot run `model` on `device`."""
    if variant not in VARIANTS:
        raise ValueError(f"variant: {variant!r} is not one of {', '.join(VARIANTS)}")
    if variant == "cudagraph" and device.type != "cuda":
        raise VariantUnavailable(f"cudagraph captures CUDA work: it needs --device cuda, not {device.type}")
    if dtype == "tf32" and device.type != "cuda":
        raise VariantUnavailable(f"tf32 is a CUDA matmul precision: it needs --device cuda, not {device.type}")
    if variant == "channels_last" and not any(isinstance(module, nn.Conv2d) for module in model.modules()):
        raise VariantUnavailable("channels_last reformats 4-D activations: this model has no Conv2d")


def reformatted(
    variant: str, model: nn.Module, inputs: tuple[torch.Tensor, ...]
) -> tuple[nn.Module, tuple[torch.Tensor, ...]]:
    """The model and inputs in the variant's memory format (unchanged but for channels_last)."""
    if variant != "channels_last":
        return model, inputs
    return model.to(memory_format=torch.channels_last), tuple(
        tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 else tensor for tensor in inputs
    )


def compiled(variant: str, model: nn.Module) -> nn.Module:
    """For `compile`, the model under torch.compile (lazy: it compiles on its first call)."""
    if variant != "compile":
        return model
    # A fresh cache per case: dynamo's per-code cache is shared by every model of one class, and past
    # its size limit it would fall back to eager without failing; dynamic=False keeps the kernels
    # specialized to this case's shapes, as a deployed model of fixed batch size would be.
    torch._dynamo.reset()
    return torch.compile(model, dynamic=False)


@contextlib.contextmanager
def tf32_matmuls(enabled: bool):
    """CUDA's fp32 matmuls and convolutions in TF32 (or not) inside the block, as found after it."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def in_precision(body: Callable[[], object], dtype: str) -> Callable[[], object]:
    """tf32: `body` with CUDA's fp32 matmuls and convolutions in TF32 for each call, restored after
    it. Any other dtype: `body` itself, so that an fp32 call costs not one instruction more (the
    gate's instruction counts caught a no-op context manager here: +2.4% on the MLP at batch 1)."""
    if dtype != "tf32":
        return body

    def body_in_tf32() -> object:
        with tf32_matmuls(True):
            return body()

    return body_in_tf32


def _captured(body: Callable[[], object], device: torch.device) -> Callable[[], object]:
    """`body` captured into a CUDA graph after warm-up calls on a side stream; returns its replay."""
    stream = torch.cuda.Stream(device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        for _ in range(CAPTURE_WARM_UP_CALLS):
            body()
    torch.cuda.current_stream(device).wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        output = body()

    def replay() -> object:
        graph.replay()
        return output  # the graph's static output, overwritten by each replay

    return replay


def finished(variant: str, body: Callable[[], object], device: torch.device) -> tuple[Callable[[], object], dict]:
    """The body to time and what building it cost: `compile` calls it once (compilation happens
    there, and its seconds are returned), `cudagraph` captures it. Any failure: VariantUnavailable."""
    try:
        if variant == "compile":
            started = time.perf_counter()
            synchronized(body, device)()
            return body, {schema.COMPILE_SECONDS: time.perf_counter() - started}
        if variant == "cudagraph":
            return _captured(body, device), {}
    except torch.OutOfMemoryError:
        raise  # the fixture's own skip says so, with the device
    except Exception as error:  # a variant that fails to build is a skip with the reason, never a failed run
        raise VariantUnavailable(f"{variant} failed for this model: {first_line(error)}") from error
    return body, {}
