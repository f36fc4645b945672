"""Evidence for the history: a constructed history, backfilled, shown and bisected, as a user runs it.

    python bench/history_evidence.py --runs 5 -k "test_inference and (mlp-bs64 or cnn-bs64)"

A throwaway clone of this repository gets 12 commits on top of HEAD: commit 4 makes every Linear
forward busy-wait 5% of its own time, commit 8 every Conv2d forward 20% (the same marked block
bench/gate_evidence.py appends to models/__init__.py), the others touch only a docs file. Then, each
a fresh process in the clone: `history backfill HEAD~12..HEAD` into a store of its own, `history
show`, `bisect` on the conv benchmarks (time) and on the MLP (`--instructions`). Prints each
command's output and wall time, and where the change points and the bisects landed against where
the changes are. The clone and its store are removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gate_evidence import BEGIN, END, slowed

ROOT = Path(__file__).resolve().parent.parent
CHANGED_AT = {4: ("Linear", 0.05), 8: ("Conv2d", 0.20)}  # commit number: (layer, fraction of its time)


def git(clone: Path, *arguments: str) -> str:
    command = ["git", "-c", "user.name=evidence", "-c", "user.email=evidence@example.com", *arguments]
    return subprocess.run(command, cwd=clone, check=True, capture_output=True, text=True).stdout.strip()


def constructed(clone: Path) -> list[str]:
    """The 12 commits, oldest first."""
    shas = []
    for number in range(1, 13):
        if number in CHANGED_AT:
            layer, fraction = CHANGED_AT[number]
            init = clone / "models" / "__init__.py"
            init.write_text(init.read_text() + f"\n{BEGIN} ({layer})\n{slowed(layer)(fraction)}{END}\n")
            message = f"every {layer} forward +{fraction:.0%}"
        else:
            notes = clone / "docs-notes.md"
            notes.write_text((notes.read_text() if notes.exists() else "") + f"note {number}\n")
            git(clone, "add", "docs-notes.md")
            message = f"docs {number}"
        git(clone, "commit", "-q", "-am", message)
        shas.append(git(clone, "rev-parse", "HEAD"))
    return shas


def timed(clone: Path, store: str, *arguments: str) -> tuple[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "models", *arguments],
        cwd=clone,
        env={**os.environ, "NNBENCH_HISTORY": store},
        capture_output=True,
        text=True,
    )
    output = (done.stdout + done.stderr).strip()
    print(f"$ python -m models {' '.join(arguments)}   # exit {done.returncode}, {time.perf_counter() - started:.0f} s")
    print(output, flush=True)
    return output, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh runs per commit in the backfill (default: 5)")
    parser.add_argument("-k", dest="expression", default="test_inference and (mlp-bs64 or cnn-bs64)")
    parser.add_argument("--conv", default="test_inference and cnn-bs64", help="-k of the time bisect")
    parser.add_argument("--linear", default="test_inference and mlp-bs64", help="-k of the --instructions bisect")
    parser.add_argument("--pytest", default="", help="more options for each backfill run")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnbench-history-evidence-") as scratch:
        clone = Path(scratch) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        shas = constructed(clone)
        print("commits: " + ", ".join(f"{n} {sha[:12]}" for n, sha in enumerate(shas, 1)), flush=True)
        store = f"sqlite:///{Path(scratch) / 'history.sqlite'}"
        backfill = ["history", "backfill", "HEAD~12..HEAD", "--runs", str(arguments.runs), "-k", arguments.expression]
        timed(clone, store, *backfill, *(["--pytest", arguments.pytest] if arguments.pytest else []))
        shown, _ = timed(clone, store, "history", "show", "-k", arguments.expression)
        found = re.findall(r"change (\w+)\.\.(\w+):", shown)
        where = {sha[:12]: number for number, sha in enumerate(shas, 1)}
        print("change points at commits: " + (", ".join(str(where.get(after, after)) for _, after in found) or "none"))
        conv, _ = timed(clone, store, "bisect", "--good", "HEAD~12", "-k", arguments.conv)
        linear, _ = timed(clone, store, "bisect", "--good", "HEAD~12", "-k", arguments.linear, "--instructions")
        for label, output in (("time bisect (conv)", conv), ("instructions bisect (linear)", linear)):
            named = re.search(r"first slower commit: (\w+)", output)
            print(f"{label}: commit {where.get(named.group(1)[:12]) if named else 'none named'}")
        shutil.rmtree(clone, ignore_errors=True)


if __name__ == "__main__":
    main()
