"""The gate in a user's repository (examples/user-repo), as a user runs it: a fresh virtualenv with
nngate installed, `pytest --gate-base=HEAD --gate-strict` in a fresh process each time. First N runs of
unchanged code, then each slowdown committed on top of the base and judged A/B against it, N times.

    .tox/test/bin/python docs/evidence/scripts/user_repo_evidence.py [--runs 5] [--slowdown-runs 3] \
        > docs/evidence/user-repo.log
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))

from repository import commit_all, git  # noqa: E402
from user_repository import fresh_environment, run, user_checkout  # noqa: E402

# (what, file, text before, text after): each a commit a user could make
SLOWDOWNS = (
    (
        "the plain function does 30% more work",
        "bench/test_models.py",
        "    return [hash(word) % VOCAB for word in text.split()]",
        "    words = text.split()\n    return [hash(word) % VOCAB for word in words + words[: len(words) * 3 // 10]]",
    ),
    ("DistilBERT gets a third layer", "models/classifier.py", "n_layers=2", "n_layers=3"),
)
GATE = ("-m", "pytest", "-p", "no:cacheprovider", "--gate-strict", "--benchmark-min-rounds=5")


def gate(python: Path, checkout: Path, base: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    done = run(python, checkout, *GATE, f"--gate-base={base}")
    start = done.stdout.find("nnbench gate")  # the gate's section: its table, the lines under it, the summary
    lines = [line for line in done.stdout[start:].splitlines()[1:] if not line.startswith("(")]
    return done.returncode, "\n".join(lines), time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="unchanged runs (default: 5)")
    parser.add_argument("--slowdown-runs", type=int, default=3, help="runs of each slowdown (default: 3)")
    arguments = parser.parse_args()
    runs, slowdown_runs = arguments.runs, arguments.slowdown_runs
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    print(f"# {time.strftime('%Y-%m-%d')}, {cpu}, 1 torch thread; each line one fresh `pytest {' '.join(GATE[3:])}`")
    with tempfile.TemporaryDirectory() as scratch:
        python = fresh_environment(Path(scratch) / "env")
        checkout = user_checkout(Path(scratch) / "repo")
        base = git(checkout, "rev-parse", "HEAD")
        passed = 0
        for attempt in range(1, runs + 1):
            status, table, seconds = gate(python, checkout, "HEAD")
            passed += status == 0
            print(f"\n## unchanged, run {attempt}: exit {status} ({seconds:.0f} s)\n{table}")
        print(f"\nunchanged: {passed} of {runs} runs passed")
        for what, file, before, after in SLOWDOWNS:
            path = checkout / file
            original = path.read_text()
            path.write_text(original.replace(before, after))
            commit_all(checkout, what)
            flagged = 0
            for attempt in range(1, slowdown_runs + 1):
                status, table, seconds = gate(python, checkout, base)
                flagged += status == 1
                print(f"\n## {what}, run {attempt}: exit {status} ({seconds:.0f} s)\n{table}")
            print(f"\n{what}: flagged in {flagged} of {slowdown_runs} runs")
            git(checkout, "reset", "-q", "--hard", base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
