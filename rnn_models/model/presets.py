"""The presets: the Keras notebook's three models and the default beyond them, as `RNNConfig` field overrides.

Shipped next to the weights with the configuration (standard library only).
"""

from typing import Any

__all__ = ["DEFAULT_PRESET", "NOTEBOOK_PRESETS", "PRESETS", "TEXT_FEATURE_PRESETS"]

# Beyond the notebook (docs/presets.md, "The default preset"): the 2018 competition's pooled bidirectional recurrent
# network on fine-tuned vectors, with a linear bag of word and character n-grams beside it.
_POOLED_WITH_NGRAMS: dict[str, Any] = {
    "hidden_size": 64,
    "bidirectional": True,
    "embedding_dropout": 0.2,
    "pooling": "max_mean",
    "freeze_embeddings": False,
    "ngram_buckets": 2**18,
}

# The default and its GRU twin, then the three models of the Keras "toxic comment" notebooks (see
# DESIGN.md), as field overrides.
PRESETS: dict[str, dict[str, Any]] = {
    "bigru_ngrams": {**_POOLED_WITH_NGRAMS, "cell": "gru"},
    # The default: the LSTM, which PyTorch runs with a fused oneDNN kernel on the CPU (ROC AUC level with the GRU's
    # on real comments, with a lower seed spread: docs/benchmarks.md, History).
    "bilstm_ngrams": {**_POOLED_WITH_NGRAMS, "cell": "lstm"},
    "lstm": {"cell": "lstm", "hidden_size": 100, "dropout": 0.3, "recurrent_dropout": 0.3},
    "gru": {"cell": "gru", "hidden_size": 300, "embedding_dropout": 0.3},
    "bilstm": {
        "cell": "lstm",
        "hidden_size": 300,
        "bidirectional": True,
        "dropout": 0.3,
        "recurrent_dropout": 0.3,
    },
}

"""Preset name -> the `RNNConfig` fields it sets; `RNNConfig.from_preset` builds a config from one.

Example:
    >>> from rnn_models import PRESETS, RNNConfig
    >>> list(PRESETS)
    ['bigru_ngrams', 'bilstm_ngrams', 'lstm', 'gru', 'bilstm']
    >>> PRESETS["lstm"]
    {'cell': 'lstm', 'hidden_size': 100, 'dropout': 0.3, 'recurrent_dropout': 0.3}
    >>> RNNConfig.from_preset("lstm", vocab_size=100).hidden_size
    100
"""

DEFAULT_PRESET = "bilstm_ngrams"
NOTEBOOK_PRESETS = ("lstm", "gru", "bilstm")  # the Keras notebook's models, exactly
# Presets whose training fits a linear model over the raw text's n-grams beside the recurrent part (the
# config's text_feature_* fields are set from what the training texts hold).
TEXT_FEATURE_PRESETS = ("bilstm_ngrams", "bigru_ngrams")
