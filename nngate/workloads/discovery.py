"""Where declarations are found, once per process: installed packages' `nngate.workloads` entry
points, and the modules a repository names in its pyproject.toml:

    [tool.nngate]
    workloads = ["models.workloads"]   # imported from the folder that holds pyproject.toml
    workloads = ["bench/test_models.py"]   # or a bench file that declares with @workload

A bench file or conftest.py that declares workloads needs neither: pytest imports it. Every
process the tool starts (A/B sides, counting sides, bisect) runs in a checkout of the revision it
measures, so it finds that revision's declarations the same way.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import entry_points
from pathlib import Path

from nngate import project
from nngate.workloads.config import ConfigError

ENTRY_POINT_GROUP = "nngate.workloads"
_searched: set[Path] = set()


def declaring_modules(start: Path) -> tuple[Path | None, list[str]]:
    """The folder of the nearest pyproject.toml at or above `start` with a [tool.nngate] table, and the
    modules its `workloads` key names; (None, []) where there is none."""
    try:
        return project.names(start, "workloads")
    except project.ProjectError as error:
        raise ConfigError(str(error)) from None


def declare_all(start: Path | None = None) -> None:
    """Import every declaring module (entry points, then the nearest pyproject's), once per folder.
    A module that cannot be imported is a ConfigError that names it and where it was named."""
    start = (start or Path.cwd()).resolve()
    if start in _searched:
        return
    if not _searched:
        for point in entry_points(group=ENTRY_POINT_GROUP):
            _import(point.value, f"entry point {point.name!r} of group {ENTRY_POINT_GROUP}")
    folder, names = declaring_modules(start)
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    for name in names:
        named_by = f"{folder / project.PYPROJECT} [tool.nngate] workloads"
        if name.endswith(".py"):
            _import_file(folder / name, named_by)
        else:
            _import(name, named_by)
    _searched.add(start)  # only once all imported: a failed import is tried (and reported) again


def _import_file(path: Path, named_by: str) -> None:
    """A bench file that declares with @workload, imported as pytest's default import mode does (its
    folder first on sys.path, its stem as the module name), so that pytest finds it imported already."""
    if not path.is_file():
        raise ConfigError(f"cannot import {str(path)!r} ({named_by}): no such file")
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    _import(path.stem, named_by)


def _import(module: str, named_by: str) -> None:
    try:
        importlib.import_module(module.partition(":")[0])
    except Exception as error:  # anything a user's module raises: one line, not a traceback
        raise ConfigError(f"cannot import {module!r} ({named_by}): {type(error).__name__}: {error}") from None
