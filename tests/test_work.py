"""What a benchmark ran (nngate.probe): op listings, their diffs, callgrind's requests outside
valgrind, and how the gate judges them with instruction counts."""

from __future__ import annotations

import torch
from hypothesis import given
from hypothesis import strategies as st

from nngate import schema
from nngate.gate import rules, table
from nngate.probe.callgrind import WARM_UP_CALLS, Callgrind
from nngate.probe.ops import CHANGES_SHOWN, kernel_changes, kernels_of_one_call, op_changes, ops_of_one_call, signature
from nngate.schema import GateMode, Verdict

from strategies import op_listings


def relu_mlp(relu_calls: int):
    layer = torch.nn.Linear(6, 4)
    inputs = torch.randn(3, 6)

    def call():
        with torch.inference_mode():  # as the inference benchmarks run: no autograd bookkeeping ops
            hidden = layer(inputs)
            for _ in range(relu_calls):
                hidden = torch.relu(hidden)
            return hidden

    return call


def test_ops_of_one_call_counts_each_op_with_its_tensor_shapes():
    ops = ops_of_one_call(relu_mlp(2))
    assert ops["aten::relu(f32[3,4])"] == 2
    assert sum(count for text, count in ops.items() if text.startswith("aten::relu(")) == 2
    assert ops["aten::linear(f32[3,6], f32[4,6], f32[4])"] == 1  # whole under inference_mode, as dispatched


def test_a_relu_applied_twice_is_one_more_relu_per_call():
    assert op_changes(ops_of_one_call(relu_mlp(1)), ops_of_one_call(relu_mlp(2))) == ["+1 aten::relu"]
    assert op_changes(ops_of_one_call(relu_mlp(2)), ops_of_one_call(relu_mlp(2))) == []


def test_a_backward_and_an_autocast_dtype_are_in_the_listing():
    layer = torch.nn.Linear(6, 4)
    inputs = torch.randn(3, 6)

    def train_call():
        layer(inputs).sum().backward()

    def bf16_call():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return layer(inputs)

    assert any(text.startswith("aten::mm(") for text in ops_of_one_call(train_call))  # the weight's gradient
    changes = op_changes(ops_of_one_call(lambda: layer(inputs)), ops_of_one_call(bf16_call))
    assert changes == [
        "+3 aten::_to_copy",  # autocast's casts of input, weight and bias
        "aten::addmm: (f32[4], f32[3,6], f32[6,4]) -> (bf16[4], bf16[3,6], bf16[6,4])",
        "aten::t: (f32[4,6]) -> (bf16[4,6])",
    ]


def test_signature_names_dtype_shape_layout_and_long_tensor_lists():
    image = torch.zeros(2, 3, 4, 4).to(memory_format=torch.channels_last)
    assert signature("aten::conv", (image, 3, [torch.zeros(2)] * 7), {}) == "aten::conv(f32[2,3,4,4]:cl, [7 tensors])"
    assert (
        signature("aten::cat", ([torch.zeros(1, dtype=torch.int64)] * 2,), {"dim": 0}) == "aten::cat([i64[1], i64[1]])"
    )


def test_op_changes_count_changes_first_then_shape_changes():
    before = {
        "aten::addmm(f32[64,784])": 3,
        "aten::bmm(f32[12,128,64])": 0,
        "aten::_scaled_dot_product_flash_attention_for_cpu(f32[1,12,128,64])": 12,
    }
    after = {"aten::addmm(bf16[64,784])": 3, "aten::bmm(f32[12,128,64])": 24}
    assert op_changes(before, after) == [
        "+24 aten::bmm",
        "-12 aten::_scaled_dot_product_flash_attention_for_cpu",
        "aten::addmm: (f32[64,784]) -> (bf16[64,784])",
    ]


def test_op_changes_are_cut_after_a_few_with_a_count_of_the_rest():
    after = {f"aten::op{index}()": 1 for index in range(CHANGES_SHOWN + 3)}
    changes = op_changes({}, after)
    assert len(changes) == CHANGES_SHOWN + 1 and changes[-1] == "... 3 more"


@given(op_listings(), op_listings())
def test_op_changes_are_empty_exactly_when_the_listings_agree(before, after):
    same = {text: count for text, count in before.items() if count} == {
        text: count for text, count in after.items() if count
    }
    assert (op_changes(before, after) == []) == same
    assert (op_changes(after, before) == []) == same


def verdict(judged: Verdict = Verdict.OK) -> rules.BenchmarkVerdict:
    return rules.BenchmarkVerdict(
        "bench/test_latency.py::test_inference[mlp-bs1-cpu-fp32]", judged, 1e-3, 1e-3, 1.0, 1.1
    )


def work(instructions: int | None, ops: dict | None = None) -> dict:
    return {**({schema.INSTRUCTIONS: instructions} if instructions else {}), **({schema.OPS: ops} if ops else {})}


def test_more_instructions_than_the_threshold_is_a_failing_regression_whatever_the_timing():
    judged = rules.with_counts_and_ops(verdict(), work(1_000_000), work(1_011_000), 0.01)
    assert (judged.verdict, round(judged.instructions_ratio, 3)) == ("instructions regression", 1.011)
    assert judged.verdict.fails
    assert (
        rules.with_counts_and_ops(verdict(Verdict.FASTER), work(100), work(102), 0.01).verdict
        == "instructions regression"
    )
    assert rules.with_counts_and_ops(verdict(), work(1_000_000), work(1_009_000), 0.01).verdict == "ok"


