"""Git as CI systems hand it over: a shallow clone, a tree without .git, no git at all, a base on
another branch; each is one line with its remedy. The base revision's worktree never outlives a run,
however it ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from nngate.gate.options import GateOptions
from nngate.gate.plan import STORED_INSTEAD_OF_AB, GateUsageError, choose_plan
from nngate.runtime import git as worktree
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


def test_a_revision_a_shallow_clone_lacks_names_the_fetch_that_brings_it(repository, tmp_path):
    first = git(repository, "rev-list", "--max-parents=0", "HEAD")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repository}", str(shallow))
    with pytest.raises(RevisionError) as error:
        resolve_revision(shallow, first)
    message = str(error.value)
    assert message.startswith(f"base revision '{first}' is not in this shallow clone: fetch the history")
    assert "git fetch --unshallow" in message and "fetch-depth: 0" in message and "record-baseline" in message
    assert "\n" not in message


def test_in_a_shallow_clone_gate_ab_does_not_advise_the_stored_baseline_it_turns_down(repository, tmp_path):
    first = git(repository, "rev-list", "--max-parents=0", "HEAD")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repository}", str(shallow))
    save(shallow, "0001_baseline.json", machine("Intel Xeon"), commit=first)  # another machine's: plain --gate is A/B
    advice = {}
    for always_ab in (False, True):
        with pytest.raises(GateUsageError) as error:
            choose_plan(GateOptions(rootdir=shallow, choice="auto", always_ab=always_ab), machine())
        advice[always_ab] = str(error.value)
    assert advice[False].endswith(worktree.RECORD_HINT) and "git fetch --unshallow" in advice[False]
    assert advice[True].endswith(STORED_INSTEAD_OF_AB) and "git fetch --unshallow" in advice[True]
    assert worktree.RECORD_HINT not in advice[True]


def test_a_tree_without_git_says_so_with_the_remedy(tmp_path):
    with pytest.raises(RevisionError, match="is not a git checkout .a source tree without .git.*record-baseline"):
        resolve_revision(tmp_path, "HEAD")


def test_no_git_on_path_is_one_line_not_a_traceback(repository, monkeypatch):
    monkeypatch.setenv("PATH", str(repository))
    with pytest.raises(RevisionError, match="^git is not installed, and A/B mode checks out a base revision"):
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
    assert worktree.RECORD_HINT.startswith("or record a baseline")
