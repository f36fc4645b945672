"""Callgrind's client requests from Python: one call's instructions, counted and dumped by name.

`Callgrind.count` runs calls with callgrind instrumenting and collecting around them only, then has
callgrind dump the count to a file named after the benchmark (models.gate.instructions reads it).
Outside valgrind every request does nothing and returns 0.
"""

from __future__ import annotations

from collections.abc import Callable

# Callgrind's client requests (valgrind/callgrind.h): VG_USERREQ_TOOL_BASE('C', 'T') and the next five.
DUMP_STATS_AT, START_INSTRUMENTATION, STOP_INSTRUMENTATION = 0x43540003, 0x43540004, 0x43540005
TOGGLE_COLLECT = 0x43540002
OVERHEAD = "nnbench overhead"  # the name of a count of a call that does nothing: ctypes and the loop
# valgrind.h's client request on x86-64 as a function of one argument, the request block: its address
# into rax, the default result (0) into rdx, the special preamble (rdi rotated by 3, 13, 61 and 51
# bits: 128, a no-op on the CPU), `xchg rbx, rbx`, and rdx back as the result. On the CPU it does
# nothing and returns 0; under valgrind, valgrind carries out the request.
CLIENT_REQUEST_X86_64 = bytes(
    [
        0x48,
        0x89,
        0xF8,
        0x31,
        0xD2,
        0x48,
        0xC1,
        0xC7,
        0x03,
        0x48,
        0xC1,
        0xC7,
        0x0D,
        0x48,
        0xC1,
        0xC7,
        0x3D,
        0x48,
        0xC1,
        0xC7,
        0x33,
        0x48,
        0x87,
        0xDB,
        0x48,
        0x89,
        0xD0,
        0xC3,
    ]
)


class Callgrind:
    """Callgrind's client requests from Python. torch exposes two (toggle collection, dump), not the
    one that matters for speed: with --instr-atstart=no the interpreter, the imports and each
    model's construction run uninstrumented, several times faster under valgrind (README,
    "Instruction counts"), and instrumentation is switched on around each count only."""

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
        # transformers' objects is millions of instructions (README, "Instruction counts"). It runs
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
