"""The roofline (nngate.harness.roofline) and the measured peaks it is drawn against
(nngate.harness.peaks): bytes from the count table checked against a model that runs, the roof's
algebra as properties, and the peaks' shape."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from models import build, make_config
from models.data.synthetic import example_inputs
from nngate import schema
from nngate.counting import count
from nngate.harness import peaks as peaks_module
from nngate.harness.roofline import bandwidth_for, bytes_moved, footprint_bytes, roofline, roofline_info

CPU = torch.device("cpu")
positive_figures = st.floats(min_value=1e-3, max_value=1e15, allow_nan=False, allow_infinity=False)


def _measured_bytes(arch: str, batch: int) -> tuple[int, int]:
    """Weights and every leaf module's output, in bytes, from the built model run once."""
    model, outputs = build(arch).eval(), []
    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(lambda _m, _i, output: outputs.append(output.numel() * 4))
    with torch.inference_mode():
        model(*example_inputs(make_config(arch), batch))
    return sum(parameter.numel() * 4 for parameter in model.parameters()), sum(outputs)


@pytest.mark.parametrize("arch, batch", [("mlp", 3), ("cnn", 2)])
def test_bytes_moved_is_weights_once_and_each_output_written_and_read(arch, batch):
    weights, activations = _measured_bytes(arch, batch)
    table = count(make_config(arch), batch, view="complete")
    assert bytes_moved(table, "inference") == weights + 2 * activations
    assert bytes_moved(table, "train") == 6 * weights + 5 * activations
    assert footprint_bytes(table, "inference") == weights + activations
    assert footprint_bytes(table, "train") == 2 * (weights + activations)


@given(
    flops=positive_figures,
    moved=positive_figures,
    seconds=positive_figures,
    peak=positive_figures,
    bandwidth=positive_figures,
)
def test_the_roof_is_the_lower_of_compute_and_bandwidth_and_the_fraction_is_measured_over_it(
    flops, moved, seconds, peak, bandwidth
):
    point = roofline(flops, moved, seconds, peak, bandwidth, "dram")
    assert point.intensity == pytest.approx(flops / moved)
    assert point.roof_flops_per_second == pytest.approx(min(peak, point.intensity * bandwidth))
    assert point.bound == ("dram" if point.intensity * bandwidth < peak else "compute")
    assert point.fraction * point.roof_flops_per_second * seconds == pytest.approx(flops)


PEAKS = {
    schema.PEAK_FLOPS: {"fp32": 100e9},
    schema.PEAK_BANDWIDTH: 10e9,
    schema.CACHE_BYTES: 32 * 2**20,
    schema.PEAK_CACHE_BANDWIDTH: 50e9,
}


@pytest.mark.parametrize(
    "footprint, expected",
    [(1 * 2**20, (50e9, "cache")), (32 * 2**20, (50e9, "cache")), (33 * 2**20, (10e9, "dram"))],
)
def test_a_footprint_that_fits_the_last_level_cache_gets_the_caches_bandwidth(footprint, expected):
    assert bandwidth_for(footprint, PEAKS) == expected


def test_without_a_cache_size_every_footprint_gets_main_memorys_bandwidth():
    assert bandwidth_for(1, {schema.PEAK_BANDWIDTH: 10e9, schema.CACHE_BYTES: None}) == (10e9, "dram")


def test_roofline_entries_of_a_memory_bound_call_and_intensity_alone_without_peaks():
    info = {schema.FLOPS: 2e6, schema.BYTES_MOVED: 4e6, schema.FOOTPRINT_BYTES: 64 * 2**20, schema.DTYPE: "fp32"}
    entries = roofline_info(info, 1e-3, PEAKS)  # 2 GFLOP/s achieved; roof 0.5 FLOP/B x 10 GB/s = 5 GFLOP/s
    assert entries[schema.ARITHMETIC_INTENSITY] == pytest.approx(0.5)
    assert entries[schema.ROOF_GFLOPS_PER_SECOND] == pytest.approx(5.0)
    assert entries[schema.ROOFLINE_FRACTION] == pytest.approx(0.4)
    assert entries[schema.ROOFLINE_BOUND] == "dram"
    assert roofline_info(info, 1e-3, None) == {schema.ARITHMETIC_INTENSITY: pytest.approx(0.5)}
    assert schema.ROOFLINE_FRACTION not in roofline_info({**info, schema.DTYPE: "bf16"}, 1e-3, PEAKS)


def test_last_level_cache_is_the_highest_level_listed(tmp_path):
    for index, (level, size) in enumerate([(1, "32K"), (2, "512K"), (3, "32768K")]):
        folder = tmp_path / f"index{index}"
        folder.mkdir()
        (folder / "level").write_text(f"{level}\n")
        (folder / "size").write_text(f"{size}\n")
    assert peaks_module.last_level_cache_bytes(CPU, tmp_path) == 32 * 2**20
    assert peaks_module.last_level_cache_bytes(CPU, tmp_path / "missing") is None


def test_measured_peaks_name_each_dtype_the_bandwidths_and_the_threads(monkeypatch):
    monkeypatch.setitem(peaks_module.GEMM_SIDES, "cpu", (64,))
    monkeypatch.setitem(peaks_module.STREAM_ELEMENTS, "cpu", 2**16)
    measured = peaks_module.measure_peaks(CPU)
    assert set(measured[schema.PEAK_FLOPS]) == {"fp32", "bf16"}
    assert all(value > 0 for value in measured[schema.PEAK_FLOPS].values())
    assert measured[schema.PEAK_BANDWIDTH] > 0
    assert measured[schema.THREADS] == torch.get_num_threads()
    assert (measured[schema.CACHE_BYTES] is None) == (measured[schema.PEAK_CACHE_BANDWIDTH] is None)
