"""What a benchmark ran: the aten ops of one call, and how two such listings differ.

* `ops_of_one_call` lists the ops one call dispatches, each with the dtypes and shapes of its
  tensor arguments, counted: {"aten::addmm(f32[64,256], f32[64,784], f32[784,256])": 1, ...}.
  A TorchDispatchMode sees ops below autograd and autocast, so a backward's ops and a dtype that
  autocast chose are in the list; a composite op that the mode receives whole (aten::linear under
  inference_mode) is one entry, as it is one call of the dispatcher.
* `kernels_of_one_call` lists what ran underneath, from torch.profiler's events: every op at every
  level of the dispatcher (the implementation aten::convolution chose, aten::mkldnn_convolution or
  aten::_slow_conv2d_forward; the attention kernel inside SDPA) and, on a GPU, each device kernel,
  counted by name. The dispatch mode above stops where the Python dispatcher does, so a backend
  switch under one op is invisible to it and visible here.
* `op_changes` says how two such lists differ, for the gate's table; `kernel_changes` the same for
  kernels, leaving out what the op changes already say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

DTYPE_NAMES = {
    "float32": "f32",
    "bfloat16": "bf16",
    "float16": "f16",
    "float64": "f64",
    "int64": "i64",
    "int32": "i32",
    "int8": "i8",
    "uint8": "u8",
    "bool": "b8",
}
LIST_SHAPES_SHOWN = 4  # a tensor list longer than this (a foreach over all parameters) is named by its length
CHANGES_SHOWN = 8  # op changes printed per benchmark; the rest are counted


def _describe(argument) -> str | None:
    import torch

    if isinstance(argument, torch.Tensor):
        dtype = DTYPE_NAMES.get(str(argument.dtype).removeprefix("torch."), str(argument.dtype))
        # A layout change (channels_last) is a change of work even at equal shapes.
        layout = (
            ":cl"
            if argument.dim() == 4
            and not argument.is_contiguous()
            and argument.is_contiguous(memory_format=torch.channels_last)
            else ""
        )
        return f"{dtype}[{','.join(map(str, argument.shape))}]{layout}"
    if isinstance(argument, (list, tuple)) and argument and all(isinstance(item, torch.Tensor) for item in argument):
        if len(argument) > LIST_SHAPES_SHOWN:
            return f"[{len(argument)} tensors]"
        return "[" + ", ".join(_describe(item) for item in argument) + "]"
    return None


def signature(name: str, args: tuple, kwargs: dict) -> str:
    """An op and its tensor arguments: `aten::addmm(f32[256], f32[64,784], f32[784,256])`."""
    described = (_describe(argument) for argument in (*args, *kwargs.values()))
    return f"{name}({', '.join(text for text in described if text is not None)})"


def ops_of_one_call(function: Callable[[], object]) -> dict[str, int]:
    """Each op signature one call of `function` dispatched, with how many times."""
    from torch.utils._python_dispatch import TorchDispatchMode

    seen: Counter[str] = Counter()

    class Listing(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            seen[signature(func.name(), args, kwargs)] += 1
            return func(*args, **kwargs)

    with Listing():
        function()
    return dict(sorted(seen.items()))


KERNEL_NAME_SHOWN = 80  # a device kernel's mangled name is cut here: the start names it
# Ops that allocate, reshape or ask, computing nothing: their counts move with any change of
# implementation (oneDNN off: +20 aten::view, -20 aten::as_strided_, +20 aten::_nnpack_available
# beside -20 aten::mkldnn_convolution) and would bury the kernel that changed, so a kernel diff leaves them out.
BOOKKEEPING = frozenset(
    f"aten::{name}"
    for name in [
        "view",
        "_unsafe_view",
        "reshape",
        "as_strided",
        "as_strided_",
        "resize_",
        "empty",
        "empty_like",
        "empty_strided",
        "select",
        "slice",
        "t",
        "transpose",
        "permute",
        "expand",
        "unsqueeze",
        "squeeze",
        "alias",
        "detach",
        "detach_",
        "resolve_conj",
        "resolve_neg",
        "lift_fresh",
        "_nnpack_available",
        "is_same_size",
        "contiguous",
    ]
)


def kernels_of_one_call(function: Callable[[], object]) -> dict[str, int]:
    """Each op (all levels) and device kernel one call of `function` ran, by name, with how many times."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if torch.cuda.is_available() else [])
    with profile(activities=activities) as profiled:
        function()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
    seen = Counter(event.name[:KERNEL_NAME_SHOWN] for event in profiled.events())
    return dict(sorted(seen.items()))


def kernel_changes(before: dict[str, int], after: dict[str, int], already_said: list[str]) -> list[str]:
    """How the kernel lists of two sides differ (as `op_changes` says it), less the BOOKKEEPING ops
    and the names that the op changes `already_said` name."""
    said = {change.split()[-1] if change[0] in "+-" else change.split(": ", 1)[0] for change in already_said}
    left_out = said | BOOKKEEPING
    return _shown([change for change in _changes(before, after) if change.split()[-1] not in left_out])


def op_name(signature_text: str) -> str:
    return signature_text.split("(", 1)[0]


def op_changes(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """How the op lists of two sides differ, per call: first ops whose count changed (`+12 aten::bmm`,
    most changed first), then ops called as often but with other dtypes, shapes or layouts
    (`aten::addmm: f32[64,784] -> bf16[64,784]`). Empty when both ran the same work."""
    return _shown(_changes(before, after))


def _changes(before: dict[str, int], after: dict[str, int]) -> list[str]:
    by_name_before, by_name_after = Counter(), Counter()
    for text, count in before.items():
        by_name_before[op_name(text)] += count
    for text, count in after.items():
        by_name_after[op_name(text)] += count
    counted = sorted(
        (
            (by_name_after[name] - by_name_before[name], name)
            for name in by_name_before | by_name_after
            if by_name_after[name] != by_name_before[name]
        ),
        key=lambda change: (-abs(change[0]), change[1]),
    )
    changes = [f"{delta:+d} {name}" for delta, name in counted]
    moved = {text: after.get(text, 0) - before.get(text, 0) for text in before | after}
    reshaped = sorted({op_name(text) for text, delta in moved.items() if delta} - {name for _, name in counted})
    for name in reshaped:
        gone = [text[len(name) :] for text, delta in moved.items() if op_name(text) == name and delta < 0]
        new = [text[len(name) :] for text, delta in moved.items() if op_name(text) == name and delta > 0]
        changes.append(f"{name}: {' '.join(sorted(gone))} -> {' '.join(sorted(new))}")
    return changes


def _shown(changes: list[str]) -> list[str]:
    if len(changes) > CHANGES_SHOWN:
        changes = changes[:CHANGES_SHOWN] + [f"... {len(changes) - CHANGES_SHOWN} more"]
    return changes
