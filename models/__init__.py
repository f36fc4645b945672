"""The suite's own workloads: the labs' architectures and their data, beside the tool (nngate).

    import models
    net = models.build("cnn", kernel=3, conv_layers=3)
    config = models.make_config("bert_qa", layers=2, attention="eager")

Sub-packages: arch (configs, builders, registry) and data (real or synthetic, saying which). The
tool that times, gates, counts and reports them is nngate; `python -m models` runs its commands here.
"""

from models.workloads import ARCHITECTURES
from nngate.workloads import (
    ConfigError,
    Workload,
    WorkloadConfig,
    build,
    build_from_config,
    get_workload,
    make_config,
    workload_of,
)

__all__ = [
    "ARCHITECTURES",
    "ConfigError",
    "Workload",
    "WorkloadConfig",
    "build",
    "build_from_config",
    "get_workload",
    "make_config",
    "workload_of",
]
