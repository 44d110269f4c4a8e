"""`from_vectors`: a model built around pretrained vectors, rows aligned with the tokenizer's ids."""

import numpy as np
import pytest
import torch

from rnn_models import RNNConfig, RNNForSequenceClassification, RNNModel
from rnn_models.vectors import WordVectors, build_embedding_matrix

VECTORS = WordVectors(["the", "cat", "sat"], np.arange(12, dtype=np.float32).reshape(3, 4) + 1, 4, "toy")


class Tokenizer:
    """What the project's tokenizer exposes to the vectors code (duck-typed there)."""

    word_index = {"the": 1, "cat": 2, "dog": 3}
    word_counts = {"the": 10, "cat": 3, "dog": 2}

    def __len__(self):
        return 4


def embedding(model):
    return model.get_input_embeddings().weight


def test_from_word_vectors_and_a_preset():
    vectors = WordVectors(VECTORS.words, VECTORS.matrix, 4, "toy")
    model = RNNForSequenceClassification.from_vectors("bilstm", Tokenizer(), vectors, hidden_size=3)
    config = model.config
    assert (config.vocab_size, config.embedding_dim, config.hidden_size, config.bidirectional) == (
        4,
        4,
        3,
        True,
    )
    expected = torch.tensor([[0, 0, 0, 0], [1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 0, 0]], dtype=torch.float32)
    assert torch.equal(embedding(model), expected)
    assert not embedding(model).requires_grad  # the presets keep GloVe frozen, like Keras trainable=False
    assert vectors.last_report.found_words == 2 and vectors.last_report.token_coverage == pytest.approx(
        13 / 15
    )
    ids = torch.tensor([[1, 2, 3]])
    assert model(ids, labels=torch.tensor([1.0])).loss.ndim == 0


def test_from_a_config_and_a_ready_matrix():
    config = RNNConfig.from_preset("gru", vocab_size=99, embedding_dim=7, freeze_embeddings=False)
    matrix, _ = build_embedding_matrix(Tokenizer.word_index, VECTORS)
    model = RNNModel.from_vectors(config, None, matrix)
    assert (model.config.vocab_size, model.config.embedding_dim, model.config.cell) == (4, 4, "gru")
    assert (config.vocab_size, config.embedding_dim) == (99, 7)  # the given config is left alone
    assert embedding(model).requires_grad
    assert torch.equal(embedding(model), torch.as_tensor(matrix))
    # an EmbeddingMatrix (it has .matrix) and a tensor work too
    tuple_model = RNNModel.from_vectors("lstm", None, build_embedding_matrix(Tokenizer.word_index, VECTORS))
    assert torch.equal(embedding(tuple_model), embedding(model))
    tensor_model = RNNModel.from_vectors("lstm", None, torch.ones(5, 2))
    assert tensor_model.config.vocab_size == 5


def test_frozen_vectors_survive_save_and_load(tmp_path):
    model = RNNForSequenceClassification.from_vectors("lstm", Tokenizer(), VECTORS, hidden_size=3)
    model.save_pretrained(tmp_path / "model")
    loaded = RNNForSequenceClassification.from_pretrained(tmp_path / "model")
    assert torch.equal(embedding(loaded), embedding(model)) and not embedding(loaded).requires_grad


def test_shape_conflicts_are_errors():
    with pytest.raises(ValueError, match="embedding_dim=300 contradicts the vectors' embedding_dim 4"):
        RNNForSequenceClassification.from_vectors("lstm", Tokenizer(), VECTORS, embedding_dim=300)
    with pytest.raises(
        ValueError, match=r"Expected a \(vocab_size, embedding_dim\) matrix, got shape \(3,\)"
    ):
        RNNForSequenceClassification.from_vectors("lstm", None, torch.ones(3))
    with pytest.raises(ValueError, match="Unknown preset"):
        RNNForSequenceClassification.from_vectors("transformer", Tokenizer(), VECTORS)
