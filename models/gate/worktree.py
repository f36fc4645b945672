"""The base revision of an A/B run: resolved to a commit, and checked out into a temporary git
worktree that is always removed again, however the run ends."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RevisionError(RuntimeError):
    """A base revision (or a side process of it) that cannot be found, checked out or run; one line."""


def _git(rootdir: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(rootdir), *arguments], capture_output=True, text=True)


def resolve_revision(rootdir: Path, revision: str) -> str:
    """The full commit id of `revision` (any git revision: a sha, a tag, HEAD~1)."""
    done = _git(rootdir, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if done.returncode != 0:
        raise RevisionError(f"base revision {revision!r} is not a commit of the repository at {rootdir}")
    return done.stdout.strip()


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
