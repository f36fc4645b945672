"""The regression gate's pieces: verdicts, baseline discovery, and its refusals."""

from __future__ import annotations

import json

import pytest

from nngate import schema
from nngate.gate import baselines, rules, table
from nngate.schema import GateMode


def info(score, **settings):
    return {
        schema.GATE_SCORE: score,
        schema.GATE_SECONDS: score / 1000,
        schema.DEVICE: "cpu",
        schema.DTYPE: "fp32",
        schema.THREADS: 1,
        schema.MODE: "inference",
        **settings,
    }


@pytest.mark.parametrize(
    "now, expected", [(1.0, "ok"), (1.09, "ok"), (1.11, "regression"), (0.95, "ok"), (0.85, "faster")]
)
def test_judge_uses_the_threshold_both_ways(now, expected):
    assert rules.judge(info(1.0), info(now), threshold=0.10) == expected


@pytest.mark.parametrize(
    "noise, now, allowed, expected",
    [
        (0.0, 1.15, 0.10, "regression"),
        (0.2, 1.15, 0.20, "ok"),
        (0.2, 1.21, 0.20, "regression"),
        (0.05, 1.11, 0.10, "regression"),
        (0.2, 0.85, 0.20, "ok"),
        (0.2, 0.80, 0.20, "faster"),
    ],
)
def test_a_noisy_baseline_widens_only_its_own_limit(noise, now, allowed, expected):
    """The allowed slowdown is the larger of the threshold and the process noise the baseline recorded."""
    noisy = {**info(1.0), schema.GATE_NOISE: noise}
    assert rules.allowed_slowdown(noisy, 0.10) == pytest.approx(allowed)
    assert rules.judge(noisy, info(now), threshold=0.10) == expected


@pytest.mark.parametrize(
    "pressure_now, now, limit, expected, expected_without_baseline_pressure",
    [
        (1.0, 1.15, 1.10, "regression", "regression"),  # memory as fast as at baseline time: the plain threshold
        (0.8, 1.15, 1.10, "regression", "regression"),  # faster memory never tightens the limit
        (1.3, 1.15, 1.43, "ok", "regression"),  # memory 30% slower relative to arithmetic: up to 1.1 x 1.3 is excused
        (1.3, 1.45, 1.43, "regression", "regression"),  # but no more than that
        (1.3, 1.05, 1.43, "ok", "ok"),
        (1.08, 1.15, 1.10, "regression", "regression"),  # within 10% of the baseline's reading: quiet, no excuse
    ],
)
def test_slower_memory_excuses_only_as_much_slowdown_as_it_measured(
    pressure_now, now, limit, expected, expected_without_baseline_pressure
):
    base = {**info(1.0), schema.MEMORY_PRESSURE: 1.0}
    current = {**info(now), schema.MEMORY_PRESSURE: pressure_now}
    assert rules.limit_ratio(base, current, 0.10) == pytest.approx(limit)
    assert rules.judge(base, current, 0.10) == expected
    assert rules.judge(info(1.0), current, 0.10) == expected_without_baseline_pressure


@pytest.mark.parametrize(
    "now, pressure_now, expected", [(1.1, 1.0, 1.0), (1.21, 1.0, 1.1), (1.43, 1.3, 1.0), (0.55, 1.0, 0.5)]
)
def test_ratio_over_limit_is_above_one_exactly_when_it_fails(now, pressure_now, expected):
    base = {**info(1.0), schema.MEMORY_PRESSURE: 1.0}
    assert rules.ratio_over_limit(base, {**info(now), schema.MEMORY_PRESSURE: pressure_now}, 0.10) == pytest.approx(
        expected
    )
    assert rules.ratio_over_limit(None, info(now), 0.10) == 0.0


@pytest.mark.parametrize(
    "now, pressure_now, suspect", [(1.15, 1.0, True), (1.15, 1.3, True), (1.05, 1.3, False), (1.09, 1.0, False)]
)
def test_a_suspect_is_over_the_plain_limit_whatever_the_memory_pressure(now, pressure_now, suspect):
    base = {**info(1.0), schema.MEMORY_PRESSURE: 1.0}
    assert rules.is_suspect(base, {**info(now), schema.MEMORY_PRESSURE: pressure_now}, 0.10) is suspect


def test_stored_mode_scores_the_raw_q1_time_and_records_the_streaming_add():
    assert rules.gate_entries(0.002, 0.004) == {
        schema.GATE_SCORE: 0.002,
        schema.GATE_SECONDS: 0.002,
        schema.MEMORY_PRESSURE: 0.004,
    }


def test_judge_refuses_different_settings_and_names_them():
    assert rules.judge(info(1.0), info(1.0, threads=2), 0.1) == "not comparable"
    assert rules.incomparable(info(1.0), info(1.0, threads=2)) == "threads 1 vs 2"
    (verdict,) = rules.compare({"a::x": info(1.0)}, {"a::x": info(1.0, threads=2)}, 0.1)
    assert verdict.text == "not comparable: threads 1 vs 2"  # as the table prints it and extra_info keeps it
    assert rules.judge(None, info(1.0), 0.1) == "new"


