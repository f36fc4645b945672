"""A/B over several process pairs: the rule over process pairs (literal verdicts), which benchmarks
get another process pair, and the measured spreads that widen a benchmark's limit. No processes:
the runner's one-process-pair step is scripted here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngate.gate.ab import ABResult, ABRunner
from nngate.gate.process_pairs import decide_over_processes, spread_of
from nngate.gate.spread import Spreads, load_recorded, spreads_for, with_machine
from nngate.runtime.machine import fingerprint
from nngate.runtime.scheduler import PairedTimes


@pytest.mark.parametrize(
    "ratios, expected",
    [
        ([], None),
        ([1.01], "ok"),  # one process pair within half the allowed slowdown (1.025) settles it
        ([0.976], "ok"),  # 1 / 1.025 = 0.9756 either way
        ([1.03], None),  # within the limit but not the settle band: another process pair
        ([1.20], None),  # one process pair never fails a run
        ([0.80], None),  # nor calls it faster
        ([1.20, 1.08], None),  # two over 1.05 are not yet a majority of five
        ([1.20, 1.08, 1.06], "regression"),  # three are: the median of five is over whatever comes
        ([1.15, 1.00, 1.01], None),  # two not over: a fourth
        ([1.15, 1.00, 1.01, 1.02], "ok"),  # three not over and four not under: the median of five is within
        ([0.956, 1.059, 1.114], None),  # the false alarm a cap of 3 gave (docs/evidence/gate.md): two more decide
        ([0.956, 1.059, 1.114, 1.01], None),
        ([0.956, 1.059, 1.114, 1.01, 1.00], "ok"),  # the median of five, 1.01
        ([1.106, 1.041, 1.056, 1.08], "regression"),  # a real 8% on BERT, one process pair under the limit
        ([0.90, 0.93, 0.94], "faster"),
        ([1.03, 1.04], None),
        ([1.03, 1.04, 1.00], "ok"),
    ],
)
def test_rule_over_process_pairs(ratios, expected):
    assert decide_over_processes(ratios, allowed=0.05, max_processes=5) == expected


def test_a_cap_of_three_wants_two_and_a_cap_of_two_wants_both():
    assert decide_over_processes([1.20, 1.08], allowed=0.05, max_processes=3) == "regression"
    assert decide_over_processes([1.15, 1.00], allowed=0.05, max_processes=3) is None
    assert decide_over_processes([1.15, 1.00], allowed=0.05, max_processes=2) == "ok"  # the low median, 1.00
    assert decide_over_processes([1.15, 1.09], allowed=0.05, max_processes=2) == "regression"


def test_a_single_process_pair_decides_at_a_cap_of_one():
    assert decide_over_processes([1.20], allowed=0.05, max_processes=1) == "regression"
    assert decide_over_processes([1.03], allowed=0.05, max_processes=1) == "ok"


@given(st.lists(st.floats(0.5, 2.0), min_size=1, max_size=5), st.floats(0.01, 0.3))
def test_a_regression_always_holds_in_a_majority_and_the_cap_always_decides(ratios, allowed):
    verdict = decide_over_processes(ratios, allowed, max_processes=len(ratios))
    assert verdict is not None
    if verdict == "regression":
        assert sum(ratio > 1 + allowed for ratio in ratios) > len(ratios) / 2


def test_spread_is_symmetric():
    assert spread_of(1.05) == pytest.approx(0.05)
    assert spread_of(1 / 1.05) == pytest.approx(0.05)


@dataclass
class ScriptedRunner(ABRunner):
    """The runner with each process pair's ratios scripted: {name: [ratio of process pair 1, 2, ...]}."""

    script: dict[str, list[float]] = field(default_factory=dict)
    timed_per_process_pair: list[list[str]] = field(default_factory=list)

    def _alternate(self, base_root, scratch, names, result: ABResult) -> dict[str, PairedTimes]:
        self.timed_per_process_pair.append(list(names))
        index = result.process_pairs
        return {
            name: PairedTimes([(self.script[name][index], 1.0)] * 4) for name in names if index < len(self.script[name])
        }


def scripted(script: dict[str, list[float]], spreads: Spreads | None = None, min_pairs: int = 1) -> ScriptedRunner:
    runner = ScriptedRunner(Path(), "0" * 40, [], [], 0.05, 12, spreads or Spreads(), 5, min_pairs)
    runner.script = script
    return runner


