"""The public workload API: declaration, lookups, discovery from pyproject.toml, @workload's checks,
counts of a workload without an analytic walk, and what a side in an old checkout loads."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest
import torch
from torch import nn

import models
from nngate import project
from nngate.counting import count
from nngate.counting.table import count_model
from nngate.harness.cases import Case, prepare
from nngate.runtime.launch import plugin_options
from nngate.workloads import (
    ConfigError,
    Workload,
    WorkloadConfig,
    declare,
    discovery,
    example_call,
    example_inputs,
    get_workload,
    make_config,
    workload,
    workload_of,
    workloads,
)


class TwoInputs(nn.Module):
    """A model called with keywords: what DistilBERT's head_mask makes users need."""

    def __init__(self):
        super().__init__()
        self.left, self.right = nn.Linear(6, 4), nn.Linear(3, 4)

    def forward(self, features, extra=None):
        return self.left(features) + self.right(extra)


# Not kept in a module global: a declared workload in a collected module would be collected as benchmarks.
workload(
    lambda: TwoInputs(),
    name="two_inputs_for_tests",
    inputs=lambda batch: {"features": torch.ones(batch, 6), "extra": torch.ones(batch, 3)},
    targets=lambda batch: torch.zeros(batch, dtype=torch.long),
)


def test_the_five_are_declared_through_the_public_registry():
    assert list(models.ARCHITECTURES) == ["mlp", "cnn", "bow_mlp", "resnet18", "bert_qa"]
    for name, declared in models.ARCHITECTURES.items():
        assert workloads()[name] is declared and workload_of(make_config(name)) is declared


def test_an_unknown_workload_names_the_declared_ones():
    with pytest.raises(ConfigError, match=r"unknown workload 'vgg' \(choose from mlp, cnn, .*two_inputs_for_tests"):
        get_workload("vgg")


def test_one_name_declared_by_two_config_types_is_an_error_naming_both():
    @dataclass(frozen=True)
    class OtherConfig(WorkloadConfig):
        pass

    with pytest.raises(ConfigError, match="'mlp' is declared twice: by models.arch.mlp.MLPConfig and by .*OtherConfig"):
        declare(Workload("mlp", OtherConfig, lambda config: nn.Identity(), lambda c, b: (), "mnist"))
    assert workloads()["mlp"] is models.ARCHITECTURES["mlp"]


def test_keyword_inputs_are_kept_as_keywords_and_refused_where_only_positional_ones_go():
    config = make_config("two_inputs_for_tests")
    positional, keyword = example_call(config, 3)
    assert positional == () and sorted(keyword) == ["extra", "features"] and keyword["features"].shape == (3, 6)
    with pytest.raises(ConfigError, match="takes keyword inputs \\(features, extra\\)"):
        example_inputs(config, 3)
    with pytest.raises(ValueError, match="batch_size: must be at least 1, got 0"):
        example_call(config, 0)


def test_a_workload_without_an_analytic_walk_is_counted_by_the_generic_walk():
    table = count(make_config("two_inputs_for_tests"), 5)
    assert table.complete and table.params == 6 * 4 + 4 + 3 * 4 + 4
    assert table.macs == 5 * (6 * 4 + 3 * 4)
    assert count(make_config("mlp"), 5).macs == count_model(models.build("mlp"), (torch.ones(5, 784),)).macs


@pytest.mark.parametrize("mode", ["inference", "train"])
def test_a_declared_workload_runs_in_both_modes_with_its_keyword_inputs(mode):
    prepared = prepare(Case("two_inputs_for_tests", 2), mode, torch.device("cpu"), "fp32")
    result = prepared.body()
    assert result.shape == ((2, 4) if mode == "inference" else ())
    assert prepared.extra_info["macs"] == 2 * (6 * 4 + 3 * 4)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"modes": ("infer",)}, r"modes \['infer'\]: choose from inference, train"),
        ({"batch_sizes": (0,)}, r"batch_sizes must be positive integers, got \(0,\)"),
        ({"modes": ("train",)}, "the train mode needs targets=lambda batch"),
    ],
)
def test_workload_refuses_what_cannot_be_benchmarked(arguments, message):
    with pytest.raises(ConfigError, match=message):
        workload(lambda: nn.Identity(), name="refused", inputs=lambda batch: torch.ones(batch), **arguments)


