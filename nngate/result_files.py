"""The one reader of result files: pytest-benchmark JSON (saved runs, --benchmark-json output, the
committed baselines) and the training runs' JSON. The gate's baselines, the history's import and the
report all read through it, and each says in its own words what a bad file means to it."""

from __future__ import annotations

import json
from pathlib import Path


class UnreadableFile(Exception):
    """A file that could not be read as JSON: `reason` in words (`No such file or directory`, `not
    JSON`), `kind` the error's type name (`JSONDecodeError`)."""

    def __init__(self, path: Path, reason: str, kind: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason, self.kind = path, reason, kind


def read_json(path: Path) -> object:
    """The file's JSON; UnreadableFile where it is missing, unreadable, not UTF-8 or not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as error:
        raise UnreadableFile(path, error.strerror or type(error).__name__, type(error).__name__) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFile(path, "not JSON", type(error).__name__) from None


def benchmark_list(document: object) -> list | None:
    """The `benchmarks` list of a pytest-benchmark document; None where `document` is not one (each
    reader checks the entries it needs)."""
    benchmarks = document.get("benchmarks") if isinstance(document, dict) else None
    return benchmarks if isinstance(benchmarks, list) else None
