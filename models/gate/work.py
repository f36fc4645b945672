"""What a benchmark ran: the aten ops of one call, and its CPU instructions counted under callgrind.

Standalone on purpose (torch and the standard library only): the gate copies this file beside the
side processes it starts (models.gate.side), so that a base revision that predates it is
described by exactly the same code as the working tree.

  * `ops_of_one_call` lists the ops one call dispatches, each with the dtypes and shapes of its
    tensor arguments, counted: {"aten::addmm(f32[64,256], f32[64,784], f32[784,256])": 1, ...}.
    A TorchDispatchMode sees ops below autograd and autocast, so a backward's ops and a dtype that
    autocast chose are in the list; a composite op that the mode receives whole (aten::linear under
    inference_mode) is one entry, as it is one call of the dispatcher.
  * `Callgrind.count` runs calls with callgrind instrumenting and collecting around them only, then
    has callgrind dump the count to a file named after the benchmark (models.gate.instructions
    reads it). Outside valgrind the requests do nothing.
  * `op_changes` says how two such lists differ, for the gate's table.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable

DTYPE_NAMES = {"float32": "f32", "bfloat16": "bf16", "float16": "f16", "float64": "f64", "int64": "i64",
               "int32": "i32", "int8": "i8", "uint8": "u8", "bool": "b8"}
LIST_SHAPES_SHOWN = 4  # a tensor list longer than this (a foreach over all parameters) is named by its length
CHANGES_SHOWN = 8  # op changes printed per benchmark; the rest are counted


def _describe(argument) -> str | None:
    import torch

    if isinstance(argument, torch.Tensor):
        dtype = DTYPE_NAMES.get(str(argument.dtype).removeprefix("torch."), str(argument.dtype))
        # A layout change (channels_last) is a change of work even at equal shapes.
        layout = ":cl" if argument.dim() == 4 and not argument.is_contiguous() and \
            argument.is_contiguous(memory_format=torch.channels_last) else ""
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


# Callgrind's client requests (valgrind/callgrind.h): VG_USERREQ_TOOL_BASE('C', 'T') and the next five.
DUMP_STATS_AT, START_INSTRUMENTATION, STOP_INSTRUMENTATION = 0x43540003, 0x43540004, 0x43540005
TOGGLE_COLLECT = 0x43540002
OVERHEAD = "nnbench overhead"  # the name of a count of a call that does nothing (ctypes and the loop: ~12k)
# valgrind.h's client request on x86-64 as a function of one argument, the request block: its address
# into rax, the default result (0) into rdx, the special preamble (rdi rotated by 3, 13, 61 and 51
# bits: 128, a no-op on the CPU), `xchg rbx, rbx`, and rdx back as the result. On the CPU it does
# nothing and returns 0; under valgrind, valgrind carries out the request.
CLIENT_REQUEST_X86_64 = bytes([
    0x48, 0x89, 0xF8, 0x31, 0xD2, 0x48, 0xC1, 0xC7, 0x03, 0x48, 0xC1, 0xC7, 0x0D, 0x48, 0xC1, 0xC7, 0x3D,
    0x48, 0xC1, 0xC7, 0x33, 0x48, 0x87, 0xDB, 0x48, 0x89, 0xD0, 0xC3])


class Callgrind:
    """Callgrind's client requests from Python. torch exposes two (toggle collection, dump), not the
    one that matters for speed: with --instr-atstart=no the interpreter, the imports and each
    model's construction run uninstrumented, about 3x faster under valgrind (import torch,
    torchvision and transformers: 202 s instrumented, 59 s not), and instrumentation is switched on
    around each count only."""

    def __init__(self) -> None:
        import ctypes
        import mmap

        self._ctypes = ctypes
        self._page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        self._page.write(CLIENT_REQUEST_X86_64)
        address = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        self._request = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)(address)

    def request(self, code: int, argument: int = 0) -> int:
        block = (self._ctypes.c_uint64 * 6)(code, argument, 0, 0, 0, 0)
        return self._request(self._ctypes.addressof(block))

    def count(self, function: Callable[[], object], calls: int, name: str) -> None:
        """`calls` calls with callgrind collecting, then a dump of what it collected, to a file of its
        own that names `name` ("failed <name>" where a call raised)."""
        import gc

        # Python's cyclic collector runs when allocations pass a threshold, so whether one falls in
        # the counted call depends on the process's history; a full collection over torch's and
        # transformers' objects is millions of instructions (a count 11x too high, seen). It runs
        # before the count, not during it, as timeit does.
        collecting = gc.isenabled()
        gc.collect()
        gc.disable()
        self.request(START_INSTRUMENTATION)
        self.request(TOGGLE_COLLECT)
        label = "failed " + name
        try:
            for _ in range(calls):
                function()
            label = name
        finally:  # collection off and a dump even when a call fails
            self.request(TOGGLE_COLLECT)
            text = self._ctypes.create_string_buffer(label.encode())
            self.request(DUMP_STATS_AT, self._ctypes.addressof(text))
            self.request(STOP_INSTRUMENTATION)
            if collecting:
                gc.enable()


def op_name(signature_text: str) -> str:
    return signature_text.split("(", 1)[0]


def op_changes(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """How the op lists of two sides differ, per call: first ops whose count changed (`+12 aten::bmm`,
    most changed first), then ops called as often but with other dtypes, shapes or layouts
    (`aten::addmm: f32[64,784] -> bf16[64,784]`). Empty when both ran the same work."""
    by_name_before, by_name_after = Counter(), Counter()
    for text, count in before.items():
        by_name_before[op_name(text)] += count
    for text, count in after.items():
        by_name_after[op_name(text)] += count
    counted = sorted(((by_name_after[name] - by_name_before[name], name) for name in by_name_before | by_name_after
                      if by_name_after[name] != by_name_before[name]), key=lambda change: (-abs(change[0]), change[1]))
    changes = [f"{delta:+d} {name}" for delta, name in counted]
    moved = {text: after.get(text, 0) - before.get(text, 0) for text in before | after}
    reshaped = sorted({op_name(text) for text, delta in moved.items() if delta} - {name for _, name in counted})
    for name in reshaped:
        gone = [text[len(name):] for text, delta in moved.items() if op_name(text) == name and delta < 0]
        new = [text[len(name):] for text, delta in moved.items() if op_name(text) == name and delta > 0]
        changes.append(f"{name}: {' '.join(sorted(gone))} -> {' '.join(sorted(new))}")
    if len(changes) > CHANGES_SHOWN:
        changes = changes[:CHANGES_SHOWN] + [f"... {len(changes) - CHANGES_SHOWN} more"]
    return changes
