"""Fixtures shared by the pytester tests of our plugin and gate."""

from __future__ import annotations

import pytest

from tiny_bench import BENCH_FILE


@pytest.fixture
def bench(pytester):
    """A pytester folder holding the tiny benchmark file, with its own rootdir (so its own .benchmarks/)."""
    pytester.makepyfile(test_tiny=BENCH_FILE)
    pytester.makeini("[pytest]\n")
    return pytester


from postgres_server import postgresql_url  # noqa: E402, F401 (a fixture: tests name it)
