"""The README's sample output, produced by a real gated run instead of typed.

    python docs/evidence/scripts/readme_sample.py [--slowdown 0.3] [-k EXPR]

Runs `pytest bench --gate-base=HEAD --inject-slowdown=FRACTION -k EXPR` in a fresh process (A/B: the
working tree, slowed on purpose, against HEAD), and writes the gate's section of its terminal output
between the README's sample markers, with the CPU it ran on. tests/test_docs.py holds that block to
the table the code prints now (its columns and its summary line's threshold).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from nngate.runtime.machine import cpu_model  # noqa: E402
from nngate.runtime.processes import pytest_command  # noqa: E402

BEGIN, END = "<!-- sample output: begin (docs/evidence/scripts/readme_sample.py) -->", "<!-- sample output: end -->"
SECTION = "nnbench gate"
PYTEST_COUNTS = re.compile(r"\d+ (passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b")


def gate_section(output: str) -> list[str]:
    """The lines of the gate's terminal section: after its `=== nnbench gate ===` rule, up to the next
    rule, blank line or pytest's closing count (`3 passed, 11 deselected in 37.90s`: no rule under -q)."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if SECTION in line and line.startswith("="))
    ends = ("=", "---")  # the next section's rule, or pytest-benchmark's table

    def ends_section(line: str) -> bool:
        return line.strip() == "" or line.startswith(ends) or PYTEST_COUNTS.match(line) is not None

    end = next((i for i in range(start + 1, len(lines)) if ends_section(lines[i])), None)
    end = len(lines) if end is None else end
    return lines[start + 1 : end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slowdown", default="0.3", help="the working tree's injected slowdown (default: 0.3)")
    parser.add_argument("-k", dest="expression", default="inference and bs1 and (mlp or cnn or bow_mlp)")
    arguments = parser.parse_args()
    command = ["bench", "--gate-base=HEAD", f"--inject-slowdown={arguments.slowdown}", "-k", arguments.expression]
    done = subprocess.run(pytest_command(command), cwd=ROOT, capture_output=True, text=True)
    section = gate_section(done.stdout)
    shown = " ".join(["pytest", *command[:-1], repr(arguments.expression)])
    block = [BEGIN, "```", f"$ {shown}    # exit {done.returncode}, on {cpu_model()}", *section, "```", END]
    readme = ROOT / "README.md"
    text = readme.read_text()
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    readme.write_text(before + "\n".join(block) + after)
    print("\n".join(block))


if __name__ == "__main__":
    main()
