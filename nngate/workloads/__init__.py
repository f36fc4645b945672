"""The public way in: declare a workload, and the tool times, gates, counts and reports it.

    from nngate.workloads import Workload, WorkloadConfig, declare

declared   @workload: a workload in a few lines of a bench file, benchmarked there
registry   Workload, declare, and the lookups (get_workload, workload_of, make_config, build...)
config     WorkloadConfig (a frozen dataclass of options parsed from strings), ConfigError
discovery  where declarations are found (entry points, [tool.nngate] in pyproject.toml)
splits     TaskData and the splits that training data comes in, DataError
"""

from nngate.workloads.config import ConfigError, WorkloadConfig, require
from nngate.workloads.declared import workload
from nngate.workloads.registry import (
    Workload,
    build,
    build_from_config,
    declare,
    example_call,
    example_inputs,
    example_targets,
    get_workload,
    make_config,
    workload_of,
    workloads,
)

__all__ = [
    "ConfigError",
    "Workload",
    "WorkloadConfig",
    "build",
    "build_from_config",
    "declare",
    "example_call",
    "example_inputs",
    "example_targets",
    "get_workload",
    "make_config",
    "require",
    "workload",
    "workload_of",
    "workloads",
]
