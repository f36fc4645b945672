"""The A/B lockstep and the backfill's round robin over scripted sides here: no git, processes or timing.

A scripted side plays the side process's end of the protocol (nngate.probe.protocol): ready at
each of its benchmarks in turn, it answers a slot with call times it was given.
"""

from __future__ import annotations

from collections import deque

import pytest

from nngate.gate.pairing import decide
from nngate.probe import protocol
from nngate.runtime.processes import SideError
from nngate.runtime.scheduler import MIN_WINDOW_SECONDS, SLOT_SECONDS, Lockstep, RoundRobin, Side, window_pairs

NAMES = ["bench/t.py::a", "bench/t.py::b"]
CALL_SECONDS = 0.2  # one call a slot: four pairs span the window (MIN_WINDOW_SECONDS)


class ScriptedChannel:
    """A side's end of the channel, played here: AT each benchmark, TIMES for each SLOT."""

    def __init__(self, label, benchmarks, log, seconds=CALL_SECONDS, first_slot_seconds=None, reply_tag=None):
        self.label, self.benchmarks, self.log = label, deque(benchmarks), log
        self.seconds, self.first_slot_seconds = seconds, first_slot_seconds
        self.reply_tag = reply_tag or protocol.TIMES  # another tag: a side of another protocol
        self.pending: deque = deque()
        self.slots_here = 0
        self._ready_at_next()

    def _ready_at_next(self):
        self.slots_here = 0
        if self.benchmarks:
            self.pending.append(
                (protocol.AT, self.benchmarks.popleft(), self.seconds, {"aten::relu()": 1}, {"aten::clamp_min": 1})
            )

    def poll(self, timeout):
        return True  # a closed channel is "ready" too: its recv raises EOFError

    def recv(self):
        if not self.pending:
            raise EOFError
        return self.pending.popleft()

    def send(self, message):
        tag, *payload = message
        if tag == protocol.SLOT:
            self.log.append(self.label)
            first = self.slots_here == 0 and self.first_slot_seconds is not None
            self.slots_here += 1
            self.pending.append((self.reply_tag, [self.first_slot_seconds if first else self.seconds] * payload[0]))
        elif tag == protocol.NEXT:
            self._ready_at_next()

    def close(self):
        pass


def paired_rule_lockstep(threshold=0.10, max_pairs=12) -> Lockstep:
    """The lockstep as A/B mode drives it: until the gate's paired rule decides, or the cap."""
    return Lockstep(max_pairs, lambda name, ratios: decide(ratios, threshold, max_pairs) is not None)


def sides(log, tree_benchmarks=NAMES, base_benchmarks=NAMES, base_seconds=CALL_SECONDS, **tree_script):
    tree = Side("working tree", ScriptedChannel("W", tree_benchmarks, log, **tree_script))
    base = Side("base revision abc", ScriptedChannel("B", base_benchmarks, log, seconds=base_seconds))
    return tree, base


def test_slots_alternate_after_an_uncounted_warm_up_slot_each():
    log: list[str] = []
    tree, base = sides(log, tree_benchmarks=NAMES[:1], base_benchmarks=NAMES[:1], first_slot_seconds=1.0)
    timed = paired_rule_lockstep().run(tree, base, NAMES[:1])
    # warm-up W B, then four pairs W B: equal times decide "ok" after four pairs
    assert log == ["W", "B"] * 5  # every slot after one of the other side's
    assert timed[NAMES[0]].ratios == [1.0] * 4  # the working tree's slow first slot was not counted
    assert tree.ran[NAMES[0]] == {"ops": {"aten::relu()": 1}, "kernels": {"aten::clamp_min": 1}}


def test_a_slower_working_tree_is_paired_until_the_rule_decides():
    log: list[str] = []
    tree, base = sides(log, seconds=CALL_SECONDS * 1.2)
    timed = paired_rule_lockstep().run(tree, base, NAMES)
    assert set(timed) == set(NAMES)
    assert all(ratio == pytest.approx(1.2) for paired in timed.values() for ratio in paired.ratios)
    assert all(len(paired.pairs) == 4 for paired in timed.values())


