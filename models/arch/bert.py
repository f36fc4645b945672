"""transformers' BertForQuestionAnswering with bert-base-cased's sizes and random weights.

The weights are never downloaded: a benchmark or a count needs the shapes, not the training.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from nngate.workloads.config import WorkloadConfig, require

ATTENTION_IMPLEMENTATIONS = ("sdpa", "eager")
TOKEN_TYPES = 2  # BERT's segment A / segment B


@dataclass(frozen=True)
class BertQAConfig(WorkloadConfig):
    vocab: int = 28996  # bert-base-cased's WordPiece vocabulary
    layers: int = 12  # encoder blocks of bert-base
    hidden: int = 768  # bert-base width
    heads: int = 12  # 64 dimensions per head
    intermediate: int = 3072  # 4 x hidden, the feed-forward width
    positions: int = 512  # learned position embeddings; the longest input
    seq_len: int = 128  # input tokens per example, the SQuAD fine-tuning length the lab used
    attention: str = "sdpa"  # transformers' default; "eager" spells out softmax(QK^T)V

    def check(self) -> None:
        self.positive("vocab", "layers", "hidden", "heads", "intermediate", "positions", "seq_len")
        require(
            self.hidden % self.heads == 0, "heads", f"hidden={self.hidden} is not divisible into {self.heads} heads"
        )
        require(
            self.seq_len <= self.positions,
            "seq_len",
            f"{self.seq_len} tokens exceed the {self.positions} position embeddings",
        )
        require(
            self.attention in ATTENTION_IMPLEMENTATIONS,
            "attention",
            f"{self.attention!r} is not one of {', '.join(ATTENTION_IMPLEMENTATIONS)}",
        )

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    def input_shapes(self, batch_size: int) -> tuple[tuple[int, ...], ...]:
        # input_ids, attention_mask, token_type_ids
        return ((batch_size, self.seq_len),) * 3


def build(config: BertQAConfig) -> nn.Module:
    from transformers import BertConfig, BertForQuestionAnswering
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    bert_config = BertConfig(
        vocab_size=config.vocab,
        hidden_size=config.hidden,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        intermediate_size=config.intermediate,
        max_position_embeddings=config.positions,
        type_vocab_size=TOKEN_TYPES,
        attn_implementation=config.attention,
    )
    return BertForQuestionAnswering(bert_config)
