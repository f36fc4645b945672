"""The gate's plan, chosen from options, this machine and the baselines on disk: no git, no processes
(a revision is resolved by a stand-in), and the outcome of a run with nothing to compare."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest
import torch

from nngate.gate.options import DEFAULT_MAX_PAIRS, DEFAULT_MAX_PROCESS_PAIRS, DEFAULT_THRESHOLD, GateOptions
from nngate.gate.plan import ABPlan, GateUsageError, NoComparison, StoredPlan, choose_plan
from nngate.gate.session import REGRESSION_EXIT, GateSession
from nngate.schema import GateMode

from stand_ins import machine, resolve, save


def plan(tmp_path, here=None, **options):
    return choose_plan(GateOptions(rootdir=tmp_path, **{"choice": "auto", **options}), here or machine(), resolve)


def test_a_named_base_revision_is_ab_whatever_the_baselines(tmp_path):
    save(tmp_path, "0001_baseline.json", machine())
    chosen = plan(tmp_path, base_revision="HEAD~1")
    assert chosen == ABPlan("HEAD~1".ljust(40, "0"), "--gate-base=HEAD~1")
    assert chosen.mode == GateMode.AB


def test_the_newest_baseline_of_this_machine_is_stored_mode_and_names_environment_changes(tmp_path):
    save(tmp_path, "0001_baseline.json", machine())
    newest = save(tmp_path, "0002_baseline.json", machine(torch_version="2.13.0"))
    save(tmp_path, "0003_baseline.json", machine("Intel Xeon"))
    chosen = plan(tmp_path)
    assert isinstance(chosen, StoredPlan) and chosen.mode == GateMode.STORED
    assert chosen.path == newest and chosen.baseline == {"bench/t.py::a": {"gate_score": 1.0}}
    assert chosen.environment_changes == ("torch 2.13.0 -> 2.14.1",)
    assert chosen.describe(machine()).endswith("environment changed since: torch 2.13.0 -> 2.14.1")


def test_without_a_baseline_of_this_machine_the_newest_recording_commit_is_the_base(tmp_path):
    save(tmp_path, "0001_baseline.json", machine("Intel Xeon"), commit="aaa")
    save(tmp_path, "0002_baseline.json", machine("Intel Xeon"), commit="bbb")
    assert plan(tmp_path) == ABPlan("bbb".ljust(40, "0"), "the commit that recorded 0002_baseline.json")


def test_gate_ab_times_the_recording_commit_even_where_a_baseline_of_this_machine_exists(tmp_path):
    save(tmp_path, "0001_baseline.json", machine(), commit="aaa")
    save(tmp_path, "0002_baseline.json", machine(), commit="bbb")
    save(tmp_path, "0003_baseline.json", machine("Intel Xeon"))  # newer, but names no commit
    assert isinstance(plan(tmp_path), StoredPlan)
    assert GateOptions(always_ab=True).enabled  # --gate-ab implies --gate
    for choice in ("auto", None):
        chosen = plan(tmp_path, always_ab=True, choice=choice)
        assert chosen == ABPlan("bbb".ljust(40, "0"), "the commit that recorded 0002_baseline.json")


def test_gate_ab_with_a_named_baseline_times_its_commit_on_any_machine(tmp_path):
    save(tmp_path, "0001_baseline.json", machine("Intel Xeon"), commit="aaa")
    save(tmp_path, "0002_baseline.json", machine(), commit="bbb")
    chosen = plan(tmp_path, always_ab=True, choice="0001")  # A/B compares nothing recorded elsewhere
    assert chosen == ABPlan("aaa".ljust(40, "0"), "the commit that recorded 0001_baseline.json")


def test_a_baseline_recorded_with_uncommitted_changes_is_said_when_its_commit_is_the_base(tmp_path):
    save(tmp_path, "0001_baseline.json", machine("Intel Xeon"), commit="aaa", dirty=True)
    (note,) = plan(tmp_path).notes
    assert (
        note
        == "gate: note: 0001_baseline.json was recorded with uncommitted changes; the base is aaa000000000 as committed"
    )
    save(tmp_path, "0002_baseline.json", machine("Intel Xeon"), commit="bbb")
    assert plan(tmp_path).notes == ()


def test_gate_ab_without_a_recording_commit_says_what_to_pass(tmp_path):
    save(tmp_path, "0001_baseline.json", machine())  # this machine's, but no commit
    chosen = plan(tmp_path, always_ab=True)
    assert isinstance(chosen, NoComparison)
    assert chosen.reason == (
        "gate: nothing to compare with: --gate-ab, and no committed baseline names the commit that recorded it; "
        "pass --gate-base=REV"
    )
    with pytest.raises(GateUsageError, match=r"0001_baseline.json names no commit that recorded it: A/B needs one"):
        plan(tmp_path, always_ab=True, choice="0001")


def test_nothing_to_compare_with_is_a_plan_with_its_reason(tmp_path):
    save(tmp_path, "0001_baseline.json", None)  # before fingerprints, and no commit
    chosen = plan(tmp_path)
    assert isinstance(chosen, NoComparison)
    assert chosen.reason.startswith("gate: nothing to compare with: no committed baseline was recorded on AMD EPYC")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"choice": "0001"}, "was recorded on another machine (cpu_model Intel Xeon vs AMD EPYC); this is AMD EPYC"),
        ({"choice": "0001", "base_revision": "HEAD"}, "--gate=0001 and --gate-base=HEAD name two different things"),
        ({"choice": "nosuch"}, "no saved baseline matches 'nosuch'"),
        ({"base_revision": "missing"}, "base revision 'missing' is not a commit"),
    ],
)
def test_a_named_thing_that_cannot_be_used_is_a_one_line_usage_error(tmp_path, options, message):
    save(tmp_path, "0001_baseline.json", machine("Intel Xeon"), commit="aaa")
    with pytest.raises(GateUsageError) as error:
        plan(tmp_path, **options)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_options_are_read_once_by_name_with_one_default_each(tmp_path):
    given = {
        "--gate": "auto",
        "--gate-base": None,
        "--gate-ab": True,
        "--gate-threshold": 0.05,
        "--gate-strict": True,
        "--gate-pairs": 6,
        "--gate-process-pairs": 2,
        "--gate-unmeasured-spread": 0.03,
        "--instructions": False,
        "--gate-instructions-threshold": 0.01,
        "--device": "cpu",
        "--profile": "smoke",
        "--dtype": "fp32",
        "--threads": 1,
        "--inject-slowdown": 0.3,
        "--variant": ("eager",),
    }

    class Config:
        rootpath = tmp_path

        def getoption(self, name):
            return given[name]

    options = GateOptions.from_config(Config())
    assert options.unmeasured_spread == 0.03 and options.always_ab
    assert (options.threshold, options.strict, options.max_pairs, options.max_process_pairs, options.device) == (
        0.05,
        True,
        6,
        2,
        torch.device("cpu"),
    )
    assert options.shared_options == ("--profile=smoke", "--device=cpu", "--dtype=fp32", "--threads=1")
    assert options.working_tree_options == ("--inject-slowdown=0.3",)
    # A variant other than eager goes to both sides; eager is not named, so an older base revision
    # that has no --variant still runs.
    given["--variant"] = ("eager", "compile")
    assert GateOptions.from_config(Config()).shared_options[-1] == "--variant=eager,compile"
    assert options.storage == tmp_path / ".benchmarks" and options.enabled
    assert (GateOptions().threshold, GateOptions().max_pairs, GateOptions().max_process_pairs) == (
        DEFAULT_THRESHOLD,
        DEFAULT_MAX_PAIRS,
        DEFAULT_MAX_PROCESS_PAIRS,
    )
    with pytest.raises(AttributeError):
        options.threshold = 0.2  # frozen: read once


@pytest.mark.parametrize(
    "strict, status, last_line",
    [(False, 0, "gate: why"), (True, REGRESSION_EXIT, "gate: --gate-strict: nothing was judged; the run fails")],
)
def test_nothing_to_compare_with_passes_unless_strict(tmp_path, strict, status, last_line):
    session = GateSession(GateOptions(choice="auto", strict=strict, rootdir=tmp_path), NoComparison("gate: why"))
    session.measured["bench/t.py::a"] = {}
    outcome = session.finish()
    assert (outcome.verdicts, outcome.lines[-1], outcome.exit_status) == (None, last_line, status)


def test_a_fingerprint_matches_only_its_own_machine_part():
    assert asdict(machine().machine) == asdict(machine(torch_version="2.0").machine)
    assert asdict(machine().machine) != asdict(machine("Intel Xeon").machine)


def test_a_baseline_with_a_machine_field_this_version_does_not_know_names_that_field(tmp_path):
    path = save(tmp_path, "0001_baseline.json", machine())
    document = json.loads(path.read_text())
    document["machine_info"]["nnbench"]["fingerprint"]["machine"]["numa_nodes"] = 2  # a newer version's field
    path.write_text(json.dumps(document))
    with pytest.raises(GateUsageError) as error:
        plan(tmp_path, choice="0001")
    assert "recorded on another machine (numa_nodes 2 (a field this version does not know" in str(error.value)
