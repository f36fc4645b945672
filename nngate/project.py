"""A repository's own settings for nngate: the `[tool.nngate]` table of the nearest pyproject.toml.

    [tool.nngate]
    workloads = ["models.workloads"]   # modules that declare workloads (nngate.workloads.discovery)
    benchmarks = ["bench"]             # where the commands collect benchmarks (record-baseline, bisect, ...)

Without `benchmarks`: `bench/` where the repository has one, else pytest's own configuration (its
`testpaths`, or the folder it runs in).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = "pyproject.toml"
DEFAULT_BENCHMARKS = "bench"


class ProjectError(ValueError):
    """A [tool.nngate] table that cannot be read; the message names the file."""


def settings(start: Path) -> tuple[Path | None, dict]:
    """The folder of the nearest pyproject.toml at or above `start` with a [tool.nngate] table, and
    the table; (None, {}) where there is none."""
    for folder in (start, *start.parents):
        path = folder / PYPROJECT
        if not path.is_file():
            continue
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("nngate")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ProjectError(f"{path}: cannot read it ({error})") from None
        if table is not None:
            return folder, table
    return None, {}


def names(start: Path, key: str) -> tuple[Path | None, list[str]]:
    """The folder of the nearest [tool.nngate] table (settings) and the list of strings under its `key`;
    a wrong type names the file."""
    folder, table = settings(start)
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProjectError(f"{folder / PYPROJECT}: [tool.nngate] {key} must be a list of strings")
    return folder, value


def benchmark_paths(root: Path) -> list[str]:
    """What a command of ours collects benchmarks from in the checkout at `root` (see the docstring):
    an empty list leaves the choice to pytest's own configuration."""
    _, configured = names(root, "benchmarks")
    if configured:
        return configured
    return [DEFAULT_BENCHMARKS] if (root / DEFAULT_BENCHMARKS).is_dir() else []
