"""The generic walk (any model, shapes read on meta tensors) against the hand-written walks of the
five architectures, and against fvcore and FlopCounterMode on the model families users bring."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch
import torchvision
from hypothesis import given, settings
from torch import nn

import models
from models.data.synthetic import example_inputs
from nngate.cli import main
from nngate.counting.generic import walk_model
from nngate.counting.measured import check_model
from nngate.counting.table import count_model
from nngate.counting.walks import walk_layers

from strategies import torchvision_cnns, transformer_shapes

COLUMNS = ("params", "macs", "fvcore", "other_ops", "bias_adds")
warnings.filterwarnings("ignore", message=".*token_id.*")


def totals(rows) -> dict[str, int]:
    return {column: sum(getattr(cost, column) for _, cost in rows) for column in COLUMNS}


@pytest.mark.parametrize("arch", ["mlp", "cnn", "bow_mlp", "resnet18", "bert_qa"])
def test_the_generic_walk_equals_each_hand_written_walk(arch):
    config = models.make_config(arch, **({"layers": 2} if arch == "bert_qa" else {}))
    walked = walk_model(models.build_from_config(config), example_inputs(config, 2))
    assert walked.complete, walked.uncounted
    assert totals(walked.rows) == totals(walk_layers(config, 2))


def gpt2(layers=2, heads=4, width=32, ffn=64, lm_head=False):
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Model

    config = GPT2Config(
        n_layer=layers, n_head=heads, n_embd=width, n_inner=ffn, vocab_size=97, n_positions=64, use_cache=False
    )
    return (GPT2LMHeadModel if lm_head else GPT2Model)(config)


def distilbert(layers=2, heads=4, width=32, ffn=64):
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(n_layers=layers, n_heads=heads, dim=width, hidden_dim=ffn, vocab_size=97)
    return DistilBertForSequenceClassification(config)


def t5_encoder(layers=2, heads=4, width=32, ffn=64):
    from transformers import T5Config, T5EncoderModel

    config = T5Config(num_layers=layers, num_heads=heads, d_model=width, d_kv=width // heads, d_ff=ffn, vocab_size=97)
    return T5EncoderModel(config)


def vit(layers=2, heads=2, width=32, ffn=64, image=32):
    return torchvision.models.VisionTransformer(image, 8, layers, heads, width, ffn, num_classes=10)


def bert(layers=2, heads=4, width=32, ffn=64):
    from transformers import BertConfig, BertModel

    config = BertConfig(
        num_hidden_layers=layers, num_attention_heads=heads, hidden_size=width, intermediate_size=ffn, vocab_size=97
    )
    return BertModel(config)


IMAGE = (torch.randn(1, 3, 64, 64),)
TOKENS = (torch.zeros(2, 16, dtype=torch.long),)
FAMILIES = {
    "resnet18": (torchvision.models.resnet18, IMAGE),
    "mobilenet_v2": (torchvision.models.mobilenet_v2, IMAGE),
    "mobilenet_v3_small": (torchvision.models.mobilenet_v3_small, IMAGE),
    "efficientnet_b0": (torchvision.models.efficientnet_b0, IMAGE),
    "vit": (vit, (torch.randn(2, 3, 32, 32),)),
    "bert": (bert, TOKENS),
    "distilbert": (distilbert, TOKENS),
    "gpt2": (gpt2, TOKENS),
    "gpt2 tied head": (lambda: gpt2(lm_head=True), TOKENS),
    "t5 encoder": (t5_encoder, TOKENS),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_is_counted_whole_and_equals_fvcore_and_flop_counter(family):
    build, inputs = FAMILIES[family]
    ok, lines = check_model(build, inputs)
    assert ok, "\n".join(lines)
    assert count_model(build(), inputs).complete


@settings(max_examples=12)  # each example builds, walks and traces five models (about 5 s)
@given(transformer_shapes())
def test_drawn_transformers_equal_both_checkers(shape):
    sizes = {key: shape[key] for key in ("layers", "heads", "width", "ffn")}
    tokens = (torch.zeros(shape["batch"], shape["tokens"], dtype=torch.long),)
    builders = (gpt2, distilbert, bert, t5_encoder)
    for build in (lambda builder=builder: builder(**sizes) for builder in builders):
        ok, lines = check_model(build, tokens)
        assert ok, "\n".join(lines)
    ok, lines = check_model(lambda: vit(**sizes, image=16), (torch.randn(shape["batch"], 3, 16, 16),))
    assert ok, "\n".join(lines)


@settings(max_examples=12)  # each example builds, walks and traces two models (about 2 s)
@given(torchvision_cnns())
def test_drawn_torchvision_cnns_equal_both_checkers(cnn):
    build, shape = cnn
    ok, lines = check_model(build, (torch.randn(shape),))
    assert ok, "\n".join(lines)


class Cube(nn.Module):
    """A made-up layer: no formula knows it."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(8))

    def forward(self, x):
        return x**3 * self.scale


