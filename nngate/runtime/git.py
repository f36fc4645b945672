"""The base revision of an A/B run: resolved to a commit, and checked out into a temporary git
worktree that is always removed again, however the run ends."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nngate.runtime.processes import RunError


class RevisionError(RunError):
    """A revision that cannot be resolved or checked out: git's problem and, where git has one, git's own
    remedy. Each caller words its own alternatives (`advise`): the gate's stored baseline, bisect's
    --good and --bad are not git's to offer, and no caller is given another's."""

    def __init__(self, problem: str, remedy: str = ""):
        self.problem, self.remedy = problem, remedy
        super().__init__(self.advise())

    def advise(self, *alternatives: str) -> str:
        """One line: the problem, git's remedy, then the caller's alternatives (each worded "or ...");
        none where git has no remedy either (a revision that is no commit, a checkout that failed)."""
        if not self.remedy:
            return self.problem
        return ", ".join([f"{self.problem}: {self.remedy}", *alternatives])


def _git(rootdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = ["git", "-C", str(rootdir), *arguments]
    try:
        return subprocess.run(command, capture_output=True, text=True)
    except FileNotFoundError:  # no git on PATH: as git itself would say, "command not found"
        return subprocess.CompletedProcess(command, 127, "", "git: command not found")


def ignore_in_checkout(path: Path) -> bool:
    """Have git ignore the file `path` (and its -wal/-journal companions) where it lies in a work tree
    that does not ignore it yet: a line appended to the .gitignore of its folder, created where
    missing, never rewritten. False where nothing was written (no git, no work tree, already ignored)."""
    folder = path.parent
    if _git(folder, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        return False
    if _git(folder, "check-ignore", "-q", path.name).returncode == 0:
        return False
    ignore = folder / ".gitignore"
    before = ignore.read_text() if ignore.exists() else ""
    with ignore.open("a") as lines:
        lines.write(("\n" if before and not before.endswith("\n") else "") + f"/{path.name}*\n")
    return True


def check_git(rootdir: Path) -> None:
    """RevisionError, with git's remedy, where no revision of `rootdir` can be had: no git, or no repository."""
    if shutil.which("git") is None:
        raise RevisionError("git is not installed, so no other revision can be checked out", "install git")
    if _git(rootdir, "rev-parse", "--git-dir").returncode != 0:
        raise RevisionError(
            f"{rootdir} is not a git checkout (a source tree without .git), so no other revision can be checked out",
            "run from a clone",
        )


def resolve_revision(
    rootdir: Path, revision: str, role: str = "revision", instead: str = "name a commit it has"
) -> str:
    """The full commit id of `revision` (any git revision: a sha, a tag, HEAD~1); RevisionError where git,
    the repository or the commit is missing. `role` names the revision in that error, and `instead` says
    how the caller names another (a shallow clone lacks old commits, and has some): its own option."""
    check_git(rootdir)
    done = _git(rootdir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if done.returncode == 0:
        return done.stdout.strip()
    if _git(rootdir, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        raise RevisionError(
            f"{role} {revision!r} is not in this shallow clone",
            f"fetch the history (git fetch --unshallow; GitHub's actions/checkout: fetch-depth: 0), or {instead}",
        )
    raise RevisionError(f"{role} {revision!r} is not a commit of the repository at {rootdir}")


def tree_of(rootdir: Path, commit: str) -> str | None:
    """The git tree of `commit`: what its files are, whatever its message; None where git cannot tell."""
    done = _git(rootdir, "rev-parse", "--verify", "--quiet", f"{commit}^{{tree}}")
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def clean_tree(rootdir: Path) -> str | None:
    """HEAD's tree where the checkout at `rootdir` has no change git sees (none staged, none unstaged, no
    untracked file it does not ignore): its files are then that commit's. None otherwise, or without git."""
    status = _git(rootdir, "status", "--porcelain", "--untracked-files=normal")
    return tree_of(rootdir, "HEAD") if status.returncode == 0 and not status.stdout.strip() else None


def is_ancestor(rootdir: Path, commit: str, descendant: str = "HEAD") -> bool | None:
    """Whether `commit` is an ancestor of `descendant` (or it itself); None where git cannot tell."""
    status = _git(rootdir, "merge-base", "--is-ancestor", commit, descendant).returncode
    return {0: True, 1: False}.get(status)


def first_parent_line(rootdir: Path, good: str, bad: str) -> list[str] | None:
    """The first-parent commits after `good` up to `bad`, oldest first; None where good is not an
    ancestor of bad (there is no such line)."""
    if not is_ancestor(rootdir, good, bad):
        return None
    return _git(rootdir, "rev-list", "--first-parent", "--reverse", f"{good}..{bad}").stdout.split()


def head_first_parent_line(rootdir: Path) -> list[str] | None:
    """HEAD's first-parent line, oldest first; None where rootdir is not a git checkout (or no git)."""
    listed = _git(rootdir, "rev-list", "--first-parent", "--reverse", "HEAD")
    return listed.stdout.split() if listed.returncode == 0 else None


def parents_of(rootdir: Path, sha: str) -> list[str] | None:
    """A commit's parents, first parent first; None where git does not know the commit."""
    listed = _git(rootdir, "rev-list", "--parents", "-n", "1", sha, "--")
    return listed.stdout.split()[1:] if listed.returncode == 0 and listed.stdout.strip() else None


def commits_since(rootdir: Path, commit: str) -> int | None:
    """How many first-parent commits HEAD is past `commit`; None where git cannot tell."""
    done = _git(rootdir, "rev-list", "--count", "--first-parent", f"{commit}..HEAD")
    return int(done.stdout) if done.returncode == 0 and done.stdout.strip().isdigit() else None


@contextmanager
def base_worktree(rootdir: Path, commit: str, path: Path) -> Iterator[Path]:
    """`commit` checked out (detached) at `path`, a new folder, for the duration of the block; the
    worktree is removed and unregistered when the block ends, by return or by exception."""
    added = _git(rootdir, "worktree", "add", "--detach", "--quiet", str(path), commit)
    if added.returncode != 0:
        why = added.stderr.strip().splitlines()[-1] if added.stderr.strip() else "git failed"
        raise RevisionError(f"cannot check out {commit[:12]} into a worktree: {why}")
    try:
        yield path
    finally:
        _git(rootdir, "worktree", "remove", "--force", str(path))
        _git(rootdir, "worktree", "prune")


@contextmanager
def checked_out(rootdir: Path, commit: str, prefix: str) -> Iterator[Path]:
    """`commit` in a worktree of its own, in a temporary folder named with `prefix`; both removed when
    the block ends, however it ends."""
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as scratch,
        base_worktree(rootdir, commit, Path(scratch) / "tree") as tree,
    ):
        yield tree
