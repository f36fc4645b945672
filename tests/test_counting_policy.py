"""Which benchmarks the gate counts (nngate.gate.counting_policy), and the cache of a committed
revision's counts (nngate.gate.count_cache): a count taken once is used again only where everything
it depends on is the same."""

from __future__ import annotations

import json

import pytest

from nngate.gate import count_cache, counting_policy, instructions
from nngate.gate.count_cache import CachedCount
from nngate.gate.rules import BenchmarkVerdict
from nngate.gate.table import render
from nngate.runtime.git import tree_of
from nngate.schema import GateMode, Verdict

from repository import commit_all, git

THRESHOLD = 0.05


def test_a_cheap_body_is_counted_whatever_its_spread():
    for spread in (None, 0.01, 0.3):
        assert counting_policy.choose(0.0005, spread, THRESHOLD) == counting_policy.CountingChoice(True, "counted")
    limit = counting_policy.MAX_COUNTED_CALL_SECONDS
    assert counting_policy.choose(limit, None, THRESHOLD).counted
    assert not counting_policy.choose(limit * 1.01, None, THRESHOLD).counted


def test_a_slow_body_is_timed_only_and_says_why_in_figures():
    resolved = counting_policy.choose(0.066, 0.024, THRESHOLD)
    assert not resolved.counted
    assert resolved.why == "timed only: spread 2.4% resolves 5% (66 ms a call, ~3 s under callgrind)"
    wide = counting_policy.choose(1.46, 0.079, THRESHOLD)
    assert wide.why == "timed only: 1460 ms a call, ~58 s under callgrind, though its process spread is 7.9%"
    unmeasured = counting_policy.choose(0.5, None, THRESHOLD)
    assert unmeasured.why == "timed only: 500 ms a call, ~20 s under callgrind"


def test_choices_take_each_benchmarks_own_spread():
    chosen = counting_policy.choices({"a": 0.001, "b": 0.2, "c": None}, {"b": 0.02}, THRESHOLD)
    assert [chosen[name].counted for name in "abc"] == [True, False, True]
    assert "spread 2.0%" in chosen["b"].why


def test_the_table_says_timed_only_where_a_benchmark_was_not_counted():
    verdicts = [
        BenchmarkVerdict(
            "t.py::test[a]",
            Verdict.OK,
            1e-3,
            1e-3,
            1.0,
            1.05,
            instructions_ratio=1.001,
            instructions_limit=1.01,
            counting="counted",
        ),
        BenchmarkVerdict(
            "t.py::test[b]", Verdict.OK, 0.2, 0.2, 1.0, 1.05, counting="timed only: spread 2.0% resolves 5%"
        ),
        BenchmarkVerdict("t.py::test[c]", Verdict.OK, 0.2, 0.2, 1.0, 1.05),
    ]
    lines = render(verdicts, GateMode.STORED, "mode stored", THRESHOLD, 0.01).splitlines()
    assert "+0.100% (limit +1.0%)" in lines[1]
    assert "timed only: spread 2.0% resolves 5%" in lines[2]
    assert lines[3].split()[-2] == "-"  # not asked to count: nothing said


@pytest.fixture
def committed(tmp_path):
    """A git repository with one commit; (its folder, the commit)."""

    (tmp_path / "bench.py").write_text("x = 1\n")
    return tmp_path, commit_all(tmp_path, "one")


def key_for(root, commit, options=("--profile=smoke",), method=None):
    return count_cache.side_key(tree_of(root, commit), list(options), method or {"method": "m"}, {"cpu": "x"})


def test_counts_stored_under_a_key_come_back_only_under_the_same_key(committed):
    root, commit = committed
    key = key_for(root, commit)
    assert count_cache.load(key) == {}
    assert count_cache.store(key, {"a": CachedCount(1000, 0.001)}) is None
    assert count_cache.store(key, {"b": CachedCount(2000, None)}) is None  # merged with what is there
    assert count_cache.load(key) == {"a": CachedCount(1000, 0.001), "b": CachedCount(2000, None)}
    assert count_cache.load(key_for(root, commit, options=("--profile=full",))) == {}
    assert count_cache.load(key_for(root, commit, method={"method": "other"})) == {}