def test_small_calls_are_paired_until_their_slots_span_the_window_before_the_rule_is_asked():
    log: list[str] = []
    small = SLOT_SECONDS / 5  # five calls a slot: the rule alone would decide "ok" after four pairs
    tree, base = sides(log, tree_benchmarks=NAMES[:1], base_benchmarks=NAMES[:1], base_seconds=small, seconds=small)
    timed = paired_rule_lockstep().run(tree, base, NAMES[:1])
    assert len(timed[NAMES[0]].pairs) == round(MIN_WINDOW_SECONDS / (2 * SLOT_SECONDS)) == 12
    assert window_pairs(SLOT_SECONDS, max_pairs=6) == 6  # never past the cap (--gate-pairs)
    assert window_pairs(1.0, max_pairs=12) == 1  # slots of long calls span it at once: the rule's own four pairs decide


def test_a_benchmark_one_side_lacks_is_passed_over_and_the_rest_paired():
    tree, base = sides([], base_benchmarks=NAMES[1:])
    timed = paired_rule_lockstep().run(tree, base, NAMES)
    assert list(timed) == [NAMES[1]]


def test_a_side_that_exits_before_any_benchmark_fails_the_run_in_one_line():
    tree, base = sides([], base_benchmarks=[])
    with pytest.raises(SideError) as error:
        paired_rule_lockstep().run(tree, base, NAMES)
    assert str(error.value) == "the base revision abc timed no benchmark (it closed its channel)"


def test_a_side_that_answers_with_the_wrong_tag_fails_the_run_in_one_line():
    tree, base = sides([], reply_tag=protocol.AT)
    with pytest.raises(SideError) as error:
        paired_rule_lockstep().run(tree, base, NAMES)
    assert str(error.value) == "the working tree broke the protocol: expected 'times', got 'at'"


@pytest.mark.parametrize("message", [("slot", 3), ("next",)])
def test_a_receive_takes_only_the_tags_it_expects(message):
    class Channel:
        def recv(self):
            return message

    assert protocol.receive(Channel(), protocol.SLOT, protocol.NEXT) == message
    with pytest.raises(protocol.ProtocolError, match=f"expected 'times', got '{message[0]}'"):
        protocol.receive(Channel(), protocol.TIMES)


class DyingChannel(ScriptedChannel):
    """A side whose process dies inside its `dies_at`-th slot: its channel closes."""

    def __init__(self, *args, dies_at, **kwargs):
        super().__init__(*args, **kwargs)
        self.dies_at, self.slots = dies_at, 0

    def send(self, message):
        if message[0] == protocol.SLOT:
            self.slots += 1
            if self.slots == self.dies_at:
                self.pending.clear()
                self.benchmarks.clear()
                return
        super().send(message)


def test_the_round_robin_asks_each_side_in_turn_after_an_uncounted_warm_up_slot_each():
    log: list[str] = []
    channels = [
        ScriptedChannel(label, NAMES[:1], log, seconds=0.01 * (1 + i), first_slot_seconds=1.0)
        for i, label in enumerate("ABC")
    ]
    timed = RoundRobin(slots=4).run([Side(f"commit {c.label}", c) for c in channels], NAMES[:1])
    assert log == list("ABC") * 5  # never a side right after itself
    assert timed == {NAMES[0]: {f"commit {label}": [0.01 * (1 + i)] * 4 for i, label in enumerate("ABC")}}


def test_a_side_that_lacks_a_benchmark_waits_at_its_next_and_one_that_dies_keeps_what_it_timed():
    log: list[str] = []
    lacking = ScriptedChannel("L", NAMES[1:], log)
    dying = DyingChannel("D", NAMES, log, dies_at=3)  # its warm-up and one counted slot, then it dies
    steady = ScriptedChannel("S", NAMES, log)
    timed = RoundRobin(slots=3).run([Side(c.label, c) for c in (lacking, dying, steady)], NAMES)
    assert {label: len(times) for label, times in timed[NAMES[0]].items()} == {"D": 1, "S": 3}
    assert {label: len(times) for label, times in timed[NAMES[1]].items()} == {"L": 3, "S": 3}
    assert log[:8] == ["D", "S", "D", "S", "S", "S", "L", "S"]  # L waits out the first benchmark
