"""The generic walk: any model's layers, read by running it on meta tensors (shapes, no arithmetic).

Module hooks see every module call with its input and output shapes; a module whose type the
registry knows (nngate.counting.module_layers) is one row, by its formula, and nothing inside it
is looked at again. A TorchFunctionMode sees the function-level products called outside such
modules (attention's matmuls, `scaled_dot_product_attention`, `einsum`, a bare `F.linear`): a row
each, named after the module that called it. What has no formula is never counted as zero in
silence: a leaf module of an unknown type is named `uncounted` (the count is incomplete), and the
elementwise calls outside layers that the convention leaves out (residual adds, a
squeeze-excitation's scale) are listed by name.

The five built-in architectures keep their hand-written walks (nngate.counting.walks) because
those build nothing: BERT-base counts in milliseconds and a config too large for memory still
counts. tests/test_generic_walk.py proves the two walks equal on all five.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import torch
from torch.overrides import TorchFunctionMode

from nngate.counting.formulas import FORMULAS, Cost, Layer
from nngate.counting.module_layers import ELEMENTWISE_FUNCTIONS, function_label, function_layer, module_layer

META = torch.device("meta")


@dataclass
class Walked:
    rows: list[tuple[Layer, Cost]] = field(default_factory=list)
    uncounted: list[str] = field(default_factory=list)  # "name (Type)": layers and calls with no formula
    left_out: Counter = field(default_factory=Counter)  # elementwise function -> calls, outside layers

    @property
    def complete(self) -> bool:
        return not self.uncounted


class _Recorder(TorchFunctionMode):
    """Products called where no counted module holds them; elementwise calls counted by name."""

    def __init__(self, walk: _Walk):
        super().__init__()
        self.walk = walk

    def __torch_function__(self, function, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.walk.inside_counted == 0:
            self.walk.function_call(function, args, kwargs)
        return function(*args, **kwargs)


class _Walk:
    def __init__(self, model: torch.nn.Module, tied: dict[str, str]):
        self.names = {id(module): name for name, module in model.named_modules(remove_duplicate=False)}
        self.tied = tied  # a parameter's qualified name -> the first name of the same tensor
        self.result = Walked()
        self.stack: list[tuple[str, bool]] = []  # (module name, counted by a formula)
        self.inside_counted = 0
        self.params_seen: set[str] = set()
        self.pending: dict[tuple[int, int], Layer] = {}  # (module, depth) -> its layer, until it returns

    def _new_params(self, module: torch.nn.Module, recurse: bool) -> int:
        """Parameters not counted yet: a module called twice, or a weight tied to another's, counts once."""
        prefix, fresh = self.names.get(id(module), ""), 0
        for name, parameter in module.named_parameters(prefix=prefix, recurse=recurse, remove_duplicate=False):
            key = self.tied.get(name, name)
            if key not in self.params_seen:
                self.params_seen.add(key)
                fresh += parameter.numel()
        return fresh

    def before(self, module, args, kwargs) -> None:
        name = self.names.get(id(module), type(module).__name__)
        tensor = _first_tensor(args, kwargs)
        outermost = self.inside_counted == 0
        shapes = [tuple(value.shape) for value in (*args, *kwargs.values()) if isinstance(value, torch.Tensor)]
        layer = module_layer(module, name, shapes) if tensor is not None and outermost else None
        counted = layer is not None
        if counted:
            self.pending[id(module), len(self.stack)] = layer
            self.inside_counted += 1
        elif outermost and name and not any(True for _ in module.children()):  # a leaf layer, not the model
            self.result.uncounted.append(f"{name} ({type(module).__name__})")
            self.result.rows.append(_uncounted_row(name, type(module).__name__, tensor, self._new_params(module, True)))
        self.stack.append((name, counted))

    def after(self, module, args, kwargs, output) -> None:
        name, counted = self.stack.pop()
        if counted:
            self.inside_counted -= 1
            layer = self.pending.pop((id(module), len(self.stack)))
            cost = FORMULAS[layer.type](layer)
            actual = _first_tensor((output,), {})
            owned = sum(parameter.numel() for parameter in module.parameters())
            if (actual is not None and tuple(actual.shape) != cost.output_shape) or owned != cost.params:
                shape = tuple(actual.shape) if actual is not None else "?"
                raise ValueError(
                    f"{name} ({type(module).__name__}): the {layer.type} formula gives output {cost.output_shape} "
                    f"and {cost.params} params, the model {shape} and {owned}"
                )
            cost.params = self._new_params(module, True)  # a module called twice, or tied weights: once
            self.result.rows.append((layer, cost))
        elif self.inside_counted == 0:
            params = self._new_params(module, False)  # a module's own parameters (a ViT's class token)
            if params:
                self.result.rows.append((Layer(name, "Parameters", ()), Cost((), None, params)))

    def function_call(self, function, args: tuple, kwargs: dict) -> None:
        where = self.stack[-1][0] if self.stack else ""
        try:
            layer = function_layer(function, where, args, kwargs)
            if layer is None:
                label = function_label(function)
                if label in ELEMENTWISE_FUNCTIONS:
                    self.result.left_out[label] += 1
                return
            self.result.rows.append((layer, FORMULAS[layer.type](layer)))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            label = f"{where}.{function_label(function)}" if where else function_label(function)
            self.result.uncounted.append(f"{label} ({error})")


