"""The per-layer table and its totals: one row per layer call, in both views, as JSON or text."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nngate.counting.formulas import Shape, numel
from nngate.counting.walks import walk_layers
from nngate.schema import DTYPE_BYTES, canonical_dtype
from nngate.workloads.registry import example_call, workload_of

VIEWS = ("fvcore", "complete")


@dataclass(slots=True)  # not frozen: built by the thousand, building must be cheap
class Row:
    name: str
    type: str
    input_shape: Shape
    output_shape: Shape
    weight_shape: Shape | None
    params: int
    macs: int
    weight_bytes: int
    activation_bytes: int  # the layer's output
    dtype: str
    other_ops: int
    bias_adds: int
    operand_shape: Shape | None = None  # second activation of an activation x activation product


@dataclass(frozen=True)
class CountTable:
    view: str
    batch_size: int
    dtype: str
    rows: tuple[Row, ...]
    uncounted: tuple[str, ...] = ()  # layers and calls no formula covers: the count is a lower bound
    left_out: tuple[tuple[str, int], ...] = ()  # elementwise calls outside layers, per the convention

    @property
    def complete(self) -> bool:
        return not self.uncounted

    def total(self, column: str) -> int:
        return sum(getattr(row, column) for row in self.rows)

    @property
    def params(self) -> int:
        return self.total("params")

    @property
    def macs(self) -> int:
        return self.total("macs")

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.total("bias_adds")

    def module_macs(self, module: str) -> int:
        """MACs of every row inside `module` (its own rows and its children's); "" is the model."""
        return sum(
            row.macs for row in self.rows if not module or row.name == module or row.name.startswith(module + ".")
        )

    def to_json(self) -> dict:
        return {
            "params": self.params,
            "macs": self.macs,
            "flops": self.flops,
            "other_ops": self.total("other_ops"),
            "view": self.view,
            "batch_size": self.batch_size,
            "dtype": self.dtype,
            "weight_bytes": self.total("weight_bytes"),
            "activation_bytes": self.total("activation_bytes"),
            "complete": self.complete,
            "uncounted": list(self.uncounted),
            "left_out": dict(self.left_out),
            "layers": [
                {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(row).items()}
                for row in self.rows
            ],
        }


def count(config, batch_size: int = 1, dtype: str = "fp32", view: str = "fvcore") -> CountTable:
    """The table of `config`'s workload at `batch_size` in `view`: by its analytic walk where it declares
    one (shapes by formula, nothing runs), else by the generic walk of the model it builds."""
    workload = workload_of(config)
    if workload.walk is None:
        from nngate.counting.generic import walk_model

        positional, keyword = example_call(config, batch_size)
        walked = walk_model(workload.builder(config), positional, keyword)
        return tabled(
            walked.rows, batch_size, dtype, view, tuple(walked.uncounted), tuple(sorted(walked.left_out.items()))
        )
    return tabled(walk_layers(config, batch_size), batch_size, dtype, view)


def count_model(model, inputs: tuple, dtype: str = "fp32", view: str = "fvcore") -> CountTable:
    """The table of any model called as `model(*inputs)`, by the generic walk (nngate.counting.generic):
    shapes read on meta tensors, every layer by the same formulas; the model is moved off its device."""
    from nngate.counting.generic import walk_model

    return walked_table(walk_model(model, inputs), inputs, dtype, view)


def walked_table(walked, inputs: tuple, dtype: str = "fp32", view: str = "fvcore") -> CountTable:
    """A generic walk's result as a table; the batch size is the first input's first dimension."""
    batch_size = inputs[0].shape[0] if inputs and getattr(inputs[0], "ndim", 0) else 1
    return _walked_at(walked, batch_size, dtype, view)


def _walked_at(walked, batch_size: int, dtype: str, view: str) -> CountTable:
    left_out = tuple(sorted(walked.left_out.items()))
    return tabled(walked.rows, batch_size, dtype, view, tuple(walked.uncounted), left_out)


def tabled(walked, batch_size: int, dtype: str, view: str, uncounted=(), left_out=()) -> CountTable:
    """(layer, cost) pairs as the table's rows in `view`, at `dtype`'s width."""
    if view not in VIEWS:
        raise ValueError(f"view: {view!r} is not one of {', '.join(VIEWS)}")
    dtype = canonical_dtype(dtype)
    width = DTYPE_BYTES[dtype]
    rows = tuple(
        Row(
            layer.name,
            layer.type,
            layer.input_shape,
            cost.output_shape,
            cost.weight_shape,
            cost.params,
            cost.macs if view == "complete" else cost.fvcore,
            cost.params * width,
            numel(cost.output_shape) * width,
            dtype,
            cost.other_ops,
            cost.bias_adds,
            cost.operand_shape,
        )
        for layer, cost in walked
    )
    return CountTable(view, batch_size, dtype, rows, uncounted, left_out)


def human(value: float, unit: str = "") -> str:
    """1234567 -> '1.23 M'; with unit 'B', powers of 1024: '1.18 MB'."""
    base, prefixes = (1024, ("", "K", "M", "G", "T")) if unit == "B" else (1000, ("", "K", "M", "G", "T"))
    for prefix in prefixes:
        if abs(value) < base or prefix == prefixes[-1]:
            return f"{value:.0f} {prefix}{unit}".rstrip() if not prefix else f"{value:.2f} {prefix}{unit}"
        value /= base
    raise AssertionError("unreachable")


def _shape(shape: Shape | None) -> str:
    return "x".join(map(str, shape)) if shape else "-"


def render(table: CountTable) -> str:
    """A readable table with human units, then the totals and weights vs activations."""
    header = ("layer", "type", "input", "weight|operand", "output", "params", "MACs", "weights", "activations")
    lines = [
        (
            row.name,
            row.type,
            _shape(row.input_shape),
            _shape(row.weight_shape or row.operand_shape),
            _shape(row.output_shape),
            human(row.params),
            human(row.macs),
            human(row.weight_bytes, "B"),
            human(row.activation_bytes, "B"),
        )
        for row in table.rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    text = [
        " ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *lines)
    ]
    weights, activations = table.total("weight_bytes"), table.total("activation_bytes")
    text += [
        "",
        f"view {table.view}, batch size {table.batch_size}, dtype {table.dtype}",
        f"params {table.params:,} ({human(table.params)})  MACs {table.macs:,} ({human(table.macs)})  "
        f"FLOPs {table.flops:,} ({human(table.flops)})  other ops {table.total('other_ops'):,}",
        f"weights {human(weights, 'B')}  activations {human(activations, 'B')}: "
        f"activation memory is {'higher' if activations > weights else 'lower'} than weights",
    ]
    if table.left_out:
        calls = ", ".join(f"{name} x{times}" for name, times in table.left_out)
        text.append(f"left out by the convention (elementwise, outside layers): {calls}")
    if table.uncounted:
        text.append(
            f"INCOMPLETE: {len(table.uncounted)} layer(s) or call(s) with no formula: " + "; ".join(table.uncounted)
        )
    else:
        text.append("nothing left uncounted")
    return "\n".join(text)
