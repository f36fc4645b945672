"""Hypothesis profiles, and fixtures shared by the pytester tests of our plugin and gate.

Profiles, chosen with HYPOTHESIS_PROFILE (default `ci`):
  ci        derandomized, bounded examples, no deadline: the same examples on every run
  dev       random, fewer examples, for quick local iteration
  thorough  random, many examples, for hunting counter-examples before a release
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from repository import commit_all
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

# The suite's own workloads (models/) live in this checkout, not in the installed tool: the pytest and
# CLI processes the tests start in temporary folders find them here, as a user's do in their checkout.
SUITE_ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [SUITE_ROOT, os.environ.get("PYTHONPATH")]))


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """pytester, for the tests of our plugin and gate, loaded here rather than in the project's addopts:
    this conftest is read before pytest parses its options whenever tests/ is run, and never by `pytest
    bench` or the side processes it starts, which so never load pytester (nor hypothesis)."""
    pluginmanager.import_plugin("pytester")


# A test that takes one of these starts processes or a server: an integration test, whatever its module.
INTEGRATION_FIXTURES = frozenset({"pytester", "bench", "postgresql_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def committed_bench(bench):
    """The tiny benchmark folder as a git repository of one commit ("base"): what A/B mode needs."""
    commit_all(bench, "base")
    return bench


@pytest.fixture
def bench(pytester):
    """A pytester folder holding the tiny benchmark file, with its own rootdir (so its own .benchmarks/)."""
    pytester.makepyfile(test_tiny=BENCH_FILE)
    pytester.makeini("[pytest]\n")
    return pytester


from postgres_server import postgresql_url  # noqa: E402, F401 (a fixture: tests name it)


@pytest.fixture(autouse=True)
def own_count_cache(tmp_path_factory, monkeypatch):
    """Each test its own cache of instruction counts, never the user's (nngate.gate.count_cache)."""
    monkeypatch.setenv("NNBENCH_CACHE_DIR", str(tmp_path_factory.mktemp("count-cache")))


@pytest.fixture(autouse=True, scope="session")
def benchmarks_run_under_xdist():
    """Under pytest-xdist (`-n 2` in CI) each worker's environment names it, and pytest-benchmark then
    disables every benchmark fixture, in the pytest runs these tests start too. The tests time tiny
    bodies to check what the plugin and the gate do with the results, never how fast anything is, so
    the runs they start (module-scoped fixtures' included) are told nothing of the worker."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True, scope="session")
def modules_that_register_once():
    """Imported once, before any test: pytester's in-process runs drop the modules first imported inside
    them, and these cannot be imported twice in one process (torch's TORCH_LIBRARY registrations raise
    "Only a single TORCH_LIBRARY can be used", transformers' lazy classes fail to resolve). Which test
    imports them first depends on the order pytest-xdist hands tests out, so every worker imports them
    up front."""
    import torch._inductor.test_operators  # noqa: F401
    import torch.distributed._functional_collectives  # noqa: F401
    from transformers import BertForQuestionAnswering  # noqa: F401
