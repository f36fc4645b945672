"""A small DistilBERT sentiment classifier, built from a config (no weights are downloaded)."""

from transformers import DistilBertConfig, DistilBertForSequenceClassification

VOCAB = 1000
SEQ_LEN = 32


def small_distilbert() -> DistilBertForSequenceClassification:
    config = DistilBertConfig(vocab_size=VOCAB, dim=64, hidden_dim=128, n_layers=2, n_heads=2, num_labels=2)
    return DistilBertForSequenceClassification(config)