def test_the_key_is_the_commits_tree_not_its_message(committed):
    root, commit = committed
    git(root, "commit", "-q", "--amend", "-m", "reworded")
    reworded = git(root, "rev-parse", "HEAD")
    assert reworded != commit
    assert key_for(root, reworded).name == key_for(root, commit).name
    assert key_for(root, "0" * 40) is None  # git cannot name its tree: nothing is cached


def test_a_corrupt_or_foreign_cache_file_is_never_used(committed):
    root, commit = committed
    key = key_for(root, commit)
    path = count_cache.cache_dir() / count_cache.FOLDER / f"{key.name}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert count_cache.load(key) == {}
    path.write_text(json.dumps({"key": {**key.parts, "tree": "another"}, "counts": {"a": {"instructions": 5}}}))
    assert count_cache.load(key) == {}
    path.write_text(json.dumps({"key": key.parts, "counts": {"a": {"instructions": "5"}, "b": {"instructions": 7}}}))
    assert count_cache.load(key) == {"b": CachedCount(7, None)}
    assert count_cache.store(key, {"c": CachedCount(9, 0.0)}) is None  # written anew, the bad entry dropped
    assert set(count_cache.load(key)) == {"b", "c"}


def test_an_unwritable_cache_is_one_line_and_loses_nothing(committed, monkeypatch, tmp_path_factory):
    root, commit = committed
    blocker = tmp_path_factory.mktemp("cache") / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(count_cache.CACHE_VARIABLE, str(blocker))
    line = count_cache.store(key_for(root, commit), {"a": CachedCount(1, None)})
    assert line.startswith("instructions: the counts were not cached (") and str(blocker) in line
    assert blocker.read_text() == "not a folder"


def test_a_side_counted_before_starts_no_valgrind(committed, monkeypatch):
    root, commit = committed
    side = instructions.CountSide(root, "base revision", ["--profile=smoke"], commit)
    count_cache.store(instructions.cache_key(side), {"t.py::a": CachedCount(1234, 0.002)})

    def no_process(*arguments, **keywords):
        raise AssertionError("a valgrind process was started for counts the cache holds")

    monkeypatch.setattr(instructions, "start_side", no_process)
    (counted,) = instructions.count_sides([side], ["t.py::a"], {})
    assert counted.per_call == {"t.py::a": 1234} and counted.spread == {"t.py::a": 0.002}
    assert counted.cached == 1 and counted.problem is None
    working_tree = instructions.CountSide(root, "working tree", ["--profile=smoke"])
    assert instructions.cache_key(working_tree) == instructions.cache_key(side)  # no change: HEAD's files
    (root / "bench.py").write_text("x = 2\n")
    assert instructions.cache_key(working_tree) is None  # a change: never cached
    (root / "bench.py").write_text("x = 1\n")
    (root / "new.py").write_text("")
    assert instructions.cache_key(working_tree) is None  # an untracked file git does not ignore: the same


def test_stored_mode_counts_only_what_the_baseline_holds_a_count_of_taken_the_same_way():
    baseline = {
        "a": {"instructions": 100, "instructions_method": "m2"},
        "b": {"instructions": 100},  # an older baseline's count: taken another way
        "c": {"instructions": 100, "instructions_method": "m1"},
        "d": {"gate_score": 1.0},
    }
    assert counting_policy.comparable(baseline, "m2") == {"a"}


def test_where_the_other_side_has_no_count_a_cheap_body_is_not_counted():
    chosen = counting_policy.choices({"a": 0.001, "b": 0.001, "c": 0.2}, {}, THRESHOLD, comparable={"a"})
    assert chosen["a"].counted
    assert chosen["b"] == counting_policy.BASELINE_HAS_NO_COUNT
    assert chosen["c"].why.startswith("timed only: 200 ms a call")  # its own reason stands
