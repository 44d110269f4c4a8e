"""Fitting the raw-text features on training texts, with scikit-learn's vectorizers themselves.

The n-grams kept and their inverse document frequencies are exactly those of the peers a practitioner tries
first (scripts/bench_peers.py): ``TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
strip_accents="unicode")`` beside ``TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
max_features=150_000, ...)``, fitted on the training texts only. The tokenizer then computes the same n-grams
without scikit-learn (`rnn_models.model.text_features`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.text_features import TextFeatureVocabulary

__all__ = ["FittedTextFeatures", "fit_text_features"]


@dataclass
class FittedTextFeatures:
    """The vocabulary (for the tokenizer) and each feature's idf (for the model; index 0 is padding)."""

    vocabulary: TextFeatureVocabulary
    idf: np.ndarray  # (vocabulary.size,)


def fit_text_features(
    texts: Sequence[str],
    word_range: tuple[int, int] = (1, 2),
    char_range: tuple[int, int] = (2, 5),
    min_df: int = 2,
    max_char_features: int | None = 150_000,
) -> FittedTextFeatures:
    """Word and ``char_wb`` n-grams seen in at least ``min_df`` texts, and their smoothed idf. A group with no
    such n-gram is a ValueError that says which (each group has its own weights and norm).

    Example:
        >>> fitted = fit_text_features(["you idiot", "you are nice", "nice idea"], min_df=2)
        >>> fitted.vocabulary.words, fitted.vocabulary.size, fitted.idf.shape
        (['nice', 'you'], 30, (30,))
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn is heavy: loaded when fitting

    texts = list(texts)
    options = {"min_df": min_df, "sublinear_tf": True, "strip_accents": "unicode", "dtype": np.float32}
    word = TfidfVectorizer(ngram_range=word_range, **options)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=char_range, max_features=max_char_features, **options
    )
    words, word_idf = _fitted_group(word, texts, f"word n-grams {word_range} (words of 2+ letters or digits)")
    chars, char_idf = _fitted_group(char, texts, f"character n-grams {char_range}")
    vocabulary = TextFeatureVocabulary(words=words, chars=chars, word_range=word_range, char_range=char_range)
    idf = np.concatenate([np.zeros(1, dtype=np.float32), word_idf, char_idf])
    return FittedTextFeatures(vocabulary=vocabulary, idf=idf)


def _fitted_group(vectorizer, texts: list[str], what: str) -> tuple[list[str], np.ndarray]:
    """The n-grams ``vectorizer`` keeps, in id order, and their idf; none is an error naming the group."""
    try:
        vectorizer.fit(texts)
    except ValueError as error:  # no n-gram in min_df texts (or fewer texts than min_df), or none at all
        raise ValueError(
            f"fit_text_features: no {what} appear in at least min_df={vectorizer.min_df} of the {len(texts)} "
            "training texts; give more or longer texts, a lower min_df, or turn the raw-text features off "
            "(--text_features false)"
        ) from error
    grams = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return grams, vectorizer.idf_.astype(np.float32)
