"""Analytic counting: per-layer formulas, shape walks per architecture, and the table they make.

from nngate.counting import count
table = count(models.make_config("resnet18"), batch_size=1, view="fvcore")
table.params, table.macs, table.rows
"""

from nngate.counting.formulas import FORMULAS, Cost, Layer
from nngate.counting.table import VIEWS, CountTable, Row, count, render

__all__ = ["FORMULAS", "VIEWS", "Cost", "CountTable", "Layer", "Row", "count", "render"]
