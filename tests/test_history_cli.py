"""`python -m models history import|backfill|show` over a made-up history in a real git repository, and
`pytest --history` recording a session: what a user sees, and what lands in the store."""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path

import pytest

from nngate.cli import main
from nngate.history.backfill import groups
from nngate.history.store import Store
from nngate.runtime.processes import HISTORY_VARIABLE, child_environment

from history_documents import commits, document
from repository import git
from tiny_bench import BENCH_FILE, FAST

pytestmark = pytest.mark.integration  # every test here starts processes (pytest, git, valgrind)

LINEAR, CONV = "test_inference[mlp-bs64-cpu-fp32]", "test_inference[cnn-bs64-cpu-fp32]"


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """12 commits; saved runs at each: the MLP 5% slower from commit 4, the CNN 20% from commit 8."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(HISTORY_VARIABLE, raising=False)
    shas = commits(tmp_path, 12)
    rng, files = random.Random(0), []
    for index, sha in enumerate(shas):
        for run in range(3):
            scores = {
                LINEAR: 1e-3 * (1.05 if index >= 4 else 1.0) * (1 + rng.gauss(0, 0.005)),
                CONV: 2e-3 * (1.2 if index >= 8 else 1.0) * (1 + rng.gauss(0, 0.005)),
            }
            path = tmp_path / "runs" / f"{index:02d}-{run}.json"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(document(sha, scores, when=f"2026-11-{index + 1:02d}T00:00:00")))
            files.append(str(path))
    return shas, files


def test_import_then_show_finds_each_step_at_its_commit_and_nothing_else(repository, capsys):
    shas, files = repository
    assert main(["history", "import", *files]) == 0
    assert capsys.readouterr().out.count("history: recorded 2 result(s)") == 36
    assert main(["history", "show"]) == 0
    shown = capsys.readouterr().out
    assert ".benchmarks/history.sqlite; 2 series; first-parent order of HEAD" in shown
    assert f"{LINEAR} on Test CPU" in shown and "12 commits, 36 samples, 1 change point" in shown
    assert f"change {shas[3][:12]}..{shas[4][:12]}: " in shown and "(+5." in shown
    assert f"change {shas[7][:12]}..{shas[8][:12]}: " in shown and ("(+20." in shown or "(+19." in shown)
    assert len(re.findall(r"change [0-9a-f]{12}\.\.", shown)) == 2


def test_the_same_files_imported_again_are_stored_once(repository, capsys):
    _, files = repository
    main(["history", "import", *files[:3]])
    assert main(["history", "import", *files[:3]]) == 0
    assert capsys.readouterr().out.count("already stored:") == 3


def test_show_as_markdown_and_plots(repository, capsys, tmp_path):
    _, files = repository
    main(["history", "import", *files])
    assert main(["history", "show", "-k", "cnn", "--markdown", "--plots", str(tmp_path / "plots")]) == 0
    shown = capsys.readouterr().out
    assert "### test_inference[cnn-bs64-cpu-fp32] on Test CPU" in shown
    assert "| commit | committed | q1 ms (median) | level ms | samples | change |" in shown
    assert LINEAR not in shown
    (plot,) = (tmp_path / "plots").glob("*.png")
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bad_files_are_one_line_each_and_the_others_still_land(repository, capsys, tmp_path):
    _, files = repository
    (tmp_path / "corrupt.json").write_text("{not json")
    (tmp_path / "foreign.json").write_text(json.dumps({"benchmarks": []}))
    assert main(["history", "import", str(tmp_path / "missing.json"), str(tmp_path / "corrupt.json"), files[0]]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("missing.json was not imported: No such file or directory")
    assert lines[1].endswith("corrupt.json was not imported: not JSON")
    assert lines[2].startswith("history: recorded 2 result(s)")
    assert main(["history", "import", str(tmp_path / "foreign.json")]) == 1
    assert "names no machine (no nnbench fingerprint, no CPU in machine_info)" in capsys.readouterr().out


def test_show_with_no_history_is_one_line_and_exit_2(repository, capsys):
    assert main(["history", "show", "-k", "nosuch"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("history: no store at ") and "\n" not in error
    assert error.endswith(
        ".benchmarks/history.sqlite: nothing recorded there yet (pytest bench --history, or history import)"
    )
    assert not list(Path.cwd().glob(".benchmarks/history.sqlite"))  # a reader creates no store


def test_every_verb_reads_the_store_the_environment_names(repository, capsys, tmp_path, monkeypatch):
    _, files = repository
    monkeypatch.setenv(HISTORY_VARIABLE, f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    main(["history", "import", files[0]])
    assert main(["history", "show"]) == 0
    assert "elsewhere.sqlite; 2 series" in capsys.readouterr().out
    assert not (tmp_path / ".benchmarks").exists()


def test_a_bad_store_url_is_one_line(repository, capsys):
    assert main(["history", "--history", "nosuch://x", "show"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("history: 'nosuch://x' is not a store this can open") and "\n" not in error


def test_the_processes_a_run_starts_are_never_recorded(monkeypatch):
    monkeypatch.setenv(HISTORY_VARIABLE, "sqlite:///x")
    assert HISTORY_VARIABLE not in child_environment({"OTHER": "1"})
    assert child_environment({"OTHER": "1"})["OTHER"] == "1"


def test_pytest_history_records_the_session_once_with_its_gate_settings(bench, monkeypatch):
    monkeypatch.delenv(HISTORY_VARIABLE, raising=False)
    url = f"sqlite:///{bench.path / 'h.sqlite'}"
    result = bench.runpytest(*FAST, f"--history={url}", "--benchmark-json=run.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"history: recorded 2 result(s) of run * (commit unversioned) in {url}"])
    assert main(["history", "--history", url, "import", str(bench.path / "run.json")]) == 0
    with Store(url) as store:
        rows = store.rows()
    assert (
        len(rows) == 2 and {row["threads"] for row in rows} == {1} and {row["architecture"] for row in rows} == {"mlp"}
    )


def test_pytest_records_where_the_environment_names_a_store(bench, monkeypatch):
    monkeypatch.setenv(HISTORY_VARIABLE, f"sqlite:///{bench.path / 'env.sqlite'}")
    bench.runpytest(*FAST).assert_outcomes(passed=2)
    with Store(f"sqlite:///{bench.path / 'env.sqlite'}") as store:
        assert len(store.rows()) == 2


def test_pytest_with_a_bad_history_url_stops_before_timing_in_one_line(bench, monkeypatch):
    monkeypatch.delenv(HISTORY_VARIABLE, raising=False)
    result = bench.runpytest(*FAST, "--history=nosuch://x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: history: 'nosuch://x' is not a store this can open*"])


def test_backfill_times_each_commit_in_its_own_worktree_and_skips_one_that_cannot_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(HISTORY_VARIABLE, raising=False)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["nngate.plugin"]\n')
    (tmp_path / "bench").mkdir()
    shas = commits(tmp_path, 1)
    for message, text in (("good", BENCH_FILE), ("broken", "this is not python\n"), ("fixed", BENCH_FILE)):
        (tmp_path / "bench" / "test_tiny.py").write_text(text)
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-q", "-m", message)
        shas.append(git(tmp_path, "rev-parse", "HEAD"))
    assert main(["history", "backfill", f"{shas[0]}..HEAD", "--runs", "2", "--slots", "3", "-k", "8"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("history: backfill of 3 commit(s) x 1 benchmark(s), 2 run(s) of 3 round-robin slot(s)")
    assert lines[1].startswith("history: recorded 1 result(s) of run ") and f"(commit {shas[1][:12]})" in lines[1]
    assert lines[2].startswith(f"history: skip {shas[2][:12]} (commit 2 of 3, run 1 of 2): pytest exit ")
    assert f"(commit {shas[3][:12]})" in lines[3]
    with Store(f"sqlite:///{tmp_path / '.benchmarks' / 'history.sqlite'}") as store:
        rows = store.rows()
    assert sorted(row["commit_sha"] for row in rows) == sorted([shas[1], shas[3]] * 2)
    by_round_robin = {}  # each run's commits were timed in one round robin, each run in another
    for row in rows:
        by_round_robin.setdefault(row["round_robin"], set()).add(row["commit_sha"])
    assert list(by_round_robin.values()) == [{shas[1], shas[3]}] * 2 and None not in by_round_robin
    for row in rows:  # the statistics are the round robin's: a round a slot, the score their q1
        stats = json.loads(row["stats"])
        assert stats["rounds"] == 3 and row["score"] == stats["q1"] and stats["min"] <= stats["q1"] <= stats["max"]
        assert row["architecture"] == "mlp" and row["threads"] == 1  # the side's own document: its settings
    assert git(tmp_path, "worktree", "list").count("\n") == 0  # every worktree removed


@pytest.mark.parametrize(
    ("revisions", "message"),
    [("HEAD", "is not a range"), ("HEAD..HEAD~1", "is not an ancestor of"), ("nosuch..HEAD", "is not a commit")],
)
def test_a_bad_backfill_range_is_one_line(repository, capsys, revisions, message):
    assert main(["history", "backfill", revisions]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


@pytest.mark.parametrize("length", range(1, 30))
@pytest.mark.parametrize("size", [2, 3, 12])
def test_a_long_range_goes_in_groups_that_share_a_commit_with_their_neighbours(length, size):
    commits = [f"c{i}" for i in range(length)]
    grouped = groups(commits, size)
    assert (
        all(1 <= len(group) <= size for group in grouped) and grouped[0][0] == "c0" and grouped[-1][-1] == commits[-1]
    )
    assert all(before[-1] == after[0] for before, after in itertools.pairwise(grouped))
    assert sorted({commit for group in grouped for commit in group}) == sorted(commits)
    assert len(grouped) == 1 or all(len(group) > 1 for group in grouped)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--runs", "0"], "--runs must be at least 1, --slots and --at-once at least 2"),
        (["--slots", "1"], "--runs must be at least 1, --slots and --at-once at least 2"),
        (["--at-once", "1"], "--runs must be at least 1, --slots and --at-once at least 2"),
        (["-k", "nosuch"], "no benchmark here matches -k 'nosuch'"),
    ],
)
def test_a_backfill_with_nothing_to_time_is_one_line(repository, capsys, options, message):
    assert main(["history", "backfill", "HEAD~2..HEAD", *options]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error


def test_each_machine_is_a_series_of_its_own_and_machine_selects_one(repository, capsys, tmp_path):
    shas, files = repository
    other = tmp_path / "other.json"
    other.write_text(json.dumps(document(shas[-1], {LINEAR: 2e-3}, cpu="Other CPU")))
    main(["history", "import", *files[:3], str(other)])
    capsys.readouterr()
    assert main(["history", "show", "-k", "mlp"]) == 0
    shown = capsys.readouterr().out
    assert f"{LINEAR} on Other CPU" in shown and f"{LINEAR} on Test CPU" in shown
    assert main(["history", "show", "-k", "mlp", "--machine", "other"]) == 0
    shown = capsys.readouterr().out
    assert f"{LINEAR} on Other CPU" in shown and "Test CPU" not in shown
