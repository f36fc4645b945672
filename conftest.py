"""Project-wide pytest options (one `nnbench` group). Hypothesis and its profiles load in tests/
only (tests/conftest.py): never in `pytest bench`, nor in the side processes it starts."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

# The real data sets beside a checkout of this project (CI has them there); see shared/data/README.md.
SIBLING_DATA_DIR = Path(__file__).resolve().parent.parent / "shared" / "data"


def existing_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a directory")
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnbench", "nnbench: workloads, devices and the regression gate")
    group.addoption(
        "--data-dir",
        type=existing_dir,
        default=None,
        metavar="DIR",
        help="real MNIST/SST-2 data for the tests that need it "
        "(default: $NNBENCH_DATA_DIR, else ../shared/data when present)",
    )


@pytest.fixture(scope="session")
def real_data_dir(request: pytest.FixtureRequest) -> Path:
    """The folder with real MNIST and SST-2; tests that need it skip, with the reason, without it."""
    chosen = request.config.getoption("--data-dir") or os.environ.get("NNBENCH_DATA_DIR")
    if chosen:
        return Path(chosen)
    if SIBLING_DATA_DIR.is_dir():
        return SIBLING_DATA_DIR
    pytest.skip("no real data: pass --data-dir or set NNBENCH_DATA_DIR (see shared/data/README.md)")
