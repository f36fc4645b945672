"""Baseline files are read carefully: a truncated, ill-typed or foreign file is one line naming it,
a warning where the gate found it and a usage error where it was named; never a traceback, never a
verdict from it. Recording never overwrites or loses a file."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from nngate.gate import baselines, validity
from nngate.gate.options import GateOptions
from nngate.gate.plan import ABPlan, GateUsageError, choose_plan

from stand_ins import machine, resolve, save


def good() -> dict:
    fingerprint = machine().to_json()
    return {
        "machine_info": {"nnbench": {"fingerprint": fingerprint}},
        "commit_info": {"id": "abc"},
        "benchmarks": [{"fullname": "bench/t.py::a", "extra_info": {"gate_score": 0.002, "gate_seconds": 0.002}}],
    }


def spoiled(change) -> dict:
    document = good()
    change(document)
    return document


def set_entry(key, value):
    return lambda document: document["benchmarks"][0]["extra_info"].__setitem__(key, value)


@pytest.mark.parametrize(
    "document, why",
    [
        (spoiled(set_entry("gate_score", "fast")), "is unusable: a: gate_score 'fast' is not a positive number"),
        (spoiled(set_entry("gate_score", -1)), "is unusable: a: gate_score -1 is not a positive number"),
        (spoiled(set_entry("gate_score", 0)), "is unusable: a: gate_score 0 is not a positive number"),
        (spoiled(set_entry("gate_score", True)), "is unusable: a: gate_score True is not a positive number"),
        (spoiled(set_entry("gate_seconds", float("nan"))), "is unusable: a: gate_seconds nan is not a positive number"),
        (spoiled(set_entry("gate_noise", -0.1)), "is unusable: a: gate_noise -0.1 is not a number of at least 0"),
        (spoiled(set_entry("instructions", 1.5)), "is unusable: a: instructions 1.5 is not a positive integer"),
        (spoiled(lambda d: d.__setitem__("machine_info", [])), "is unusable: machine_info is a list, not a mapping"),
        (
            spoiled(lambda d: d["machine_info"]["nnbench"].__setitem__("fingerprint", "x")),
            "is unusable: its fingerprint",
        ),
        (spoiled(lambda d: d.__setitem__("benchmarks", [])), "holds no benchmarks"),
        (spoiled(lambda d: d["benchmarks"].append("x")), "is unusable: a benchmark entry without a fullname"),
        (
            spoiled(lambda d: d["benchmarks"][0].__setitem__("extra_info", {})),
            "is unusable: no benchmark has a gate_score",
        ),
        ([], "is not a pytest-benchmark JSON file"),
    ],
)
def test_an_ill_typed_baseline_is_named_with_what_is_wrong(tmp_path, document, why):
    assert validity.problem(good()) is None
    assert validity.problem(document).startswith(why)
    path = tmp_path / "0001_baseline.json"
    path.write_text(json.dumps(document))
    with pytest.raises(baselines.BaselineError) as error:
        baselines.load_document(path)
    assert str(error.value).startswith(f"baseline {path} {why}") and "\n" not in str(error.value)


def test_a_truncated_baseline_of_this_machine_is_a_warning_and_never_judged_from(tmp_path):
    save(tmp_path, "0001_baseline.json", machine("Intel Xeon"), commit="older")
    newest = save(tmp_path, "0002_baseline.json", machine(), commit="newer")
    newest.write_text(newest.read_text()[:40])  # this machine's, cut short
    chosen = choose_plan(GateOptions(choice="auto", rootdir=tmp_path), machine(), resolve)
    assert isinstance(chosen, ABPlan) and chosen.commit.startswith("older")  # not stored mode from half a file
    assert chosen.notes == (f"gate: warning: baseline {newest} is unreadable (JSONDecodeError); it is left out",)


def test_a_named_unusable_baseline_is_a_usage_error(tmp_path):
    path = save(tmp_path, "0001_baseline.json", machine())
    path.write_text(json.dumps(spoiled(set_entry("gate_score", -1))))
    with pytest.raises(GateUsageError, match="gate_score -1 is not a positive number"):
        choose_plan(GateOptions(choice=str(path), rootdir=tmp_path), machine(), resolve)


RACE_TIMEOUT_S = 300  # two spawned interpreters importing the package take seconds, not minutes


def _record(folder: str, count: int) -> list[str]:
    return [baselines.save_new(Path(folder), "baseline-race", good()).name for _ in range(count)]


def test_concurrent_recorders_never_overwrite_each_other(tmp_path):
    # spawn, not fork: by now this process holds torch's and other libraries' threads, and a forked
    # child can inherit a lock one of them held (a CI run hung here for the rest of its 90 minutes).
    # The timeout turns any other hang into a failure that names this test.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        batches = pool.starmap_async(_record, [(str(tmp_path), 8)] * 2).get(timeout=RACE_TIMEOUT_S)
    names = [name for batch in batches for name in batch]
    assert len(set(names)) == 16  # every recording has its own number
    assert sorted(path.name for path in tmp_path.glob("*.json")) == sorted(names)
    assert all(json.loads(path.read_text()) == good() for path in tmp_path.glob("*.json"))  # none half-written
    assert not list(tmp_path.glob(".recording-*"))  # no temporary file left


@pytest.mark.parametrize("name", ["baseline/x", "../baseline", "", "-x", "a b"])
def test_a_baseline_name_that_is_no_file_name_is_refused_before_anything_runs(name):
    with pytest.raises(baselines.BaselineError, match="use letters, digits"):
        baselines.check_name(name)
