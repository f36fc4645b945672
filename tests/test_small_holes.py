"""The smaller holes, each one line and no traceback: IDX files of another shape, a count too large
for memory, a lab output folder that already holds results, a baseline name that is no file name."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nngate.cli import main


def write_idx(path: Path, tensor: torch.Tensor) -> None:
    """An IDX file of unsigned bytes: magic (0, 0, 0x08, dims), each dimension big-endian, the data."""
    header = bytes([0, 0, 0x08, tensor.ndim]) + b"".join(size.to_bytes(4, "big") for size in tensor.shape)
    path.write_bytes(header + tensor.to(torch.uint8).numpy().tobytes())


@pytest.mark.parametrize(
    "images, labels, message",
    [
        (
            torch.zeros(9000, 32, 32),
            torch.zeros(9000),
            "MNIST images must be N x 28 x 28; these IDX images are 9000 x 32 x 32",
        ),
        (
            torch.zeros(9000, 28, 28),
            torch.full((9000,), 200),
            "MNIST labels must be digits 0-9; these run from 200 to 200",
        ),
        (torch.zeros(100, 28, 28), torch.zeros(100), "100 digits; with no train split, at least 8001 are needed"),
    ],
)
def test_idx_files_of_another_shape_are_one_line(tmp_path, capsys, images, labels, message):
    (tmp_path / "mnist").mkdir()
    write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte", images)
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", labels)
    assert main(["train", "mlp", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_count_too_large_for_memory_is_one_line_not_the_mismatch_status(capsys):
    assert main(["count", "mlp", "--batch-size", "1000000000", "--check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory (") and err.count("\n") == 1


def test_a_lab_never_overwrites_an_earlier_lab(tmp_path, capsys):
    (tmp_path / "report.md").write_text("last week's report")
    assert main(["lab", "mnist", "--out", str(tmp_path)]) == 2
    assert "already holds report.md of an earlier lab" in capsys.readouterr().err
    assert (tmp_path / "report.md").read_text() == "last week's report"


def test_record_baseline_refuses_a_bad_name_before_running_anything(capsys):
    assert main(["record-baseline", "--name", "baseline/x"]) == 2
    out, err = capsys.readouterr()
    assert "run 1" not in out
    assert err.strip() == (
        "record-baseline: --name 'baseline/x': use letters, digits, '.', '_' and '-' only (it becomes NNNN_NAME.json)"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bisect", "--good", "HEAD", "--threshold", "-1"], "'-1' is negative: a threshold is a slowdown such as 0.05"),
        (["bisect", "--good", "HEAD", "--threshold", "5"], "'5' would be +500%: write 5% (or 0.05)"),
    ],
)
def test_a_threshold_that_is_negative_or_a_bare_five_is_refused_in_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_status:
        main(argv)
    assert exit_status.value.code == 2 and message in capsys.readouterr().err


def test_thresholds_as_fractions_and_percents():
    from nngate.gate.options import fraction

    assert fraction("0.05") == fraction("5%") == pytest.approx(0.05)
    assert fraction("150%") == pytest.approx(1.5) and fraction("0") == 0