def test_modes_default_to_inference_and_to_train_where_targets_are_given():
    assert get_workload("two_inputs_for_tests").modes == ("inference", "train")
    alone = workload(lambda: nn.Identity(), name="inference_only_for_tests", inputs=lambda batch: torch.ones(batch))
    assert alone.modes == ("inference",) and alone.module == __name__


@pytest.fixture
def declaring_repository(tmp_path, monkeypatch):
    """A folder whose pyproject.toml names a module of its own that declares a workload."""
    (tmp_path / "pyproject.toml").write_text('[tool.nngate]\nworkloads = ["declares_for_tests"]\n')
    (tmp_path / "declares_for_tests.py").write_text(
        "import torch\nfrom nngate import workload\n"
        "workload(lambda: torch.nn.Linear(2, 2), name='found_for_tests', inputs=lambda batch: torch.ones(batch, 2))\n"
    )
    monkeypatch.setattr(discovery, "_searched", set())
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield tmp_path
    sys.modules.pop("declares_for_tests", None)


def test_discovery_imports_the_modules_pyproject_names_from_its_folder(declaring_repository):
    (declaring_repository / "sub").mkdir()
    discovery.declare_all(declaring_repository / "sub")
    assert "found_for_tests" in workloads()


def test_a_module_that_cannot_be_imported_is_one_line_naming_it_and_where(declaring_repository):
    (declaring_repository / "pyproject.toml").write_text('[tool.nngate]\nworkloads = ["no_such_module_here"]\n')
    with pytest.raises(ConfigError, match=r"cannot import 'no_such_module_here' \(.*pyproject.toml \[tool.nngate\]"):
        discovery.declare_all(declaring_repository)
    (declaring_repository / "pyproject.toml").write_text("[tool.nngate]\nworkloads = 'one string'\n")
    with pytest.raises(ConfigError, match=r"\[tool.nngate\] workloads must be a list of strings"):
        discovery.declare_all(declaring_repository)


def test_benchmark_paths_come_from_the_table_else_bench_else_pytest(tmp_path):
    assert project.benchmark_paths(tmp_path) == []
    (tmp_path / "bench").mkdir()
    assert project.benchmark_paths(tmp_path) == ["bench"]
    (tmp_path / "pyproject.toml").write_text('[tool.nngate]\nbenchmarks = ["perf", "more"]\n')
    assert project.benchmark_paths(tmp_path) == ["perf", "more"]


def test_a_side_in_a_checkout_from_before_the_rename_loads_that_checkouts_plugin(tmp_path):
    assert plugin_options(tmp_path) == ("-p", "nngate.plugin")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "plugin.py").write_text("")
    assert plugin_options(tmp_path) == ("-p", "no:nngate.plugin", "-p", "models.plugin")


def test_an_installed_packages_entry_point_is_imported_once(declaring_repository, monkeypatch):
    from importlib.metadata import EntryPoint

    (declaring_repository / "pyproject.toml").write_text("[project]\nname = 'no-table'\n")
    point = EntryPoint("found", "declares_for_tests", discovery.ENTRY_POINT_GROUP)
    asked = []
    monkeypatch.setattr(discovery, "entry_points", lambda group: asked.append(group) or [point])
    monkeypatch.syspath_prepend(str(declaring_repository))
    discovery.declare_all(declaring_repository)
    discovery.declare_all(declaring_repository / "elsewhere")
    assert "found_for_tests" in workloads() and asked == [discovery.ENTRY_POINT_GROUP]