def _first_tensor(args, kwargs) -> torch.Tensor | None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            return value
        if isinstance(value, tuple | list) and value and isinstance(value[0], torch.Tensor):
            return value[0]
    return None


def _uncounted_row(name: str, type_name: str, tensor, params: int) -> tuple[Layer, Cost]:
    shape = tuple(tensor.shape) if tensor is not None else ()
    return Layer(name, f"uncounted {type_name}", shape), Cost(shape, None, params)


def _on(device: torch.device, value):
    if not isinstance(value, torch.Tensor):
        return value
    if value.device.type == "meta":  # a meta input has no values: zeros are valid token ids and images alike
        return torch.zeros(value.shape, dtype=value.dtype, device=device)
    return value.to(device)


def _run(model: torch.nn.Module, inputs: tuple, kwargs: dict, tied: dict[str, str]) -> Walked:
    walk = _Walk(model, tied)
    handles = [module.register_forward_pre_hook(walk.before, with_kwargs=True) for module in model.modules()]
    handles += [module.register_forward_hook(walk.after, with_kwargs=True) for module in model.modules()]
    try:
        with torch.no_grad(), _Recorder(walk):
            model(*inputs, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    leftover = walk._new_params(model, True)
    if leftover:  # parameters the forward never reached (an unused pooler): still the model's
        walk.result.rows.append((Layer("(not called)", "Parameters", ()), Cost((), None, leftover)))
    return walk.result


def walk_model(model: torch.nn.Module, inputs: tuple, kwargs: dict | None = None) -> Walked:
    """Every layer `model(*inputs, **kwargs)` runs, in call order, with its formula's cost; eval mode,
    no autograd. On the meta device first (nothing computed); a forward that reads a value (a mask's
    `.all()`, as transformers' attention masks do) runs again on the CPU, with uninitialized weights
    and zero inputs, and costs its arithmetic."""
    model = model.eval()
    kwargs = kwargs or {}
    first_name: dict[int, str] = {}
    tied = {name: first_name.setdefault(id(p), name) for name, p in model.named_parameters(remove_duplicate=False)}
    buffers = {name: buffer.detach().clone() for name, buffer in model.named_buffers() if buffer.device.type != "meta"}
    try:
        meta_model = model.to(META)
        return _run(meta_model, tuple(_on(META, v) for v in inputs), {k: _on(META, v) for k, v in kwargs.items()}, tied)
    except (RuntimeError, NotImplementedError) as error:
        if "meta" not in str(error):
            raise
    cpu = torch.device("cpu")
    cpu_model = model.to_empty(device=cpu)
    for name, buffer in cpu_model.named_buffers():  # position ids and the like are values the forward reads
        if name in buffers:
            buffer.copy_(buffers[name])
    return _run(cpu_model, tuple(_on(cpu, v) for v in inputs), {k: _on(cpu, v) for k, v in kwargs.items()}, tied)
