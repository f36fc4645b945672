"""The five architectures' shape walks: config -> the layers the built model runs, with shapes by formula.

A walk never builds or runs the model, so BERT-base or a config too large for memory counts in
milliseconds: that is why these five stay beside nngate's generic walk of any model, which must
build the model and, for transformers' masks, run it (tests/test_generic_walk.py proves the two
equal on all five). Layer names are the module names of the built model, so every row can be
compared with what fvcore reports for that module. Each is declared with its workload
(models.workloads).
"""

from __future__ import annotations

from math import prod

from models.arch.bert import TOKEN_TYPES, BertQAConfig
from models.arch.bow_mlp import BowMLPConfig
from models.arch.cnn import CNNConfig
from models.arch.mlp import MLPConfig
from models.arch.resnet import STAGE_BLOCKS, STAGE_WIDTHS, STEM_WIDTH, ResNetConfig
from nngate.counting.formulas import Shape
from nngate.counting.walks import ShapeWalk


def _dense_stack(walk: ShapeWalk, prefix: str, shape: Shape, widths, outputs: int) -> Shape:
    """Mirror of models.arch.mlp.dense_stack."""
    for index, width in enumerate(widths, start=1):
        shape = walk(f"{prefix}.relu{index}", "ReLU", walk.linear(f"{prefix}.fc{index}", shape, width))
    return walk.linear(f"{prefix}.head", shape, outputs)


def mlp(config: MLPConfig, batch: int, walk: ShapeWalk) -> None:
    shape = walk("flatten", "Flatten", (batch, config.in_features))
    _dense_stack(walk, "layers", shape, config.hidden, config.classes)


def bow_mlp(config: BowMLPConfig, batch: int, walk: ShapeWalk) -> None:
    _dense_stack(walk, "layers", (batch, config.vocab), (config.hidden,) * config.layers, 1)


def cnn(config: CNNConfig, batch: int, walk: ShapeWalk) -> None:
    shape: Shape = (batch, config.in_channels, config.image_size, config.image_size)
    for block, (kernel, stride) in enumerate(config.blocks(), start=1):
        shape = walk(f"conv{block}", "Conv2d", shape, in_channels=shape[1], out_channels=config.channels, kernel=kernel)
        shape = walk(f"pool{block}", "MaxPool2d", shape, kernel=2, stride=stride)
    shape = walk("flatten", "Flatten", shape)
    shape = walk("relu", "ReLU", walk.linear("fc1", shape, config.hidden))
    walk.linear("head", shape, config.classes)


def _conv_bn(
    walk: ShapeWalk, conv: str, norm: str, shape: Shape, width: int, kernel: int, stride: int, padding: int
) -> Shape:
    shape = walk(
        conv,
        "Conv2d",
        shape,
        in_channels=shape[1],
        out_channels=width,
        kernel=kernel,
        stride=stride,
        padding=padding,
        bias=False,
    )
    return walk(norm, "BatchNorm2d", shape, num_features=width)


def resnet18(config: ResNetConfig, batch: int, walk: ShapeWalk) -> None:
    """torchvision's ResNet: stem, four stages of BasicBlocks, global average pool, fc."""
    shape: Shape = (batch, config.in_channels, config.image_size, config.image_size)
    shape = walk("relu", "ReLU", _conv_bn(walk, "conv1", "bn1", shape, STEM_WIDTH, 7, 2, 3))
    shape = walk("maxpool", "MaxPool2d", shape, kernel=3, stride=2, padding=1)
    for stage, (blocks, width) in enumerate(zip(STAGE_BLOCKS, STAGE_WIDTHS, strict=True), start=1):
        for block in range(blocks):
            prefix, stride, block_input = f"layer{stage}.{block}", (2 if stage > 1 and block == 0 else 1), shape
            shape = walk(
                f"{prefix}.relu", "ReLU", _conv_bn(walk, f"{prefix}.conv1", f"{prefix}.bn1", shape, width, 3, stride, 1)
            )
            shape = _conv_bn(walk, f"{prefix}.conv2", f"{prefix}.bn2", shape, width, 3, 1, 1)
            if stride != 1 or block_input[1] != width:
                _conv_bn(walk, f"{prefix}.downsample.0", f"{prefix}.downsample.1", block_input, width, 1, stride, 0)
            shape = walk(f"{prefix}.relu", "ReLU", shape)  # after the residual add; same module as above
    shape = walk("avgpool", "AdaptiveAvgPool2d", shape, output_size=1)
    walk.linear("fc", (batch, prod(shape[1:])), config.classes)  # torch.flatten in forward, no module


def bert_qa(config: BertQAConfig, batch: int, walk: ShapeWalk) -> None:
    """transformers' BertForQuestionAnswering: embeddings, encoder blocks, the span head."""
    tokens, width, heads, head_dim = (batch, config.seq_len), config.hidden, config.heads, config.head_dim
    walk("bert.embeddings.word_embeddings", "Embedding", tokens, num_embeddings=config.vocab, embedding_dim=width)
    walk("bert.embeddings.token_type_embeddings", "Embedding", tokens, num_embeddings=TOKEN_TYPES, embedding_dim=width)
    walk(
        "bert.embeddings.position_embeddings",
        "Embedding",
        (1, config.seq_len),
        num_embeddings=config.positions,
        embedding_dim=width,
    )
    hidden = walk("bert.embeddings.LayerNorm", "LayerNorm", (*tokens, width), normalized=width)  # (B, T, C)
    for index in range(config.layers):
        block = f"bert.encoder.layer.{index}"
        for projection in ("query", "key", "value"):
            walk.linear(f"{block}.attention.self.{projection}", hidden, width)
        per_head = (batch, heads, config.seq_len, head_dim)  # (B, H, T, D)
        scores = walk(
            f"{block}.attention.self.scores", "MatMul", per_head, operand_shape=(batch, heads, head_dim, config.seq_len)
        )  # Q.K^T: (B, H, T, T)
        walk(f"{block}.attention.self.softmax", "Softmax", scores, scaled_masked=True)
        walk(f"{block}.attention.self.context", "MatMul", scores, operand_shape=per_head)  # A.V: (B, H, T, D)
        attended = walk.linear(f"{block}.attention.output.dense", hidden, width)
        hidden = walk(f"{block}.attention.output.LayerNorm", "LayerNorm", attended, normalized=width)
        expanded = walk.linear(f"{block}.intermediate.dense", hidden, config.intermediate)
        walk(f"{block}.intermediate.intermediate_act_fn", "GELU", expanded)
        hidden = walk(
            f"{block}.output.LayerNorm",
            "LayerNorm",
            walk.linear(f"{block}.output.dense", expanded, width),
            normalized=width,
        )
    walk.linear("qa_outputs", hidden, 2)  # start and end logit per token
