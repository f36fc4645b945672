"""The regression gate's pieces: verdicts, baseline discovery, and its refusals."""
from __future__ import annotations

import json

import pytest

from models import schema
from models.gate import baselines, rules, table


def info(score, **settings):
    return {schema.GATE_SCORE: score, schema.GATE_SECONDS: score / 1000, schema.DEVICE: "cpu", schema.DTYPE: "fp32",
            schema.THREADS: 1, schema.MODE: "inference", **settings}


@pytest.mark.parametrize("now, expected", [(1.0, "ok"), (1.09, "ok"), (1.11, "regression"), (0.95, "ok"),
                                           (0.85, "faster")])
def test_judge_uses_the_threshold_both_ways(now, expected):
    assert rules.judge(info(1.0), info(now), threshold=0.10) == expected


@pytest.mark.parametrize("noise, now, allowed, expected", [
    (0.0, 1.15, 0.10, "regression"), (0.2, 1.15, 0.20, "ok"), (0.2, 1.21, 0.20, "regression"),
    (0.05, 1.11, 0.10, "regression"), (0.2, 0.85, 0.20, "ok"), (0.2, 0.80, 0.20, "faster")])
def test_a_noisy_baseline_widens_only_its_own_limit(noise, now, allowed, expected):
    """The allowed slowdown is the larger of the threshold and the process noise the baseline recorded."""
    noisy = {**info(1.0), schema.GATE_NOISE: noise}
    assert rules.allowed_slowdown(noisy, 0.10) == pytest.approx(allowed)
    assert rules.judge(noisy, info(now), threshold=0.10) == expected


@pytest.mark.parametrize("pressure_now, now, limit, expected, expected_without_baseline_pressure", [
    (1.0, 1.15, 1.10, "regression", "regression"),  # memory as fast as at baseline time: the plain threshold
    (0.8, 1.15, 1.10, "regression", "regression"),  # faster memory never tightens the limit
    (1.3, 1.15, 1.43, "ok", "regression"),  # memory 30% slower relative to arithmetic: up to 1.1 x 1.3 is excused
    (1.3, 1.45, 1.43, "regression", "regression"),  # but no more than that
    (1.3, 1.05, 1.43, "ok", "ok"),
])
def test_slower_memory_excuses_only_as_much_slowdown_as_it_measured(pressure_now, now, limit, expected,
                                                                    expected_without_baseline_pressure):
    base = {**info(1.0), schema.MEMORY_PRESSURE: 1.0}
    current = {**info(now), schema.MEMORY_PRESSURE: pressure_now}
    assert rules.limit_ratio(base, current, 0.10) == pytest.approx(limit)
    assert rules.judge(base, current, 0.10) == expected
    assert rules.judge(info(1.0), current, 0.10) == expected_without_baseline_pressure


@pytest.mark.parametrize("now, pressure_now, expected", [(1.1, 1.0, 1.0), (1.21, 1.0, 1.1), (1.43, 1.3, 1.0),
                                                         (0.55, 1.0, 0.5)])
def test_ratio_over_limit_is_above_one_exactly_when_it_fails(now, pressure_now, expected):
    base = {**info(1.0), schema.MEMORY_PRESSURE: 1.0}
    assert rules.ratio_over_limit(base, {**info(now), schema.MEMORY_PRESSURE: pressure_now}, 0.10) == \
        pytest.approx(expected)
    assert rules.ratio_over_limit(None, info(now), 0.10) == 0.0


def test_scores_are_normalized_by_the_matrix_product():
    assert rules.gate_entries(0.002, 0.001, 0.004) == {schema.GATE_SCORE: 2.0, schema.GATE_SECONDS: 0.002,
                                                      schema.MEMORY_PRESSURE: 4.0}


def test_judge_refuses_different_settings_and_names_them():
    verdict = rules.judge(info(1.0), info(1.0, threads=2), 0.1)
    assert verdict == "not comparable: threads 1 vs 2"
    assert rules.judge(None, info(1.0), 0.1) == "new"


def test_compare_and_render_say_regression_per_failing_benchmark(tmp_path):
    verdicts = rules.compare({"a::x": info(1.0), "a::y": info(2.0)}, {"a::x": info(1.5), "a::y": info(2.0),
                                                                    "a::z": info(1.0)}, 0.1)
    assert [v.verdict for v in verdicts] == ["regression", "ok", "new"]
    text = table.render(verdicts, tmp_path / "base.json", 0.1)
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
    assert baselines.find_baseline(tmp_path, "here", "auto") == newest
    assert baselines.find_baseline(tmp_path, "here", "0001").name == "0001_baseline.json"
    assert baselines.find_baseline(tmp_path, "here", "autosaved").name == "0005_autosaved.json"


@pytest.mark.parametrize("setup, choice, message", [
    (lambda root: None, "auto", "no \\*_baseline.json for machine class here"),
    (lambda root: save(root / "m" / "0001_baseline.json", "elsewhere"), "auto", "for machine class here"),
    (lambda root: None, "0042", "no saved baseline matches '0042'"),
    (lambda root: (root / "m").mkdir(), "m", "is a directory"),
])
def test_find_baseline_refusals_are_one_line(tmp_path, monkeypatch, setup, choice, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    with pytest.raises(baselines.BaselineError, match=message) as error:
        baselines.find_baseline(tmp_path, "here", choice)
    assert "\n" not in str(error.value)


def test_load_scores_refuses_corrupt_files_and_other_machine_classes(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"benchmarks": ')
    with pytest.raises(baselines.BaselineError, match="unreadable"):
        baselines.load_baseline(broken, "here")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(baselines.BaselineError, match="not a pytest-benchmark JSON"):
        baselines.load_baseline(tmp_path / "list.json", "here")
    other = save(tmp_path / "other.json", "elsewhere", [{"fullname": "a", "extra_info": info(1.0)}])
    with pytest.raises(baselines.BaselineError, match="machine class elsewhere, this is here"):
        baselines.load_baseline(other, "here")
    assert baselines.load_baseline(other, "elsewhere") == {"a": info(1.0)}