def test_only_undecided_benchmarks_get_another_process_pair(tmp_path):
    runner = scripted(
        {
            "a": [1.00],  # settled by the first process pair
            "offset": [1.15, 0.99, 1.01, 1.00],  # the first process pair sat apart: outvoted
            "slower": [1.09, 1.08, 1.10],  # held in three of five
            "gone": [],  # the base lacks it: new, never timed again
        }
    )
    result = runner._process_pairs(tmp_path, tmp_path, ["a", "offset", "slower", "gone"])
    verdicts = {verdict.name: verdict for verdict in result.verdicts}
    assert runner.timed_per_process_pair == [
        ["a", "offset", "slower", "gone"],
        ["offset", "slower"],
        ["offset", "slower"],
        ["offset"],
    ]
    assert result.process_pairs == 4
    assert [verdicts[name].verdict for name in ("a", "offset", "slower", "gone")] == ["ok", "ok", "regression", "new"]
    assert verdicts["offset"].process_ratios == pytest.approx((1.15, 0.99, 1.01, 1.00))
    assert verdicts["offset"].ratio == pytest.approx(1.005)  # the median over process pairs
    assert len(verdicts["offset"].pairs) == 16  # every slot pair of every process pair


def test_a_measured_spread_widens_only_its_own_benchmarks_limit(tmp_path):
    spreads = Spreads({"noisy": 0.15}, "measured here")
    runner = scripted({"noisy": [1.12, 1.10, 1.11], "quiet": [1.12, 1.10, 1.11]}, spreads)
    verdicts = {
        verdict.name: verdict for verdict in runner._process_pairs(tmp_path, tmp_path, ["noisy", "quiet"]).verdicts
    }
    assert (verdicts["noisy"].verdict, verdicts["noisy"].limit) == ("ok", pytest.approx(1.15))
    assert verdicts["noisy"].limit_why == "process spread 15.0%"
    assert (verdicts["quiet"].verdict, verdicts["quiet"].limit, verdicts["quiet"].limit_why) == (
        "regression",
        pytest.approx(1.05),
        "",
    )


def test_a_benchmark_never_measured_gets_the_assumed_spread_named_and_a_measured_one_keeps_its_own(tmp_path):
    spreads = Spreads({"measured": 0.02}, "measured here", unmeasured=0.08)
    runner = scripted({"new": [1.07, 1.06, 1.07], "measured": [1.07, 1.06, 1.07]}, spreads)
    verdicts = {v.name: v for v in runner._process_pairs(tmp_path, tmp_path, ["new", "measured"]).verdicts}
    assert (verdicts["new"].verdict, verdicts["new"].limit) == ("ok", pytest.approx(1.08))
    assert verdicts["new"].limit_why == "no process spread measured: 8.0% assumed"
    assert (verdicts["measured"].verdict, verdicts["measured"].limit_why) == ("regression", "")
    assert Spreads(unmeasured=0.03).why_wider("new", 0.05) is None  # narrower than the threshold: not said


def test_a_minimum_gives_every_benchmark_that_many_process_pairs(tmp_path):
    runner = scripted({"a": [1.00, 1.01, 0.99]}, min_pairs=3)  # settled by the first, timed thrice all the same
    assert runner._process_pairs(tmp_path, tmp_path, ["a"]).verdicts[0].process_ratios == pytest.approx(
        (1.00, 1.01, 0.99)
    )


def test_spreads_are_this_machines_own_else_the_widest_recorded_and_a_bad_file_is_none(tmp_path):
    here = fingerprint()
    other = {"cpu_model": "Other CPU"}
    recorded = [
        {"machine": other, "spreads": {"a": 0.20, "b": 0.01}},
        {"machine": {"cpu_model": "X"}, "spreads": {"b": 0.03}},
    ]
    widest = spreads_for(here, recorded)
    assert widest.by_name == {"a": 0.20, "b": 0.03}
    assert "not measured on this machine" in widest.source and "Other CPU" in widest.source
    own = spreads_for(here, with_machine(recorded, here, {"a": 0.02}, "today"))
    assert own.by_name == {"a": 0.02} and "measured on this machine" in own.source
    assert own.allowed("a", 0.05) == 0.05 and own.allowed("unmeasured", 0.05) == 0.05
    assert widest.allowed("a", 0.05) == 0.20
    broken = tmp_path / "spreads.json"
    broken.write_text("{not json")
    assert load_recorded(broken) == [] and load_recorded(tmp_path / "missing.json") == []
    assert spreads_for(here, []).by_name == {}


