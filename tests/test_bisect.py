"""`python -m models bisect`: the search over commits (pure, with made-up judges), the instruction
judge's decisions, and one real bisect over a small repository, as a user runs it."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngate import bisect
from nngate.bisect import Step, search
from nngate.cli import main
from nngate.gate.instructions import Counted
from nngate.gate.rules import BenchmarkVerdict
from nngate.gate.session import bisect_hint
from nngate.schema import Verdict

from history_documents import commits
from repository import git
from tiny_bench import BENCH_FILE


@st.composite
def commit_lines(draw):
    """(commits, the first slower one, the ones that cannot be timed)."""
    count = draw(st.integers(1, 40))
    first = draw(st.integers(0, count - 1))
    untimeable = draw(st.sets(st.integers(0, max(count - 2, 0)), max_size=count // 2))  # never bad itself
    return count, first, untimeable


def judged_by(first: int, untimeable: set[int], calls: list[int]):
    def judge(index: int) -> Step:
        calls.append(index)
        return Step(str(index), None if index in untimeable else index >= first)

    return judge


@given(st.integers(1, 64), st.data())
def test_without_skips_the_first_slower_commit_is_found_in_a_binary_search_of_steps(count, data):
    first, calls = data.draw(st.integers(0, count - 1)), []
    found = search(count, judged_by(first, set(), calls))
    assert found.first == first and found.skipped_between == ()
    assert len(calls) <= math.ceil(math.log2(count)) + 1
    assert len(set(calls)) == len(calls)  # no commit judged twice


@given(commit_lines())
def test_with_skips_the_answer_is_the_commit_or_a_range_that_holds_it(line):
    count, first, untimeable = line
    found = search(count, judged_by(first, untimeable, []))
    candidates = {*found.skipped_between, found.first}
    assert first in candidates
    assert all(index in untimeable for index in found.skipped_between)


def test_a_bad_commit_that_is_not_slower_ends_the_search_at_once():
    calls = []
    found = search(12, judged_by(99, set(), calls))
    assert found.first is None and calls == [11]


def counted(per_call: dict[str, int], spread: float = 0.0) -> Counted:
    return Counted("side", dict(per_call), {name: spread for name in per_call})


@pytest.mark.parametrize(
    ("now", "spread", "slower"),
    [(1_020_000, 0.0, True), (1_005_000, 0.0, False), (1_020_000, 0.02, False), (990_000, 0.0, False)],
)
def test_the_instruction_judge_calls_more_instructions_than_the_gate_allows_slower(monkeypatch, now, spread, slower):
    judge = bisect.InstructionJudge(None, ["bench/x.py::test_a"], 0.01, counted({"bench/x.py::test_a": 1_000_000}))
    monkeypatch.setattr(judge, "count", lambda commit, label: counted({"bench/x.py::test_a": now}, spread))
    step = judge("abc")
    assert step.slower is slower
    assert step.ratios == {"test_a": pytest.approx(now / 1_000_000)}


SLOW_CONFTEST = (
    'pytest_plugins = ["nngate.plugin"]\n'
    "from nngate.harness.slowdown import inject_slowdown\n"
    "inject_slowdown(3.0)  # every Linear forward four times as long\n"
)


@pytest.mark.integration
def test_bisect_names_the_commit_that_made_the_benchmark_slower(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["nngate.plugin"]\n')
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "test_tiny.py").write_text(BENCH_FILE)
    commits(tmp_path, 1)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "the benchmark")
    good, shas = git(tmp_path, "rev-parse", "HEAD"), []
    for message, path, text in (
        ("docs", "notes.txt", "more notes\n"),
        ("slow", "conftest.py", SLOW_CONFTEST),
        ("docs again", "notes.txt", "even more\n"),
    ):
        (tmp_path / path).write_text(text)
        git(tmp_path, "commit", "-q", "-am", message)
        shas.append(git(tmp_path, "rev-parse", "HEAD"))
    assert main(["bisect", "--good", good, "-k", "8", "--threshold", "0.5", "--process-pairs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"bisect: 3 commit(s) after {good[:12]} up to {shas[2][:12]}, 1 benchmark(s), time")
    assert lines[1].startswith(f"step 1: {shas[2][:12]} (commit 3 of 3, ") and " slower (test_tiny[8] " in lines[1]
    assert lines[2].startswith(f"step 2: {shas[0][:12]} (commit 1 of 3, ") and "not slower" in lines[2]
    assert lines[3].startswith(f"step 3: {shas[1][:12]} (commit 2 of 3, ") and " slower (" in lines[3]
    assert lines[-1] == f"bisect: first slower commit: {shas[1]}"
    assert git(tmp_path, "worktree", "list").count("\n") == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--good", "HEAD", "--bad", "HEAD~1"], "is not an ancestor of --bad"),
        (["--good", "nosuch"], "is not a commit"),
        (["--good", "HEAD"], "are the same commit"),
        (["--good", "HEAD~1", "-k", "nosuch"], "no benchmark is selected"),
    ],
)
def test_a_bisect_that_cannot_start_is_one_line(tmp_path, monkeypatch, capsys, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bench").mkdir()
    commits(tmp_path, 2)
    assert main(["bisect", *arguments]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


def verdict(name: str, judged: Verdict) -> BenchmarkVerdict:
    return BenchmarkVerdict(f"bench/test_latency.py::{name}", judged, 1.0, 1.2, 1.2, 1.05)


@pytest.mark.parametrize(("since", "hinted"), [(1, False), (3, True)])
def test_a_failed_ab_gate_over_several_commits_names_the_bisect_to_run(tmp_path, since, hinted):
    shas = commits(tmp_path, since + 1)
    verdicts = [verdict("test_a[x]", Verdict.REGRESSION), verdict("test_b", Verdict.OK)]
    hint = bisect_hint(tmp_path, shas[0], verdicts)
    assert bool(hint) is hinted
    if hinted:
        assert hint == [
            f"gate: 3 commits since {shas[0][:12]}: to find the first slower one, run "
            f'nngate bisect --good {shas[0][:12]} --bad HEAD -k "test_a[x]"'
        ]


def test_the_hint_counts_instructions_where_only_counts_failed(tmp_path):
    shas = commits(tmp_path, 3)
    (hint,) = bisect_hint(tmp_path, shas[0], [verdict("test_a", Verdict.INSTRUCTIONS_REGRESSION)])
    assert hint.endswith('-k "test_a" --instructions')