def test_a_timing_regression_stays_one_and_carries_the_op_changes():
    judged = rules.with_counts_and_ops(
        verdict(Verdict.REGRESSION), work(100, {"aten::relu()": 1}), work(200, {"aten::relu()": 2}), 0.01
    )
    assert (judged.verdict, judged.op_changes) == ("regression", ("+1 aten::relu",))


def test_changed_ops_without_a_verdict_are_changed_work_not_a_failure():
    judged = rules.with_counts_and_ops(verdict(), work(100, {"aten::sdpa()": 1}), work(100, {"aten::bmm()": 2}), 0.01)
    assert judged.verdict == "changed work" and not judged.verdict.fails
    assert judged.op_changes == ("+2 aten::bmm", "-1 aten::sdpa")


def test_without_both_counts_or_listings_only_the_timing_judges():
    assert rules.with_counts_and_ops(verdict(), work(None), work(120), 0.01) == verdict()
    assert rules.with_counts_and_ops(verdict(), None, None, 0.01) == verdict()


@given(st.integers(min_value=0, max_value=3))
def test_callgrind_requests_do_nothing_outside_valgrind_but_the_calls(calls):
    made = []
    Callgrind().count(lambda: made.append(1), calls, "outside valgrind")
    assert len(made) == WARM_UP_CALLS + calls  # a trivial body warms up the most calls, in no time, and is cheap
    assert Callgrind().request(0x1001) == 0  # RUNNING_ON_VALGRIND: 0 on the CPU
    assert __import__("gc").isenabled()  # the collector, off during the count, is on again


def small_conv():
    layer = torch.nn.Conv2d(3, 8, 3).eval()
    inputs = torch.randn(2, 3, 32, 32)

    def call():
        with torch.inference_mode():
            return layer(inputs)

    return call


def test_kernels_list_what_runs_under_one_op_and_name_a_backend_switched_off():
    call = small_conv()
    call()
    with_onednn = kernels_of_one_call(call)
    assert ops_of_one_call(call) == {"aten::conv2d(f32[2,3,32,32], f32[8,3,3,3], f32[8])": 1}
    assert with_onednn["aten::conv2d"] == with_onednn["aten::convolution"] == 1  # the op seen, and what ran under it
    previous = torch.backends.mkldnn.enabled
    try:
        torch.backends.mkldnn.enabled = False
        without = kernels_of_one_call(call)
        assert ops_of_one_call(call) == {"aten::conv2d(f32[2,3,32,32], f32[8,3,3,3], f32[8])": 1}  # blind
    finally:
        torch.backends.mkldnn.enabled = previous
    changes = kernel_changes(with_onednn, without, [])
    implementations = {"aten::mkldnn_convolution", "aten::_slow_conv2d_forward", "aten::thnn_conv2d"}
    assert changes and any(change.split()[-1] in implementations for change in changes)
    assert kernel_changes(with_onednn, kernels_of_one_call(call), []) == []  # the same work lists the same


def test_kernel_changes_leave_out_what_the_op_changes_said():
    before, after = {"aten::relu": 1, "aten::clamp_min": 1}, {"aten::relu": 2, "aten::clamp_min": 2}
    assert kernel_changes(before, after, []) == ["+1 aten::clamp_min", "+1 aten::relu"]
    assert kernel_changes(before, after, ["+1 aten::relu"]) == ["+1 aten::clamp_min"]
    assert kernel_changes(before, after, ["aten::relu: (f32[2]) -> (f32[3])"]) == ["+1 aten::clamp_min"]
    moved = {"aten::view": 20, "aten::mkldnn_convolution": 20}, {"aten::as_strided_": 20, "aten::thnn_conv2d": 20}
    assert kernel_changes(*moved, []) == ["-20 aten::mkldnn_convolution", "+20 aten::thnn_conv2d"]  # no bookkeeping


def test_changed_kernels_under_unchanged_ops_are_changed_work_and_a_regression_names_them():
    ops = {"aten::convolution()": 1}
    before = {**work(100, ops), schema.KERNELS: {"aten::convolution": 1, "aten::mkldnn_convolution": 1}}
    after = {**work(100, ops), schema.KERNELS: {"aten::convolution": 1, "aten::_slow_conv2d_forward": 1}}
    judged = rules.with_counts_and_ops(verdict(), before, after, 0.01)
    assert (judged.verdict, judged.op_changes) == ("changed work", ())
    assert judged.kernel_changes == ("+1 aten::_slow_conv2d_forward", "-1 aten::mkldnn_convolution")
    regressed = rules.with_counts_and_ops(verdict(Verdict.REGRESSION), before, after, 0.01)
    text = table.render([regressed], GateMode.AB, "mode A/B", 0.05, 0.01)
    assert "ops unchanged; kernels +1 aten::_slow_conv2d_forward -1 aten::mkldnn_convolution" in text
    assert rules.with_counts_and_ops(verdict(), work(100, ops), after, 0.01).kernel_changes is None  # one side unlisted
