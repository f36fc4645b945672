"""Starting a side process: a fresh `pytest bench` over the gate's selection, in one checkout (the
working tree, or the base revision's worktree), with the side plugin (models.gate.side) loaded.

Both kinds of side use it: the A/B timing sides (models.gate.ab) and the instruction-counting
sides under callgrind (models.gate.instructions).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from models.gate import side, work

SIDE_PLUGIN = "nnbench_side"  # the names side.py and work.py are copied under, beside neither side's `models`
WORK_MODULE = "nnbench_work"
SIDE_OPTIONS = ("-p", SIDE_PLUGIN, "-p", "models.plugin", "--benchmark-disable")


class RevisionError(RuntimeError):
    """A base revision (or a side) that cannot be found, checked out or run; the message is one line."""


def install(scratch: Path, names: list[str]) -> None:
    """The side plugin, the module it imports and the selection file, into `scratch`."""
    shutil.copy(side.__file__, scratch / f"{SIDE_PLUGIN}.py")
    shutil.copy(work.__file__, scratch / f"{WORK_MODULE}.py")
    (scratch / "names").write_text("\n".join(names) + "\n")


def start_side(root: Path, scratch: Path, label: str, names: list[str], options: list[str], env: dict[str, str],
               log: Path, prefix: tuple[str, ...] = (), pass_fds: tuple[int, ...] = ()) -> subprocess.Popen:
    """`prefix python -m pytest` over the benchmark files of `names` that `root` has (the side plugin
    keeps exactly `names`, in their order), its output into `log`."""
    files = sorted({name.split("::")[0] for name in names if (root / name.split("::")[0]).exists()})
    if not files:
        raise RevisionError(f"the {label} has none of the benchmark files {', '.join(sorted({n.split('::')[0] for n in names}))}")
    environment = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(root), str(scratch)]),
                   side.NAMES: str(scratch / "names")}
    with log.open("w") as output:
        return subprocess.Popen([*prefix, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SIDE_OPTIONS,
                                 *files, *options], cwd=root, env=environment, stdout=output,
                                stderr=subprocess.STDOUT, pass_fds=pass_fds)


def last_line(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return lines[-1] if lines else "no output"
