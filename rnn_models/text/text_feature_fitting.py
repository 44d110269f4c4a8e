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
    """Word and ``char_wb`` n-grams seen in at least ``min_df`` texts, and their smoothed idf.

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
    groups = []
    for vectorizer in (word, char):
        try:
            vectorizer.fit(texts)
        except ValueError:  # nothing seen min_df times (a tiny table): an empty group
            groups.append(([], np.zeros(0, dtype=np.float32)))
            continue
        grams = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
        groups.append((grams, vectorizer.idf_.astype(np.float32)))
    (words, word_idf), (chars, char_idf) = groups
    vocabulary = TextFeatureVocabulary(words=words, chars=chars, word_range=word_range, char_range=char_range)
    idf = np.concatenate([np.zeros(1, dtype=np.float32), word_idf, char_idf])
    return FittedTextFeatures(vocabulary=vocabulary, idf=idf)