def test_the_spread_table_names_each_benchmark_over_the_threshold_on_any_machine_widest_first():
    from nngate.gate.spread_table import spread_table

    zen3 = {"cpu_model": "AMD EPYC", "cpu_family": "25", "cpu_model_number": "1", "isa": "AVX2", "logical_cores": 2}
    xeon = {**zen3, "cpu_model": "Intel Xeon", "cpu_family": "6", "cpu_model_number": "207", "isa": "AVX512"}
    recorded = [
        {"machine": zen3, "about": "day one", "spreads": {"f.py::a": 0.30, "f.py::b": 0.02, "f.py::c": 0.04}},
        {"machine": xeon, "about": "day two", "spreads": {"f.py::b": 0.09}},
    ]
    table = spread_table(recorded, 0.05).splitlines()
    assert table[0] == (
        "| benchmark | AMD EPYC (family 25 model 1, AVX2, 2 cores) | Intel Xeon (family 6 model 207, AVX512, 2 cores) |"
    )
    assert table[2:4] == ["| `a` | 30.0% | - |", "| `b` | 2.0% | 9.0% |"]  # c stays within 5% everywhere
    assert "The other 1 benchmark(s) stay within 5% on every machine measured." in table
    assert "- Intel Xeon (family 6 model 207, AVX512, 2 cores): day two" in table
    assert "| `c` | 4.0% | - |" in spread_table(recorded, 0.05, every=True).splitlines()
    assert "(none over the threshold)" in spread_table(recorded, 0.5)
    assert "nngate measure-spread --write" in spread_table([], 0.05)


def test_the_spreads_command_prints_the_recorded_table_and_a_foreign_file_is_one_line(tmp_path, monkeypatch, capsys):
    from nngate.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["spreads"]) == 0 and "No process spreads recorded" in capsys.readouterr().out
    assert main(["measure-spread", "--replace"]) == 2 and "only goes with --write" in capsys.readouterr().err
    (tmp_path / ".benchmarks").mkdir()
    spreads = tmp_path / ".benchmarks" / "spreads.json"
    spreads.write_text(json.dumps({"machines": [{"machine": {"cpu_model": "X"}, "spreads": {"f.py::a": 0.2}}]}))
    assert main(["spreads"]) == 0 and "| `a` | 20.0% |" in capsys.readouterr().out
    spreads.write_text('{"benchmarks": []}')  # a pytest-benchmark file in the wrong place
    assert main(["spreads"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("spreads: ") and len(error.strip().splitlines()) == 1


def test_a_spread_is_the_widest_pair_below_twenty_and_leaves_one_in_twenty_out_beyond():
    from nngate.gate.spread import spread_from

    assert spread_from([1.01, 0.97, 1.02]) == pytest.approx(1 / 0.97 - 1)  # either way: 0.97 is 3.1% off
    twenty = [1.0] * 18 + [1.04, 1.30]
    assert spread_from(twenty) == pytest.approx(0.04)  # the one pair in twenty beyond is left out
    assert spread_from(twenty[:19] + [1.30]) == pytest.approx(0.04) and spread_from(twenty[1:]) == pytest.approx(0.30)


@given(st.lists(st.floats(0.5, 2.0), min_size=1, max_size=60), st.lists(st.floats(0.5, 2.0), min_size=1, max_size=60))
def test_joined_measurements_give_the_spread_of_all_their_ratios(first, second):
    from nngate.gate.spread import RATIOS, accumulated, spread_from

    spreads, kept = accumulated({"spreads": {"a": spread_from(first)}, RATIOS: {"a": first}}, {"a": second})
    assert kept == {"a": first + second} and spreads["a"] == round(spread_from(first + second), 4)


def test_an_earlier_spread_recorded_without_its_ratios_still_bounds_the_new_one():
    from nngate.gate.spread import accumulated

    spreads, kept = accumulated({"spreads": {"a": 0.3, "gone": 0.1}}, {"a": [1.01, 0.99]})
    assert spreads == {"a": 0.3, "gone": 0.1} and kept == {"a": [1.01, 0.99]}
    assert accumulated(None, {"a": [1.02]}) == ({"a": 0.02}, {"a": [1.02]})


def test_the_recorded_spreads_are_those_of_their_recorded_ratios():
    from nngate.gate.spread import RATIOS, load_recorded, spread_from, spreads_file

    for entry in load_recorded(spreads_file(Path(__file__).resolve().parent.parent)):
        assert set(entry[RATIOS]) == set(entry["spreads"])
        for name, ratios in entry[RATIOS].items():
            assert entry["spreads"][name] == round(spread_from(ratios), 4), name
