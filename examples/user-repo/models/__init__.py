"""This repository's own models package: the name the suite's tool (nngate) must not take."""

from models.classifier import small_distilbert

__all__ = ["small_distilbert"]
