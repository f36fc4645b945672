"""Git as CI systems hand it over: a shallow clone, a tree without .git, no git at all, a base on
another branch; each is one line with git's remedy and its caller's own alternatives, never another
caller's. The base revision's worktree never outlives a run, however it ends."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pytest

from nngate.cli import main
from nngate.gate.options import GateOptions
from nngate.gate.plan import RECORD_HINT, STORED_INSTEAD_OF_AB, GateUsageError, choose_plan
from nngate.runtime.git import RevisionError, base_worktree, is_ancestor, resolve_revision

from repository import git
from stand_ins import machine, save

pytestmark = pytest.mark.integration  # every test here starts processes (pytest, git, valgrind)


@pytest.fixture
def repository(tmp_path) -> Path:
    """A repository of two commits on main and one on a side branch."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for name, text in (("file", "one"), ("file", "two"), ("side", "side")):
        if name == "side":
            git(root, "checkout", "-qb", "side", "HEAD~1")
        (root / name).write_text(text)
        git(root, "add", name)
        git(root, "commit", "-qm", text)
    git(root, "checkout", "-q", "main")
    return root


@pytest.fixture
def shallow(repository, tmp_path) -> Path:
    """A clone of `repository` holding its last commit alone, as CI's checkout does by default."""
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repository}", str(clone))
    return clone


def first_commit(repository: Path) -> str:
    return git(repository, "rev-list", "--max-parents=0", "HEAD")


def test_a_revision_a_shallow_clone_lacks_names_the_fetch_that_brings_it(repository, shallow):
    first = first_commit(repository)
    with pytest.raises(RevisionError) as error:
        resolve_revision(shallow, first)
    message = str(error.value)
    assert message == (
        f"revision '{first}' is not in this shallow clone: fetch the history (git fetch --unshallow; "
        "GitHub's actions/checkout: fetch-depth: 0), or name a commit it has"
    )  # no caller's option or alternative: each adds its own


def test_in_a_shallow_clone_gate_ab_does_not_advise_the_stored_baseline_it_turns_down(repository, shallow):
    first = first_commit(repository)
    save(shallow, "0001_baseline.json", machine("Intel Xeon"), commit=first)  # another machine's: plain --gate is A/B
    advice = {}
    for always_ab in (False, True):
        with pytest.raises(GateUsageError) as error:
            choose_plan(GateOptions(rootdir=shallow, choice="auto", always_ab=always_ab), machine())
        advice[always_ab] = str(error.value)
    assert advice[False].startswith(f"base revision '{first}' is not in this shallow clone: fetch the history")
    assert "or name a commit it has with --gate-base=REV, or" in advice[False] and "--gate-base=REV" in advice[True]
    assert advice[False].endswith(RECORD_HINT) and "git fetch --unshallow" in advice[False]
    assert advice[True].endswith(STORED_INSTEAD_OF_AB) and "git fetch --unshallow" in advice[True]
    assert RECORD_HINT not in advice[True]


@pytest.mark.parametrize(
    ("command", "named"),
    [
        (
            ["bisect", "--good", "{first}"],
            "--good '{first}' is not in this shallow clone: *, or name commits it has with --good and --bad",
        ),
        (
            ["history", "backfill", "{first}..HEAD"],
            "range end '{first}' is not in this shallow clone: *, or name a range of commits it has (A..B)",
        ),
        (
            ["measure-spread", "--base", "{first}"],
            "--base '{first}' is not in this shallow clone: *, or name a commit it has with --base REV",
        ),
    ],
)
def test_in_a_shallow_clone_each_command_gives_its_own_remedies_not_the_gates(
    repository, shallow, monkeypatch, capsys, command, named
):
    first = first_commit(repository)
    monkeypatch.chdir(shallow)
    assert main([part.format(first=first) for part in command]) == 2
    error = capsys.readouterr().err.strip()
    assert fnmatch(error, f"*{named.format(first=first)}") and "git fetch --unshallow" in error and "\n" not in error
    assert "--gate-base" not in error and "record-baseline" not in error


def test_a_tree_without_git_says_so_with_the_remedy(tmp_path):
    with pytest.raises(RevisionError, match="is not a git checkout .a source tree without .git.*: run from a clone$"):
        resolve_revision(tmp_path, "HEAD")
    with pytest.raises(GateUsageError, match="run from a clone, or record a baseline for this machine"):
        choose_plan(GateOptions(rootdir=tmp_path, base_revision="HEAD"), machine())


def test_no_git_on_path_is_one_line_not_a_traceback(repository, monkeypatch):
    monkeypatch.setenv("PATH", str(repository))
    with pytest.raises(
        RevisionError, match="^git is not installed, so no other revision can be checked out: install git$"
    ):
        resolve_revision(repository, "HEAD")
    assert is_ancestor(repository, "HEAD") is None  # and a question git cannot answer has no answer


def test_ancestry_is_told_for_a_base_on_another_branch(repository):
    assert is_ancestor(repository, resolve_revision(repository, "HEAD~1")) is True
    assert is_ancestor(repository, resolve_revision(repository, "side")) is False


def test_the_worktree_is_removed_when_the_run_is_interrupted(repository, tmp_path):
    commit = resolve_revision(repository, "HEAD~1")
    checkout = tmp_path / "scratch" / "base"
    with pytest.raises(KeyboardInterrupt), base_worktree(repository, commit, checkout) as path:
        assert (path / "file").read_text() == "one"
        raise KeyboardInterrupt  # what SIGINT, and SIGTERM through the plugin's handler, raise
    assert not checkout.exists()
    assert git(repository, "worktree", "list").count("\n") == 0  # the main checkout alone


def test_a_base_that_cannot_be_checked_out_is_one_line(repository, tmp_path):
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "x").write_text("x")
    with pytest.raises(RevisionError, match="^cannot check out"), base_worktree(repository, "HEAD", occupied):
        pass
