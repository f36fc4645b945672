"""The per-layer table and its totals: one row per layer call, in both views, as JSON or text."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from models.counting.formulas import Shape, numel
from models.counting.walks import walk_layers
from models.schema import DTYPE_BYTES, canonical_dtype

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
            "layers": [
                {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(row).items()}
                for row in self.rows
            ],
        }


def count(config, batch_size: int = 1, dtype: str = "fp32", view: str = "fvcore") -> CountTable:
    """The analytic table of `config` at `batch_size` in `view`; shapes by formula, nothing runs."""
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
        for layer, cost in walk_layers(config, batch_size)
    )
    return CountTable(view, batch_size, dtype, rows)


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
    return "\n".join(text)
