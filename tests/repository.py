"""The tests' one git helper: commands in a throwaway repository, with an identity and a branch name of
their own (a CI runner has neither configured)."""

from __future__ import annotations

import subprocess
from pathlib import Path

IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main")


def git(root, *arguments: str) -> str:
    """`git ARGUMENTS` in `root` (a folder, or a pytester whose folder it is); its stdout, stripped."""
    cwd = Path(getattr(root, "path", root))
    done = subprocess.run(["git", *IDENTITY, *arguments], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def commit_all(root, message: str) -> str:
    """Everything in `root` committed (the repository made first where there is none); the commit's sha."""
    if not (Path(getattr(root, "path", root)) / ".git").exists():
        git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD")
