"""Starting a side process: a fresh `pytest bench` over the gate's selection, in one checkout (the
working tree, or the base revision's worktree), with the probe's side plugin loaded.

Both kinds of side use it: the A/B timing sides (nngate.gate.ab) and the instruction-counting
sides under callgrind (nngate.gate.instructions).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from nngate import probe
from nngate.probe import protocol
from nngate.runtime.processes import SideError, child_environment, pytest_command

SIDE_OPTIONS = ("-p", protocol.SIDE_PLUGIN, "--benchmark-disable")
NAMES_FILE = "names"


def install(scratch: Path, names: list[str]) -> None:
    """The probe package, under its copied name, and the selection file, into `scratch`."""
    shutil.copytree(
        Path(probe.__file__).parent, scratch / protocol.PACKAGE, ignore=shutil.ignore_patterns("__pycache__")
    )
    write_names(scratch, names)


def write_names(scratch: Path, names: list[str]) -> None:
    """The selection file the next sides started in `scratch` run."""
    (scratch / NAMES_FILE).write_text("\n".join(names) + "\n")


def benchmark_files(names: list[str]) -> list[str]:
    return sorted({name.split("::")[0] for name in names})


def files_in(root: Path, names: list[str]) -> list[str]:
    """The benchmark files of `names` that the checkout at `root` has."""
    return [file for file in benchmark_files(names) if (root / file).exists()]


def plugin_options(root: Path) -> tuple[str, ...]:
    """The tool's plugin for a pytest in the checkout at `root`. A revision from before the rename
    (the tool was its `models` package) loads its own plugin: the installed one, autoloaded through
    its entry point, would add the same options a second time."""
    if (root / "models" / "plugin.py").is_file() and not (root / "nngate").is_dir():
        return ("-p", "no:nngate.plugin", "-p", "models.plugin")
    return ("-p", "nngate.plugin")


def start_side(
    root: Path,
    scratch: Path,
    label: str,
    names: list[str],
    options: list[str],
    env: dict[str, str],
    log: Path,
    prefix: tuple[str, ...] = (),
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen:
    """`prefix python -m pytest` over the benchmark files of `names` that `root` has (the side plugin
    keeps exactly `names`, in their order), its output into `log`."""
    files = files_in(root, names)
    if not files:
        raise SideError(f"the {label} has none of the benchmark files {', '.join(benchmark_files(names))}")
    environment = child_environment(
        {**env, "PYTHONPATH": _path_before(str(root), str(scratch)), protocol.NAMES: str(scratch / NAMES_FILE)}
    )
    with log.open("w") as output:
        return subprocess.Popen(
            pytest_command([*SIDE_OPTIONS, *plugin_options(root), *files, *options], prefix),
            cwd=root,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=pass_fds,
        )


def _path_before(*folders: str) -> str:
    """PYTHONPATH with `folders` first: the checkout's own packages win over any inherited path."""
    return os.pathsep.join(filter(None, [*folders, os.environ.get("PYTHONPATH")]))


def last_line(log: Path) -> str:
    lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return lines[-1] if lines else "no output"
