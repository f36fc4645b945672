"""Callgrind's client requests from Python: one call's instructions, counted and dumped by name.

`Callgrind.count` runs calls with callgrind instrumenting and collecting around them only, then has
callgrind dump the count to a file named after the benchmark (nngate.gate.instructions reads it).
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
CLIENT_REQUEST_X86_64 = bytes.fromhex(
    "4889f8"  # mov rax, rdi
    "31d2"  # xor edx, edx
    "48c1c703 48c1c70d 48c1c73d 48c1c733"  # rol rdi by 3, 13, 61, 51: the preamble
    "4887db"  # xchg rbx, rbx: the request
    "4889d0"  # mov rax, rdx
    "c3"  # ret
)
# Before a count, the body runs this often uninstrumented (bounded by WARM_UP_SECONDS under valgrind):
# CPython's adaptive interpreter re-specializes and caches settle over the first tens of calls, and a
# count taken after one warm-up call drifted by a few percent from call to call (docs/instructions.md);
# after the warm-up it repeats.
WARM_UP_CALLS, WARM_UP_SECONDS = 50, 5.0
SEPARATOR = " #"  # a dump is named "<benchmark> #<call>"


class Callgrind:
    """Callgrind's client requests from Python. torch exposes two (toggle collection, dump), not the
    one that matters for speed: with --instr-atstart=no the interpreter, the imports and each
    model's construction run uninstrumented, several times faster under valgrind (docs/instructions.md),
    and instrumentation is switched on around each count only."""

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

    def count(self, function: Callable[[], object], calls: int, name: str, warm_up: bool = True) -> None:
        """Warm up (where asked), then `calls` calls, each with callgrind collecting and dumped to a
        file of its own named "<name> #<call>" ("failed <name> #<call>" where the call raised)."""
        import gc
        import time

        started, warmed = time.perf_counter(), 0
        while warm_up and warmed < WARM_UP_CALLS and time.perf_counter() - started < WARM_UP_SECONDS:
            function()
            warmed += 1
        # Python's cyclic collector runs when allocations pass a threshold, so whether one falls in
        # a counted call depends on the process's history; a full collection over torch's and
        # transformers' objects is millions of instructions (docs/instructions.md). It runs
        # before the count, not during it, as timeit does.
        collecting = gc.isenabled()
        gc.collect()
        gc.disable()
        self.request(START_INSTRUMENTATION)
        try:
            for call in range(calls):
                self._count_one(function, f"{name}{SEPARATOR}{call}")
        finally:
            self.request(STOP_INSTRUMENTATION)
            if collecting:
                gc.enable()

    def _count_one(self, function: Callable[[], object], label: str) -> None:
        self.request(TOGGLE_COLLECT)
        failed = True
        try:
            function()
            failed = False
        finally:  # collection off and a dump even when the call fails
            self.request(TOGGLE_COLLECT)
            text = self._ctypes.create_string_buffer((f"failed {label}" if failed else label).encode())
            self.request(DUMP_STATS_AT, self._ctypes.addressof(text))
