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


@pytest.mark.parametrize("noise, now, expected", [(0.0, 1.15, "regression"), (0.2, 1.15, "ok"),
                                                  (0.2, 1.21, "regression"), (0.05, 1.11, "regression"),
                                                  (0.2, 0.85, "ok"), (0.2, 0.80, "faster")])
def test_a_noisy_baseline_widens_only_its_own_limit(noise, now, expected):
    """The limit is the larger of the threshold and the process noise the baseline recorded."""
    noisy = {**info(1.0), gate.NOISE: noise}
    assert gate.allowed_slowdown(noisy, 0.10) == max(0.10, noise)
    assert gate.judge(noisy, info(now), threshold=0.10) == expected


@pytest.mark.parametrize("pressure_now, now, expected", [
    (1.0, 1.15, "regression"),  # memory as fast as at baseline time: the plain threshold
    (0.8, 1.15, "regression"),  # faster memory never tightens the limit
    (1.3, 1.15, "ok"),  # memory 30% slower relative to arithmetic: up to 1.1 x 1.3 is excused
    (1.3, 1.45, "regression"),  # but no more than that
])
def test_slower_memory_excuses_only_as_much_slowdown_as_it_measured(pressure_now, now, expected):
    base = {**info(1.0), gate.PRESSURE: 1.0}
    current = {**info(now), gate.PRESSURE: pressure_now}
    assert gate.limit_ratio(base, current, 0.10) == pytest.approx(1.1 * max(1.0, pressure_now))
    assert gate.judge(base, current, 0.10) == expected
    assert gate.judge(info(1.0), current, 0.10) == ("regression" if now > 1.1 else "ok")  # no baseline pressure


def test_scores_are_normalized_by_the_matrix_product():
    assert gate.scores(0.002, 0.001, 0.004) == {gate.SCORE: 2.0, gate.TIME: 0.002, gate.PRESSURE: 4.0}


def test_judge_refuses_different_settings_and_names_them():
    verdict = gate.judge(info(1.0), info(1.0, threads=2), 0.1)
    assert verdict == "not comparable: threads 1 vs 2"
    assert gate.judge(None, info(1.0), 0.1) == "new"


def test_compare_and_render_say_regression_per_failing_benchmark(tmp_path):
    verdicts = gate.compare({"a::x": info(1.0), "a::y": info(2.0)}, {"a::x": info(1.5), "a::y": info(2.0),
                                                                    "a::z": info(1.0)}, 0.1)
    assert [v.verdict for v in verdicts] == ["regression", "ok", "new"]
    text = gate.render(verdicts, tmp_path / "base.json", 0.1)
    assert text.splitlines()[0].split() == ["benchmark", "baseline", "now", "ratio", "verdict", "limit"]
    assert text.splitlines()[1].split() == ["x", "1.000", "1.500", "1.500", "regression", "1.100"]  # ms, ms, ratios
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
