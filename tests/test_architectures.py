"""Every architecture builds across its option range, gives the right output shape, and rejects bad options."""

from __future__ import annotations

import pytest
import torch

import models
from models.data.synthetic import example_inputs

# Small enough to build and run in milliseconds, still every code path of the architecture.
SMALL_BERT = dict(vocab=100, layers=2, hidden=32, heads=4, intermediate=64, positions=64, seq_len=16)


def run(config, batch_size=2):
    model = models.build_from_config(config).eval()
    with torch.inference_mode():
        return model(*example_inputs(config, batch_size))


@pytest.mark.parametrize("name", [name for name in models.ARCHITECTURES if name != "bert_qa"])
def test_default_output_shape(name):
    config = models.make_config(name)
    classes = getattr(config, "classes", 1)
    assert run(config).shape == (2, classes)


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_bert_outputs_one_start_and_end_logit_per_token(attention):
    config = models.make_config("bert_qa", **SMALL_BERT, attention=attention)
    output = run(config, batch_size=3)
    assert output.start_logits.shape == output.end_logits.shape == (3, SMALL_BERT["seq_len"])


def test_bert_defaults_are_bert_base_cased():
    model = models.build("bert_qa")
    config = model.config
    assert (
        config.vocab_size,
        config.num_hidden_layers,
        config.hidden_size,
        config.num_attention_heads,
        config.intermediate_size,
        config.max_position_embeddings,
    ) == (28996, 12, 768, 12, 3072, 512)
    assert config._attn_implementation == "sdpa"


@pytest.mark.parametrize("hidden", ["256,128", "128,128", "1024,128", "128", "128,128,128"])
def test_mlp_lab_variants_accept_images_and_rows(hidden):
    model = models.build("mlp", hidden=hidden).eval()
    widths = [layer.out_features for layer in model.modules() if isinstance(layer, torch.nn.Linear)]
    assert widths == [int(width) for width in hidden.split(",")] + [10]
    images = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(images), model(images.flatten(1)))


@pytest.mark.parametrize(
    "kernel, conv_layers, pooled",
    [
        (3, 1, 13),
        (3, 2, 5),
        (3, 3, 3),  # floor pooling, as the lab's nn.MaxPool2d(2, 2): 11 -> 5
        (5, 1, 12),
        (5, 2, 4),
        (5, 3, 2),
        (7, 1, 11),
        (7, 2, 2),  # 22 -> 11 -> 5 -> 2
    ],
)
def test_cnn_has_the_labs_floor_pooling_geometry(kernel, conv_layers, pooled):
    config = models.make_config("cnn", kernel=kernel, conv_layers=conv_layers, channels=4)
    assert config.feature_size() == pooled
    model = models.build_from_config(config)
    convs = [layer for layer in model if isinstance(layer, torch.nn.Conv2d)]
    assert len(convs) == conv_layers and convs[0].kernel_size == (kernel, kernel)
    assert model.fc1.in_features == 4 * pooled * pooled
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_cnn_kernel_7_with_3_layers_leaves_no_pixels_and_says_so():
    with pytest.raises(ValueError, match=r"kernel: 2x2 conv3 on a 2x2 map leaves no pixels"):
        models.make_config("cnn", kernel=7, conv_layers=3)


@pytest.mark.parametrize("layers", [1, 2, 4])
@pytest.mark.parametrize("hidden", [128, 512])
@pytest.mark.parametrize("vocab", [1000, 10000])
def test_bow_mlp_grid(vocab, layers, hidden):
    model = models.build("bow_mlp", vocab=vocab, layers=layers, hidden=hidden)
    linears = [layer for layer in model.modules() if isinstance(layer, torch.nn.Linear)]
    assert len(linears) == layers + 1 and linears[0].in_features == vocab
    assert model(torch.rand(3, vocab)).shape == (3, 1)


def test_resnet18_is_torchvisions_and_takes_mnist_shaped_input():
    import torchvision

    model = models.build("resnet18", in_channels=1, image_size=28, classes=10).eval()
    reference = torchvision.models.resnet18(num_classes=10)
    assert type(model) is type(reference)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in reference.parameters()) - 2 * 64 * 49
    assert model(torch.randn(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize(
    "name, options, field",
    [
        ("cnn", {"kernel": 30}, "kernel"),
        ("cnn", {"kernel": 13}, "kernel"),
        ("cnn", {"conv_layers": 4}, "conv_layers"),
        ("cnn", {"channels": 0}, "channels"),
        ("mlp", {"hidden": "128,0"}, "hidden"),
        ("mlp", {"hidden": "wide"}, "hidden"),
        ("mlp", {"depth": 3}, "depth"),
        ("bow_mlp", {"vocab": -5}, "vocab"),
        ("resnet18", {"image_size": 0}, "image_size"),
        ("bert_qa", {"hidden": 100, "heads": 12}, "heads"),
        ("bert_qa", {"seq_len": 600}, "seq_len"),
        ("bert_qa", {"attention": "flash"}, "attention"),
    ],
)
def test_bad_options_name_the_field(name, options, field):
    with pytest.raises(ValueError, match=rf"^{field}: "):
        models.make_config(name, **options)


def test_unknown_architecture_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown workload 'vgg'.*mlp.*bert_qa"):
        models.build("vgg")


def test_string_options_parse_by_field_type():
    config = models.make_config("mlp", hidden="1024, 128", classes="5")
    assert config.hidden == (1024, 128) and config.classes == 5
    assert models.make_config("mlp", hidden=[64]).hidden == (64,)
