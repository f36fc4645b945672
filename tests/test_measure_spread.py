"""`nngate measure-spread --write` in a whole run: unchanged code timed A/B in fresh process pairs, its
ratios joined to this machine's recorded ones, another machine's entry left as it was."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict

import pytest

from nngate.gate.spread import RATIOS, spread_from
from nngate.runtime.machine import fingerprint

from repository import commit_all

pytestmark = pytest.mark.integration  # starts git, pytest and its side processes


def test_measure_spread_joins_its_ratios_to_this_machines_recorded_ones_and_leaves_other_machines_alone(bench):
    commit_all(bench, "the tiny benchmarks")
    here, eight, sixteen = asdict(fingerprint().machine), "test_tiny.py::test_tiny[8]", "test_tiny.py::test_tiny[16]"
    other = {"machine": {**here, "cpu_model": "Another CPU"}, "about": "theirs", "spreads": {eight: 0.5}}
    earlier = {"machine": here, "about": "day one", "spreads": {eight: 0.3}, RATIOS: {eight: [1.3]}}
    spreads_json = bench.path / ".benchmarks" / "spreads.json"
    spreads_json.parent.mkdir()
    spreads_json.write_text(json.dumps({"machines": [other, earlier]}))
    done = subprocess.run(
        [sys.executable, "-m", "nngate", "measure-spread", "--runs", "1", "--process-pairs", "1", "--write"],
        cwd=bench.path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    theirs, ours = json.loads(spreads_json.read_text())["machines"]
    assert theirs == other
    assert ours["about"].startswith("day one; ") and "1 x 1 process pairs" in ours["about"]
    assert ours[RATIOS][eight][0] == 1.3 and len(ours[RATIOS][eight]) == 2 and len(ours[RATIOS][sixteen]) == 1
    assert ours["spreads"] == {name: round(spread_from(ratios), 4) for name, ratios in ours[RATIOS].items()}
    assert ours["spreads"][eight] >= 0.3  # two pairs: the widest, day one's
