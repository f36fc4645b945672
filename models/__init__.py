"""Neural-network workloads of the labs, their data, and the counts that describe them.

    import models
    net = models.build("cnn", kernel=3, conv_layers=3)
    config = models.make_config("bert_qa", layers=2, attention="eager")

Sub-packages: arch (configs, builders, registry), data (real or synthetic, saying which),
counting (formulas and tables), harness (cases, timing, training), probe (what runs inside any
revision's benchmark process), gate (the regression gate), report (tables and plots). Modules:
schema (the vocabulary), results (result files read back), processes (a fresh pytest),
train_sweep and lab (the bulk commands); cli and plugin are the entry points.
"""

from models.arch.config import ArchConfig, ConfigError
from models.arch.registry import (
    ARCHITECTURES,
    Architecture,
    architecture_of,
    build,
    build_from_config,
    get_architecture,
    make_config,
)

__all__ = [
    "ARCHITECTURES",
    "ArchConfig",
    "Architecture",
    "ConfigError",
    "architecture_of",
    "build",
    "build_from_config",
    "get_architecture",
    "make_config",
]
