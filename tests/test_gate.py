"""The regression gate's pieces: verdicts, baseline discovery, and its refusals."""
from __future__ import annotations

import json

import pytest

from models import gate


def info(score, **settings):
    return {gate.SCORE: score, gate.TIME: score / 1000, "device": "cpu", "dtype": "fp32", "threads": 1,
            "mode": "inference", **settings}


@pytest.mark.parametrize("now, expected", [(1.0, "ok"), (1.09, "ok"), (1.11, "regression"), (0.95, "ok"),
                                           (0.85, "faster")])
def test_judge_uses_the_threshold_both_ways(now, expected):
    assert gate.judge(info(1.0), info(now), threshold=0.10) == expected


def test_judge_refuses_different_settings_and_names_them():
    verdict = gate.judge(info(1.0), info(1.0, threads=2), 0.1)
    assert verdict == "not comparable: threads 1 vs 2"
    assert gate.judge(None, info(1.0), 0.1) == "new"


def test_compare_and_render_say_regression_per_failing_benchmark(tmp_path):
    verdicts = gate.compare({"a::x": info(1.0), "a::y": info(2.0)}, {"a::x": info(1.5), "a::y": info(2.0),
                                                                    "a::z": info(1.0)}, 0.1)
    assert [v.verdict for v in verdicts] == ["regression", "ok", "new"]
    text = gate.render(verdicts, tmp_path / "base.json", 0.1)
    assert text.splitlines()[0].split() == ["benchmark", "baseline", "now", "ratio", "verdict"]
    assert text.splitlines()[1].split() == ["x", "1.000", "1.500", "1.500", "regression"]  # ms, ms, score ratio
    assert "1 regression(s) of 3 benchmarks" in text


def save(path, machine_class, benchmarks=()):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine_info": {"nnbench": {"machine_class": machine_class}},
                                "benchmarks": list(benchmarks)}))
    return path


def test_find_baseline_takes_the_newest_of_this_machine_class(tmp_path):
    save(tmp_path / "Linux-CPython-3.11-64bit" / "0001_baseline.json", "here")
    newest = save(tmp_path / "Linux-CPython-3.11-64bit" / "0002_baseline.json", "here")
    save(tmp_path / "Linux-CPython-3.11-64bit" / "0003_baseline.json", "elsewhere")
    (tmp_path / "Linux-CPython-3.11-64bit" / "0004_baseline.json").write_text("{not json")
    save(tmp_path / "Linux-CPython-3.11-64bit" / "0005_autosaved.json", "here")  # a user's run: never the gate's
    assert gate.find_baseline(tmp_path, "here", "auto") == newest
    assert gate.find_baseline(tmp_path, "here", "0001").name == "0001_baseline.json"
    assert gate.find_baseline(tmp_path, "here", "autosaved").name == "0005_autosaved.json"


@pytest.mark.parametrize("setup, choice, message", [
    (lambda root: None, "auto", "no \\*_baseline.json for machine class here"),
    (lambda root: save(root / "m" / "0001_baseline.json", "elsewhere"), "auto", "for machine class here"),
    (lambda root: None, "0042", "no saved baseline matches '0042'"),
    (lambda root: (root / "m").mkdir(), "m", "is a directory"),
])
def test_find_baseline_refusals_are_one_line(tmp_path, monkeypatch, setup, choice, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    with pytest.raises(gate.BaselineError, match=message) as error:
        gate.find_baseline(tmp_path, "here", choice)
    assert "\n" not in str(error.value)


def test_load_scores_refuses_corrupt_files_and_other_machine_classes(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"benchmarks": ')
    with pytest.raises(gate.BaselineError, match="unreadable"):
        gate.load_scores(broken, "here")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(gate.BaselineError, match="not a pytest-benchmark JSON"):
        gate.load_scores(tmp_path / "list.json", "here")
    other = save(tmp_path / "other.json", "elsewhere", [{"fullname": "a", "extra_info": info(1.0)}])
    with pytest.raises(gate.BaselineError, match="machine class elsewhere, this is here"):
        gate.load_scores(other, "here")
    assert gate.load_scores(other, "elsewhere") == {"a": info(1.0)}
