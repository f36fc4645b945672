"""Project-wide pytest options (one `nnbench` group) and hypothesis profiles.

Profiles, chosen with HYPOTHESIS_PROFILE (default `ci`):
  ci        derandomized, bounded examples, no deadline: the same examples on every run
  dev       random, fewer examples, for quick local iteration
  thorough  random, many examples, for hunting counter-examples before a release
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The real data sets beside a checkout of this project (CI has them there); see shared/data/README.md.
SIBLING_DATA_DIR = Path(__file__).resolve().parent.parent / "shared" / "data"


def existing_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a directory")
    return path


pytest_plugins = ["models.plugin"]  # the nnbench options, the measuring fixture and the gate


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
