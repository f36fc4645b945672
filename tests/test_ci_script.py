"""What .ci/run asks of the gate, read from the script itself: the line CI runs is the line checked."""

from __future__ import annotations

import shlex
from pathlib import Path

CI_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "run"


def gate_arguments() -> list[str]:
    """The arguments of .ci/run's `pytest bench` command."""
    lines = [line for line in CI_SCRIPT.read_text().splitlines() if "pytest bench" in line and not line.startswith("#")]
    assert len(lines) == 1, lines
    words = shlex.split(lines[0])
    return words[words.index("bench") + 1 :]


def test_ci_gates_ab_against_the_baselines_commit_strictly_and_picks_no_base_of_its_own():
    # --gate-ab: a stored baseline of the same machine is one moment of a VM that drifts (docs/ci.md);
    # the gate, not a second rule in the script, picks the commit (tests/test_plan.py holds that rule).
    arguments = gate_arguments()
    assert {"--gate-ab", "--gate-strict", "--instructions"} <= set(arguments)
    assert not [argument for argument in arguments if argument.startswith("--gate-base")]
    assert "base=$(" not in CI_SCRIPT.read_text()
