"""Neural-network workloads of the labs, their data, and the counts that describe them.

    import models
    net = models.build("cnn", kernel=3, conv_layers=3)
    config = models.make_config("bert_qa", layers=2, attention="eager")
"""
from models.config import ArchConfig, ConfigError
from models.registry import (ARCHITECTURES, Architecture, build, build_from_config, config_name,
                             get_architecture, make_config)

__all__ = ["ARCHITECTURES", "ArchConfig", "Architecture", "ConfigError", "build", "build_from_config",
           "config_name", "get_architecture", "make_config"]
