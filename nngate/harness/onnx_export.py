"""A model's graph as ONNX, for Netron: named inputs and outputs and a dynamic batch axis."""

from __future__ import annotations

import importlib.util

import torch

from nngate.workloads import build_from_config, example_inputs

# Inputs and outputs named as a reader of the graph expects them; BERT's are transformers' own names.
ONNX_NAMES = {
    "bert_qa": (["input_ids", "attention_mask", "token_type_ids"], ["start_logits", "end_logits"]),
    "default": (["input"], ["logits"]),
}


def write_onnx(config, architecture: str, path: str) -> None:
    """The model of `config` exported to `path`; ValueError (one line) where onnx is not installed."""
    if importlib.util.find_spec("onnx") is None:
        raise ValueError("export needs the onnx package: pip install 'nnbench[onnx]' (or pip install onnx)")
    model = build_from_config(config).eval()
    inputs = example_inputs(config, 2)  # batch 2, so the exporter cannot fold the batch axis into a constant
    inputs_named, outputs_named = ONNX_NAMES.get(architecture, ONNX_NAMES["default"])
    torch.onnx.export(
        model,
        inputs,
        path,
        dynamo=False,
        input_names=inputs_named,
        output_names=outputs_named,
        dynamic_axes={name: {0: "batch"} for name in inputs_named + outputs_named},
    )