def made_up():
    return nn.Sequential(nn.Linear(4, 8), Cube(), nn.Linear(8, 2))


class FunctionalProducts(nn.Module):
    """Products written as functions in a forward, outside any layer: einsum, @, bmm."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(6, 5))

    def forward(self, x):  # x: (B, 3, 6)
        y = torch.einsum("bij,jk->bik", x, self.weight)  # (B, 3, 5)
        z = y @ y.transpose(1, 2)  # (B, 3, 3)
        return torch.bmm(z, y) + 1


def test_a_made_up_layer_is_named_and_the_count_is_incomplete():
    table = count_model(made_up(), (torch.randn(2, 4),))
    assert not table.complete
    assert table.uncounted == ("1 (Cube)",)
    assert table.params == sum(p.numel() for p in made_up().parameters())  # its parameters still counted
    ok, lines = check_model(made_up, (torch.randn(2, 4),))
    assert not ok and "no formula for 1 (Cube)" in "\n".join(lines)


def test_a_formula_that_disagrees_with_the_model_is_an_error_not_a_count():
    class Linear(nn.Linear):  # read as a Linear by its name, but its forward doubles the output's width
        def forward(self, x):
            return torch.cat([super().forward(x)] * 2, dim=-1)

    with pytest.raises(ValueError, match=r"0 \(Linear\): the Linear formula gives output \(2, 8\)"):
        count_model(nn.Sequential(Linear(4, 8)), (torch.randn(2, 4),))
    norm = count_model(nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8, bias=False)), (torch.randn(2, 4),))
    assert norm.params == 4 * 8 + 8 + 8  # a LayerNorm without bias: its scale alone


def test_products_written_as_functions_are_counted_and_their_adds_named():
    inputs = (torch.randn(2, 3, 6),)
    ok, lines = check_model(FunctionalProducts, inputs)
    assert ok, "\n".join(lines)
    table = count_model(FunctionalProducts(), inputs, view="complete")
    assert [row.type for row in table.rows] == ["Einsum", "MatMul", "MatMul", "Parameters"]
    assert table.macs == 2 * 3 * 6 * 5 + 2 * 3 * 5 * 3 + 2 * 3 * 3 * 5
    assert dict(table.left_out) == {"add": 1}


def count_command(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "models", "count", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parent,
    )


@pytest.mark.integration
def test_count_names_any_model_by_module_and_callable():
    result = count_command("torchvision.models:mobilenet_v3_small", "--input-shape", "1,3,64,64", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing left uncounted" in result.stdout and "check passed" in result.stdout
    assert "left out by the convention (elementwise, outside layers): mul x9" in result.stdout


def test_count_strict_fails_an_incomplete_count_and_names_the_layer(capsys):
    assert main(["count", "test_generic_walk:made_up", "--input-shape", "2,4", "--strict"]) == 1
    assert "INCOMPLETE: 1 layer(s) or call(s) with no formula: 1 (Cube)" in capsys.readouterr().out
    assert main(["count", "test_generic_walk:made_up", "--input-shape", "2,4"]) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("nosuchmodule:build", "--input-shape", "1,3"), "cannot import 'nosuchmodule'"),
        (("torchvision.models:nosuchnet", "--input-shape", "1,3"), "has no 'nosuchnet'"),
        (("torchvision.models:resnet18",), "give one --input-shape per positional input"),
        (("torchvision.models:resnet18", "--input-shape", "1,x"), "is not comma-separated sizes"),
        (("torchvision.models:resnet18", "--input-shape", "0,3,32,32"), "every size must be at least 1"),
        (("mlp", "--input-shape", "1,784"), "only for a model named MODULE:CALLABLE"),
    ],
)
def test_count_of_a_named_model_says_what_is_wrong_in_one_line(arguments, message, capsys):
    assert main(["count", *arguments]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1, error
