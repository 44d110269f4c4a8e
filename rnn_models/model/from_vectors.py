"""Building a model from pretrained vectors: the matrix, the config that fits it, the words behind the ids.

Shipped next to the weights with `modeling_rnn` (its ``from_vectors`` and ``set_vocabulary`` use these):
imports only the standard library and torch.
"""

from typing import Any

import torch

__all__ = ["config_for_matrix", "embedding_matrix", "words_by_id"]


def embedding_matrix(vectors: Any, tokenizer: Any) -> torch.Tensor:
    """A ``(vocab_size, embedding_dim)`` float32 matrix from a matrix, an object with
    ``embedding_matrix(tokenizer)`` (as ``rnn_models.WordVectors``) or one with a ``matrix`` attribute.

    Example:
        >>> embedding_matrix([[0.0, 0.0], [1.0, 2.0]], tokenizer=None).shape
        torch.Size([2, 2])
    """
    if hasattr(vectors, "embedding_matrix"):
        vectors = vectors.embedding_matrix(tokenizer)
    elif hasattr(vectors, "matrix"):
        vectors = vectors.matrix
    matrix = torch.as_tensor(vectors, dtype=torch.float32)
    if matrix.ndim != 2:
        raise ValueError(f"Expected a (vocab_size, embedding_dim) matrix, got shape {tuple(matrix.shape)}.")
    return matrix


def config_for_matrix(
    config_class: type, config_or_preset: Any, matrix: torch.Tensor, overrides: dict
) -> Any:
    """A new config (a preset name or a copy of the given config, with ``overrides``) whose ``vocab_size`` and
    ``embedding_dim`` are the matrix's; an override that contradicts the matrix is refused.

    Example:
        >>> from rnn_models import RNNConfig
        >>> config = config_for_matrix(RNNConfig, "gru", torch.zeros(3, 4), {"hidden_size": 2})
        >>> config.vocab_size, config.embedding_dim, config.hidden_size
        (3, 4, 2)
    """
    shape = {"vocab_size": matrix.shape[0], "embedding_dim": matrix.shape[1]}
    for field, value in shape.items():
        if overrides.get(field, value) != value:
            raise ValueError(f"{field}={overrides[field]} contradicts the vectors' {field} {value}.")
    fields = {**overrides, **shape}
    if isinstance(config_or_preset, str):
        return config_class.from_preset(config_or_preset, **fields)
    return config_class.from_dict({**config_or_preset.to_dict(), **fields})


def words_by_id(tokenizer_or_word_index, size: int) -> list[str]:
    """``words[i]`` is the word of id ``i`` (``""`` for padding and unused ids), for ids below ``size``.

    Example:
        >>> words_by_id({"the": 1, "cat": 3}, 4)
        ['', 'the', '', 'cat']
    """
    index = getattr(tokenizer_or_word_index, "embedding_index", None)
    if index is None:
        index = getattr(tokenizer_or_word_index, "word_index", tokenizer_or_word_index)
    words = [""] * size
    for word, i in index.items():
        if 0 < i < size:
            words[i] = word
    return words