def test_a_result_from_before_variants_is_eager_and_compares_only_with_eager():
    assert rules.incomparable(info(1.0), info(1.0, variant="eager")) is None
    assert rules.incomparable(info(1.0), info(1.0, variant="compile")) == "variant eager vs compile"


def test_compare_and_render_say_regression_per_failing_benchmark():
    verdicts = rules.compare(
        {"a::x": info(1.0), "a::y": info(2.0)}, {"a::x": info(1.5), "a::y": info(2.0), "a::z": info(1.0)}, 0.1
    )
    assert [v.verdict for v in verdicts] == ["regression", "ok", "new"]
    text = table.render(verdicts, GateMode.STORED, "mode stored: base.json", 0.1, 0.01)
    assert text.splitlines()[0].split() == [
        "benchmark",
        "baseline",
        "now",
        "ratio",
        "verdict",
        "limit",
        "instructions",
        "processes",
    ]
    assert text.splitlines()[1].split() == ["x", "1.000", "1.500", "1.500", "regression", "1.100", "-", "-"]
    assert text.splitlines()[4] == "  x: ops unchanged"  # a failing benchmark says whether its ops changed
    assert (
        "1 regression(s) of 3 benchmarks (2 judged), threshold +10% time, +1% instructions; mode stored: base.json"
        in text
    )


def fingerprinted(cpu_model: str) -> dict:
    return {"machine": {"cpu_model": cpu_model, "isa": "AVX512"}, "environment": {"torch": "2.14.1"}}


SCORED = ({"fullname": "bench/t.py::x", "extra_info": {"gate_score": 0.001}},)


def save(path, cpu_model=None, benchmarks=SCORED, commit=None):
    """A saved run recorded on a machine whose fingerprint names `cpu_model` (None: before fingerprints)."""
    nnbench = {"machine_class": "linux-x86_64-2cpu-cpu"}
    if cpu_model:
        nnbench["fingerprint"] = fingerprinted(cpu_model)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "machine_info": {"nnbench": nnbench},
                "benchmarks": list(benchmarks),
                "commit_info": {"id": commit} if commit else {},
            }
        )
    )
    return path


def test_matching_baseline_is_the_newest_recorded_on_this_machine_and_unusable_files_are_named(tmp_path):
    here = fingerprinted("AMD EPYC")["machine"]
    save(tmp_path / "m" / "0001_baseline.json", "AMD EPYC")
    newest = save(tmp_path / "m" / "0002_baseline-amd.json", "AMD EPYC")
    save(tmp_path / "m" / "0003_baseline.json", "Intel Xeon")
    save(tmp_path / "m" / "0004_baseline.json")  # before fingerprints: never matches
    (tmp_path / "m" / "0005_baseline.json").write_text("{not json")
    save(tmp_path / "m" / "0006_autosaved.json", "AMD EPYC")  # a user's run: never the gate's
    save(tmp_path / "m" / "0007_baseline.json", "AMD EPYC", benchmarks=())  # newest of this machine, but empty
    shelf = baselines.saved_baselines(tmp_path)
    path, _ = shelf.matching(here)
    assert path == newest
    assert shelf.matching(fingerprinted("Apple M3")["machine"]) is None
    assert [path.name for path, _ in shelf.usable] == [
        "0001_baseline.json",
        "0002_baseline-amd.json",
        "0003_baseline.json",
        "0004_baseline.json",
    ]
    folder = tmp_path / "m"
    assert shelf.warnings == [
        f"gate: warning: baseline {folder / '0005_baseline.json'} is unreadable (JSONDecodeError); it is left out",
        f"gate: warning: baseline {folder / '0007_baseline.json'} holds no benchmarks; it is left out",
    ]


def test_the_recording_commit_comes_from_commit_info(tmp_path):
    assert baselines.recording_commit(json.loads(save(tmp_path / "a.json", commit="abc123").read_text())) == "abc123"
    assert baselines.recording_commit(json.loads(save(tmp_path / "b.json").read_text())) is None


def test_named_baselines_are_a_path_or_a_name_fragment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    save(tmp_path / "m" / "0001_baseline.json")
    save(tmp_path / "m" / "0002_mine.json")
    assert baselines.named_baseline(tmp_path, "0001").name == "0001_baseline.json"
    assert baselines.named_baseline(tmp_path, "mine").name == "0002_mine.json"
    assert baselines.named_baseline(tmp_path, "m/0002_mine.json").name == "0002_mine.json"


@pytest.mark.parametrize(
    "setup, choice, message",
    [
        (lambda root: None, "0042", "no saved baseline matches '0042'"),
        (lambda root: (root / "m").mkdir(), "m", "is a directory"),
    ],
)
def test_named_baseline_refusals_are_one_line(tmp_path, monkeypatch, setup, choice, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    with pytest.raises(baselines.BaselineError, match=message) as error:
        baselines.named_baseline(tmp_path, choice)
    assert "\n" not in str(error.value)


def test_load_document_refuses_corrupt_files_in_one_line(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"benchmarks": ')
    with pytest.raises(baselines.BaselineError, match="unreadable"):
        baselines.load_document(broken)
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(baselines.BaselineError, match="not a pytest-benchmark JSON"):
        baselines.load_document(tmp_path / "list.json")
