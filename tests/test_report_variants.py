"""The report's variant section: which variant is fastest per workload, by how much, at what
compile cost and how close to its roof; the roofline plot; the peaks in the environment header."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nngate import schema
from nngate.report.document import write_report
from nngate.report.variants import variant_answers, variant_table
from nngate.results import ResultRow

VARIANT_BENCH = """
import pytest
import models  # the suite's own workloads, declared on import
from nngate.harness.cases import Case

@pytest.mark.parametrize("variant", ["eager", "channels_last"])
def test_inference(variant, measure):
    measure(Case("cnn", 2, variant=variant), "inference")
"""


def _row(variant: str, seconds: float, spread: float = 0.01, **extra) -> ResultRow:
    info = {schema.DEVICE: "cpu", schema.DTYPE: "fp32", schema.VARIANT: variant, **extra}
    quartiles = (seconds * (1 - spread), seconds * (1 + spread))
    return ResultRow(f"test[{variant}]", "cnn", "inference", 32, {"kernel": 5}, seconds, info, quartiles=quartiles)


def test_the_fastest_variant_is_named_with_its_speed_over_eager_compile_cost_and_roof():
    rows = [
        _row("eager", 0.004),
        _row("channels_last", 0.003),
        _row(
            "compile",
            0.002,
            **{
                schema.COMPILE_SECONDS: 12.34,
                schema.ROOFLINE_FRACTION: 0.25,
                schema.ROOFLINE_BOUND: "dram",
                schema.ARITHMETIC_INTENSITY: 7.5,
            },
        ),
    ]
    (answer,) = variant_answers(rows)
    assert answer.startswith("cnn inference bs32 fp32: fastest is compile at 2.000 ms, 2.00x eager's speed")
    assert "channels_last 3.000 ms, eager 4.000 ms" in answer
    assert "compiling took 12.3 s" in answer and "25.0% of its roof (dram-bound at 7.5 FLOP/byte)" in answer
    table = variant_table(rows)
    assert "| cnn inference bs32 fp32 | channels_last | 3.000 | 1.33x |" in table


def test_a_win_inside_eagers_interquartile_range_is_said_not_to_be_clear():
    (clear,) = variant_answers([_row("eager", 0.004), _row("compile", 0.0035)])
    (unclear,) = variant_answers([_row("eager", 0.004, spread=0.2), _row("compile", 0.0035, spread=0.2)])
    assert "not a clear win" not in clear and "1.14x eager's speed (their interquartile ranges overlap" in unclear


def test_a_workload_timed_one_way_gets_no_variant_answer():
    other_batch = ResultRow("b64", "cnn", "inference", 64, {"kernel": 5}, 0.002, {**_row("compile", 1).extra})
    assert variant_answers([_row("eager", 0.004), other_batch]) == []


def test_rows_from_before_variants_count_as_eager():
    old = ResultRow("old", "cnn", "inference", 32, {}, 0.004, {schema.DEVICE: "cpu", schema.DTYPE: "fp32"})
    assert old.variant == "eager"


@pytest.fixture(scope="module")
def variant_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    (folder / "test_variants.py").write_text(VARIANT_BENCH)
    (folder / "pytest.ini").write_text("[pytest]\n")
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "nngate.plugin", "--benchmark-min-rounds=3"]
        + ["--benchmark-max-time=0.01", "--benchmark-json=bench.json", "test_variants.py"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return folder, write_report([str(folder / "bench.json")], str(folder / "report"))


def test_report_has_the_variant_section_the_roofline_plot_and_the_peaks(variant_report):
    folder, path = variant_report
    document = json.loads((folder / "bench.json").read_text())
    peaks = document[schema.SESSION_INFO][schema.PEAKS]
    text = path.read_text()
    assert f"- peaks: fp32 {peaks[schema.PEAK_FLOPS]['fp32'] / 1e9:.1f} GFLOP/s" in text
    assert "## Variants and the roofline" in text and "cnn inference bs2 fp32: fastest is" in text
    assert "![roofline](roofline.png)" in text
    assert (path.parent / "roofline.png").stat().st_size > 10_000
    # The labs' sections are eager only: one row per batch size, not one per variant.
    assert text.count("| 2 |") == 1


def test_two_result_files_with_other_peaks_are_shown_each_with_its_file_never_run_together(variant_report, tmp_path):
    folder, _ = variant_report
    document = json.loads((folder / "bench.json").read_text())
    other = json.loads(json.dumps(document))
    # another machine's stream figure, in a file written before the peaks moved out of machine_info
    other["machine_info"]["nnbench"][schema.PEAKS] = other.pop(schema.SESSION_INFO)[schema.PEAKS]
    other["machine_info"]["nnbench"][schema.PEAKS][schema.PEAK_BANDWIDTH] = 99.0e9
    (tmp_path / "a.json").write_text(json.dumps(document))
    (tmp_path / "b.json").write_text(json.dumps(other))
    text = write_report([str(tmp_path / "a.json"), str(tmp_path / "b.json")], str(tmp_path / "report")).read_text()
    assert "- peaks, per result file:" in text
    assert "  - b.json: " in text and text.count("stream 99.0 GB/s") == 1
    assert "  - a.json: " in text and "; stream" not in text.split("- peaks, per result file:")[0]
