"""Instruction counts of a committed revision, kept on this machine so that each is taken once.

A count under callgrind depends only on what the counting process runs: the revision's files (its
git tree, not its commit message), the Python environment (every installed distribution and its
version), valgrind, the processor (the ISA cap makes most counts CPU-independent, but not all of them:
the CNN's moved between Zen 4 and Zen 5), the probe copied beside the side, the counting method and
the side's pytest options. `side_key` names all of them; an entry is used only where every part
matches, so a changed environment or method counts again instead of comparing with a stale count.
A working tree is cached only where git sees no change in it (a CI job's fresh clone): its files
are then its HEAD commit's tree, and a second run of the same commit counts nothing again.

The cache is a folder of JSON files, one per key, outside any checkout, so that a fresh clone of the
same repository (a CI job) finds what the last one counted: $NNBENCH_CACHE_DIR, else
$XDG_CACHE_HOME/nnbench, else ~/.cache/nnbench. A file that cannot be read, or that names another
key, is ignored and written anew; writes go to a temporary file renamed into place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from nngate import probe

CACHE_VARIABLE = "NNBENCH_CACHE_DIR"
FOLDER = "instructions"
FORMAT = 1  # the layout of a cache file; another is ignored


def cache_dir() -> Path:
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nnbench"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache  # one answer per process: what it reads does not change under a run
def environment_digest() -> str:
    """Every distribution installed in this Python, with its version, and the interpreter's version."""
    installed = sorted(f"{(dist.metadata['Name'] or '').lower()}=={dist.version}" for dist in metadata.distributions())
    return _digest("\n".join([sys.version, platform.platform(aliased=False), *installed]))


@functools.cache  # one answer per process: what it reads does not change under a run
def probe_digest() -> str:
    """The probe package's source: it is copied beside every side and runs the count."""
    folder = Path(probe.__file__).parent
    return _digest("".join(f"{path.name}\n{path.read_text()}" for path in sorted(folder.glob("*.py"))))


@functools.cache  # one answer per process: what it reads does not change under a run
def valgrind_version() -> str:
    try:
        return subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "none"


@dataclass(frozen=True)
class SideKey:
    """Everything a side's counts depend on; `name` is its digest, the cache file's name."""

    parts: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return _digest(json.dumps(self.parts, sort_keys=True))[:32]


def side_key(tree: str | None, options: list[str], method: dict, machine: dict) -> SideKey | None:
    """The key of the counts of the files of git `tree`, counted with `options` and `method` on
    `machine`; None where there is no tree (a working tree with changes): nothing is cached then."""
    if tree is None:
        return None
    variables = {name: value for name, value in os.environ.items() if name.startswith("NNBENCH_")}
    variables.pop(CACHE_VARIABLE, None)
    variables.pop("NNBENCH_HISTORY", None)  # where results are recorded, not what is counted
    return SideKey(
        {
            "format": FORMAT,
            "tree": tree,
            "environment": environment_digest(),
            "valgrind": valgrind_version(),
            "machine": machine,
            "probe": probe_digest(),
            "method": method,
            "options": sorted(options),
            "variables": variables,
        }
    )


@dataclass(frozen=True)
class CachedCount:
    instructions: int
    spread: float | None


def _valid(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("instructions"), int)
        and entry["instructions"] >= 0
        and (entry.get("spread") is None or isinstance(entry.get("spread"), int | float))
    )


def load(key: SideKey) -> dict[str, CachedCount]:
    """The counts cached under `key`, by benchmark node id; {} where none are, or the file does not match."""
    try:
        document = json.loads((cache_dir() / FOLDER / f"{key.name}.json").read_text())
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(document, dict)
        or document.get("key") != key.parts
        or not isinstance(document.get("counts"), dict)
    ):
        return {}
    return {
        name: CachedCount(entry["instructions"], entry.get("spread"))
        for name, entry in document["counts"].items()
        if _valid(entry)
    }


def store(key: SideKey, counts: dict[str, CachedCount]) -> str | None:
    """Add `counts` to what is cached under `key`; one line where the cache cannot be written (the run
    goes on: it only counts again next time)."""
    if not counts:
        return None
    merged = {**load(key), **counts}
    folder = cache_dir() / FOLDER
    document = {
        "key": key.parts,
        "counts": {name: {"instructions": c.instructions, "spread": c.spread} for name, c in sorted(merged.items())},
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
    except OSError as error:
        return f"instructions: the counts were not cached ({error.strerror or error}: {folder})"
    try:
        with os.fdopen(descriptor, "w") as written:
            json.dump(document, written, indent=1)
        os.replace(temporary, folder / f"{key.name}.json")
    except BaseException as error:  # an interrupt too: no temporary file is left in the cache
        Path(temporary).unlink(missing_ok=True)
        if not isinstance(error, OSError):
            raise
        return f"instructions: the counts were not cached ({error.strerror or error}: {folder})"
    return None
