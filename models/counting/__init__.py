"""Analytic counting: per-layer formulas, shape walks per architecture, and the table they make.

from models.counting import count
table = count(models.make_config("resnet18"), batch_size=1, view="fvcore")
table.params, table.macs, table.rows
"""

from models.counting.formulas import FORMULAS, Cost, Layer
from models.counting.table import VIEWS, CountTable, Row, count, render

__all__ = ["FORMULAS", "VIEWS", "Cost", "CountTable", "Layer", "Row", "count", "render"]
