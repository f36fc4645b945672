"""Instruction counting: reading callgrind's dumps, sharing a selection over processes, valgrind
missing, and a real count under callgrind where valgrind is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given

from nngate.gate import instructions
from nngate.probe import callgrind

from strategies import benchmark_weights

DUMP = """# callgrind format
version: 1
creator: callgrind-3.19.0
part: {part}

desc: Trigger: Client Request: {name}

events: Ir
summary: {total}

fn=(1) main
0 {total}
totals: {total}
"""


def write_dump(folder: Path, part: int, name: str, total: int) -> None:
    (folder / f"callgrind.out.{part}").write_text(DUMP.format(part=part, name=name, total=total))


def test_counts_are_the_median_of_the_calls_less_the_overhead_with_their_spread(tmp_path):
    mlp, train = "bench/test_latency.py::test_inference[mlp-bs1-cpu-fp32]", "bench/t.py::test_train_step[mlp-bs64]"
    for part, total in enumerate((100, 104, 98)):  # what counts of nothing collected: their median taken off
        write_dump(tmp_path, 10 + part, f"{callgrind.OVERHEAD} #{part}", total)
    for part, total in enumerate((3_100, 3_140, 3_090)):
        write_dump(tmp_path, 20 + part, f"{mlp} #{part}", total)
    write_dump(tmp_path, 30, "failed bench/test_latency.py::test_inference[cnn-bs1-cpu-fp32] #0", 99)
    for part, total in enumerate((7_001, 7_001, 7_001)):
        write_dump(tmp_path, 40 + part, f"{train} #{part}", total)
    (tmp_path / "callgrind.out.4").write_text("truncated")
    per_call, spread = instructions.read_counts(tmp_path)
    assert per_call == {mlp: 3_000, train: 6_901}
    assert spread == {mlp: pytest.approx(50 / 3_000), train: 0.0}


@given(benchmark_weights())
def test_shares_split_a_selection_whole_in_order_and_evenly(weights):
    names = list(weights)
    groups = instructions.shares(names, weights, processes=2)
    assert sorted(name for group in groups for name in group) == sorted(names)
    order = {name: index for index, name in enumerate(names)}
    assert all([order[name] for name in group] == sorted(order[name] for name in group) for group in groups)
    if len(groups) == 2:  # greedy, longest first: the groups differ by at most the longest benchmark
        loads = [sum(weights[name] for name in group) for group in groups]
        assert abs(loads[0] - loads[1]) <= max(weights.values()) + 1e-9


def test_without_valgrind_counting_is_refused_in_one_line_with_the_install_command(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert instructions.unavailable() == (
        "valgrind is not installed: install it to count instructions (Debian: apt-get install valgrind)"
    )


COUNTING = """
import torch
from callgrind import OVERHEAD, Callgrind
torch.set_num_threads(1)
left = torch.randn(64, 64)
torch.mm(left, left)
counter = Callgrind()
assert counter.request(0x1001) == 1  # RUNNING_ON_VALGRIND
counter.count(lambda: None, 3, OVERHEAD)
counter.count(lambda: torch.mm(left, left), 3, "product")
counter.count(lambda: torch.mm(left, left), 3, "again")
"""


@pytest.mark.integration
@pytest.mark.skipif(instructions.unavailable() is not None, reason=f"{instructions.unavailable()}")
def test_under_callgrind_a_count_is_per_call_and_repeats(tmp_path):
    """One valgrind process (about 40 s here): two counts of a 64x64 product, three calls each."""
    shutil.copy(callgrind.__file__, tmp_path / "callgrind.py")
    (tmp_path / "counting.py").write_text(textwrap.dedent(COUNTING))
    done = subprocess.run(
        [*instructions.CALLGRIND, f"--callgrind-out-file={tmp_path / 'callgrind.out'}", sys.executable, "counting.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**instructions.VALGRIND_ENV, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    per_call, spread = instructions.read_counts(tmp_path)
    assert per_call["product"] > 10_000  # a 64x64x64 product is 262,144 multiply-adds: far more than nothing
    assert spread["product"] < 0.005 and spread["again"] < 0.005  # after the warm-up the calls agree
    assert abs(per_call["again"] / per_call["product"] - 1) < 0.005  # and a count repeats
