"""Hypothesis profiles, and fixtures shared by the pytester tests of our plugin and gate.

Profiles, chosen with HYPOTHESIS_PROFILE (default `ci`):
  ci        derandomized, bounded examples, no deadline: the same examples on every run
  dev       random, fewer examples, for quick local iteration
  thorough  random, many examples, for hunting counter-examples before a release
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tiny_bench import BENCH_FILE

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


# A test that takes one of these starts processes or a server: an integration test, whatever its module.
INTEGRATION_FIXTURES = frozenset({"pytester", "bench", "postgresql_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def bench(pytester):
    """A pytester folder holding the tiny benchmark file, with its own rootdir (so its own .benchmarks/)."""
    pytester.makepyfile(test_tiny=BENCH_FILE)
    pytester.makeini("[pytest]\n")
    return pytester


from postgres_server import postgresql_url  # noqa: E402, F401 (a fixture: tests name it)


@pytest.fixture(autouse=True)
def own_count_cache(tmp_path_factory, monkeypatch):
    """Each test its own cache of instruction counts, never the user's (models.gate.count_cache)."""
    monkeypatch.setenv("NNBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("count-cache")))
