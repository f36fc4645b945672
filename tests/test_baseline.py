"""Recording a baseline over several processes: medians, noise, and never overwriting a file."""

from __future__ import annotations

import json
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nngate import schema
from nngate.gate import baselines, rules


def run_document(scores: dict[str, float], cpu_model: str = "here") -> dict:
    """A pytest-benchmark document of one process: each benchmark's score, and a q1 time 1000x it."""
    return {
        "machine_info": {"nnbench": {"fingerprint": {"machine": {"cpu_model": cpu_model}, "environment": {}}}},
        "benchmarks": [
            {
                "name": name,
                "fullname": f"bench/t.py::{name}",
                "stats": {"q1": score / 1000},
                "extra_info": {schema.GATE_SCORE: score, schema.GATE_SECONDS: score / 1000, "threads": 1},
            }
            for name, score in scores.items()
        ],
    }


process_scores = st.lists(st.floats(min_value=0.5, max_value=2.0), min_size=2, max_size=7)


@given(process_scores)
def test_merge_keeps_the_median_and_the_slowest_process_as_noise(scores):
    merged = baselines.merge([run_document({"x": score}) for score in scores])
    (bench,) = merged["benchmarks"]
    info = bench["extra_info"]
    assert info[schema.GATE_SCORE] == pytest.approx(statistics.median(scores))
    assert info[schema.GATE_NOISE] == pytest.approx(max(scores) / statistics.median(scores) - 1)
    assert info[schema.GATE_NOISE] >= 0
    assert info[schema.PROCESS_SCORES] == scores
    assert info[schema.GATE_SECONDS] * 1000 in [
        pytest.approx(score) for score in scores
    ]  # a time some process measured
    assert merged["machine_info"]["nnbench"] == {
        "fingerprint": {"machine": {"cpu_model": "here"}, "environment": {}},
        "baseline_processes": len(scores),
    }


def test_merge_gives_every_benchmark_the_machines_median_memory_pressure():
    documents = [run_document({"x": 1.0, "y": 2.0}) for _ in range(3)]
    readings = iter((20.0, 21.0, 30.0, 22.0, 25.0, 19.0))  # median 21.5
    for document in documents:
        for bench in document["benchmarks"]:
            bench["extra_info"][schema.MEMORY_PRESSURE] = next(readings)
    merged = baselines.merge(documents)
    assert [bench["extra_info"][schema.MEMORY_PRESSURE] for bench in merged["benchmarks"]] == [21.5, 21.5]


def test_merge_keeps_only_benchmarks_every_run_timed_and_the_gate_reads_the_result(tmp_path):
    merged = baselines.merge(
        [run_document({"x": 1.0, "y": 2.0}), run_document({"x": 1.2}), run_document({"x": 1.1, "y": 2.2})]
    )
    assert [bench["name"] for bench in merged["benchmarks"]] == ["x"]
    path = tmp_path / "Linux-CPython-3.11-64bit" / "0001_baseline.json"
    path.parent.mkdir()
    path.write_text(json.dumps(merged))
    found, document = baselines.saved_baselines(tmp_path).matching({"cpu_model": "here"})
    assert found == path
    entries = baselines.extra_info_by_name(document)
    assert entries["bench/t.py::x"][schema.GATE_SCORE] == pytest.approx(1.1)
    assert entries["bench/t.py::x"][schema.GATE_NOISE] == pytest.approx(0.0909, abs=1e-4)  # 1.2 / 1.1 - 1
    assert rules.allowed_slowdown(entries["bench/t.py::x"], 0.1) == 0.1  # the threshold is the larger
    assert rules.allowed_slowdown(entries["bench/t.py::x"], 0.05) == pytest.approx(0.0909, abs=1e-4)


@pytest.mark.parametrize(
    "documents, message",
    [
        ([], "no runs to merge"),
        ([run_document({"x": 1.0}, "here"), run_document({"x": 1.0}, "elsewhere")], "2 different machines"),
        ([run_document({"x": 1.0}), run_document({"y": 1.0})], "no benchmark in common"),
    ],
)
def test_merge_refuses_what_cannot_be_one_baseline(documents, message):
    with pytest.raises(baselines.BaselineError, match=message):
        baselines.merge(documents)


def test_next_path_numbers_after_every_saved_file_and_never_reuses_one(tmp_path):
    assert baselines.next_path(tmp_path, "baseline").name == "0001_baseline.json"
    for name in ("0001_baseline.json", "0007_mine.json", "notes.json"):
        (tmp_path / name).write_text("{}")
    assert baselines.next_path(tmp_path, "baseline").name == "0008_baseline.json"


def test_recorders_of_other_names_at_once_never_share_a_number(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from nngate.gate.baselines import save_new

    names = [f"baseline-{index}" for index in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        paths = list(pool.map(lambda name: save_new(tmp_path, name, {"benchmarks": []}), names))
    numbers = sorted(path.name[:4] for path in paths)
    assert numbers == [f"{number:04d}" for number in range(1, 13)]  # one file per number, none lost
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in paths)
