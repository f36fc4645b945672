"""A copy of examples/user-repo as a user has it: a git repository of its own, and a fresh virtualenv
with nngate installed from this checkout. The packages nngate depends on (torch: 5 GB) are reused from
the environment running this, through a .pth file, instead of installed a second time (two minutes)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sysconfig
import venv
from pathlib import Path

from repository import commit_all

SUITE = Path(__file__).resolve().parent.parent
EXAMPLE = SUITE / "examples" / "user-repo"


def fresh_environment(folder: Path) -> Path:
    """A virtualenv in `folder` that has nngate (a wheel of this checkout, no editable link) and sees
    this interpreter's installed packages; its python."""
    venv.EnvBuilder(with_pip=False).create(folder)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    reused = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    (Path(purelib) / "reused-packages.pth").write_text("\n".join(dict.fromkeys(reused)) + "\n")
    build = folder.parent / "nngate-build"
    shutil.copytree(SUITE, build, ignore=shutil.ignore_patterns(".tox", ".git", "build", "*.egg-info", ".ci"))
    # Its own python runs pip (seen through the .pth): the console script lands in its bin/, and its nngate
    # shadows any other the reused packages hold.
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", build],
        check=True,
        capture_output=True,
        env=user_environment(),
    )
    shutil.rmtree(build)
    return python


def user_checkout(folder: Path) -> Path:
    """examples/user-repo copied to `folder` and committed: the base revision of the user's A/B."""
    shutil.copytree(EXAMPLE, folder)
    commit_all(folder, "the user's repository")
    return folder


def user_environment() -> dict[str, str]:
    """This environment, less the suite's checkout on PYTHONPATH: the user has only what they installed."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def run(python: Path, checkout: Path, *arguments: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`python ARGUMENTS` in the user's checkout, output as text."""
    return subprocess.run(
        [python, *arguments], cwd=checkout, capture_output=True, text=True, timeout=timeout, env=user_environment()
    )
