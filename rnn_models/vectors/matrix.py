"""Loaded word vectors (`WordVectors`) -> the embedding matrix of a vocabulary, and its coverage report.

Row ``i`` of the matrix is the vector of the word with id ``i``; row 0 (padding) and the rows of words
without a vector are zeros as in the Keras reference (or random normal with ``missing="normal"``).
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np

from .formats import LoadStats

__all__ = ["CoverageReport", "EmbeddingMatrix", "WordVectors", "build_embedding_matrix", "coverage_report"]

MISSING = ("zeros", "normal")


@dataclass
class WordVectors:
    """Word vectors as loaded: ``matrix[i]`` is the vector of ``words[i]`` (file order, first of duplicates).

    ``last_report`` holds the `CoverageReport` of the last `embedding_matrix` call.

    Example:
        >>> vectors = WordVectors(["the", "cat"], np.array([[1, 2], [3, 4]], np.float32), dim=2, source="toy")
        >>> len(vectors), "cat" in vectors, vectors.get("cat").tolist(), vectors.get("dog")
        (2, True, [3.0, 4.0], None)
    """

    words: list[str]
    matrix: np.ndarray  # (len(words), dim) float32
    dim: int
    source: str
    stats: LoadStats = field(default_factory=LoadStats)
    last_report: "CoverageReport | None" = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.dtype != np.float32 or self.matrix.shape != (len(self.words), self.dim):
            raise ValueError(
                f"WordVectors needs a ({len(self.words)}, {self.dim}) float32 matrix, "
                f"got {self.matrix.dtype} {self.matrix.shape}"
            )

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    @cached_property
    def index(self) -> dict[str, int]:
        """Word -> row of `matrix`."""
        return dict(zip(self.words, range(len(self.words)), strict=True))

    def get(self, word: str) -> np.ndarray | None:
        """The vector of ``word``, or None (like the reference notebook's ``embeddings_index.get``)."""
        row = self.index.get(word)
        return None if row is None else self.matrix[row]

    def embedding_matrix(
        self,
        word_index_or_tokenizer: Any,
        *,
        missing: str = "zeros",
        vocab_size: int | None = None,
        seed: int = 0,
    ) -> np.ndarray:
        """`build_embedding_matrix` for these vectors; returns the matrix, keeps the report in `last_report`.

        This is what `RNNForSequenceClassification.from_vectors` calls.

        Example:
            >>> vectors = WordVectors(["cat"], np.ones((1, 2), np.float32), 2, "toy")
            >>> vectors.embedding_matrix({"cat": 1, "dog": 2}).tolist(), vectors.last_report.found_words
            ([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]], 1)
        """
        matrix, self.last_report = build_embedding_matrix(
            word_index_or_tokenizer, self, missing=missing, vocab_size=vocab_size, seed=seed
        )
        return matrix


@dataclass
class CoverageReport:
    """How much of a vocabulary the vectors cover; ``str(report)`` is what the CLI prints.

    ``top_missing`` lists the most frequent missing words with their counts (by ``word_counts`` when the
    tokenizer has them, else by id: Keras ids are frequency ranks, and the counts are None).

    Example:
        >>> report = CoverageReport("toy", dim=2, vocab_words=4, found_words=3, top_missing=[("greaaat", None)])
        >>> report.word_coverage
        0.75
        >>> print(report)
        toy (2-d): 3 of 4 vocabulary words found (75.0%); missing rows are zeros
        most frequent missing: 'greaaat'
    """

    source: str
    dim: int
    vocab_words: int
    found_words: int
    token_count: int | None = None
    found_tokens: int | None = None
    top_missing: list[tuple[str, int | None]] = field(default_factory=list)
    missing: str = "zeros"
    vectors_words: int = 0  # rows of words the texts lack, added from the vectors (not counted above)

    @property
    def word_coverage(self) -> float:
        """Share of the vocabulary's words that have a vector."""
        return self.found_words / self.vocab_words if self.vocab_words else 0.0

    @property
    def token_coverage(self) -> float | None:
        """Share of the token occurrences whose word has a vector (None without counts)."""
        if self.token_count is None or self.found_tokens is None:
            return None
        return self.found_tokens / self.token_count if self.token_count else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (shares included), e.g. for ``eval_results.json``."""
        return {
            **asdict(self),
            "top_missing": [list(pair) for pair in self.top_missing],
            "word_coverage": self.word_coverage,
            "token_coverage": self.token_coverage,
        }

    def __str__(self) -> str:
        text = (
            f"{self.source} ({self.dim}-d): {self.found_words:,} of {self.vocab_words:,} vocabulary words found "
            f"({self.word_coverage:.1%})"
        )
        if self.token_coverage is not None:
            text += f", {self.token_coverage:.1%} of {self.token_count:,} token occurrences"
        text += f"; missing rows are {'zeros' if self.missing == 'zeros' else 'random normal'}"
        if self.vectors_words:
            text += f"; {self.vectors_words:,} more words the texts lack added from the vectors"
        if self.top_missing:
            shown = ", ".join(f"{w!r}" if n is None else f"{w!r} ({n:,})" for w, n in self.top_missing)
            text += f"\nmost frequent missing: {shown}"
        return text


class EmbeddingMatrix(NamedTuple):
    """What `build_embedding_matrix` returns: unpack as ``matrix, report = ...``.

    Example:
        >>> vectors = WordVectors(["cat"], np.array([[1, 2]], np.float32), dim=2, source="toy")
        >>> matrix, report = build_embedding_matrix({"cat": 1, "dog": 2}, vectors)
        >>> matrix.tolist(), report.found_words
        ([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0]], 1)
    """

    matrix: np.ndarray  # (vocab_size, dim) float32
    report: CoverageReport


def build_embedding_matrix(
    word_index_or_tokenizer: Any,
    vectors: WordVectors,
    *,
    missing: str = "zeros",
    vocab_size: int | None = None,
    seed: int = 0,
    top_missing: int = 20,
) -> EmbeddingMatrix:
    """The ``(vocab_size, dim)`` float32 embedding matrix of a vocabulary, and its `CoverageReport`.

    ``word_index_or_tokenizer`` is a Keras-style ``word -> id`` dict (id 0 is padding) or a tokenizer
    with ``word_index``, optionally ``word_counts`` (for the token coverage) and ``num_words`` (Keras
    cap: only ids below it are used). Rows: ``vocab_size`` if given, else ``num_words`` if set, else
    ``max id + 1`` (at least ``len(tokenizer)`` for a tokenizer that has a length). An `RNNTokenizerFast`
    gives its ``embedding_index`` and ``embedding_rows`` instead: the Keras rows, then the words it took
    from the vectors (`RNNTokenizerFast.extend_from_vectors`), which the coverage leaves out. Row ``i`` is the
    vector of the word with id ``i``; row 0 and the rows of words without a vector are zeros as in the
    Keras reference, or with ``missing="normal"`` drawn from a normal distribution with the mean and
    standard deviation of all the vectors' values (row 0 stays zero).

    Example:
        >>> vectors = WordVectors(["a", "b"], np.array([[1, 2], [3, 4]], np.float32), 2, "toy")
        >>> class Tok:
        ...     word_index = {"b": 1, "zz": 2, "a": 3}
        ...     word_counts = {"b": 5, "zz": 3, "a": 2}
        >>> matrix, report = build_embedding_matrix(Tok(), vectors)
        >>> matrix.tolist(), round(report.token_coverage, 2)
        ([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0], [1.0, 2.0]], 0.7)
    """
    if missing not in MISSING:
        raise ValueError(f"missing={missing!r} is not supported; expected one of {', '.join(MISSING)}.")
    word_index, counts, rows, keras_rows = _vocabulary(word_index_or_tokenizer, vocab_size)
    matrix = np.zeros((rows, vectors.dim), dtype=np.float32)
    if missing == "normal" and rows > 1:
        if not len(vectors):
            raise ValueError("missing='normal' needs at least one vector to take the mean and std from")
        mean, std = float(vectors.matrix.mean(dtype=np.float64)), float(vectors.matrix.std(dtype=np.float64))
        matrix[1:] = np.random.default_rng(seed).normal(mean, std, (rows - 1, vectors.dim))
    words = list(word_index)
    ids = np.fromiter(word_index.values(), dtype=np.int64, count=len(words))
    rows_of = np.fromiter(map(vectors.index.get, words, repeat(-1)), dtype=np.int64, count=len(words))
    used = (ids > 0) & (ids < rows)  # id 0 is padding; ids past the cap are not used
    found = used & (rows_of >= 0)
    matrix[ids[found]] = vectors.matrix[rows_of[found]]
    keras = ids < keras_rows  # the coverage is of the texts' words, not of the words taken from the vectors
    report = coverage_report(vectors, words, ids, counts, used & keras, found & keras, top_missing)
    report.missing, report.vectors_words = missing, int((used & ~keras).sum())
    return EmbeddingMatrix(matrix, report)


def _vocabulary(
    obj: Any, vocab_size: int | None
) -> tuple[Mapping[str, int], Mapping[str, int] | None, int, int]:
    """``(word_index, word_counts or None, rows, first row of the words added from vectors)`` of a
    word -> id dict or a tokenizer."""
    if vocab_size is not None and (
        isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1
    ):
        raise ValueError(f"vocab_size={vocab_size!r} is invalid; expected an integer >= 1.")
    length = None
    if isinstance(obj, Mapping):
        word_index, counts, cap = obj, None, None
    elif hasattr(obj, "embedding_index"):  # RNNTokenizerFast: Keras rows, then the words from the vectors
        word_index, counts = obj.embedding_index, getattr(obj, "word_counts", None)
        rows = vocab_size or obj.embedding_rows
        return word_index, counts, rows, obj.embedding_rows - len(obj.vectors_words)
    else:
        word_index = getattr(obj, "word_index", None)
        if not isinstance(word_index, Mapping):
            raise TypeError(
                f"expected a word -> id dict or a tokenizer with a word_index dict, got {type(obj).__name__}"
            )
        counts, cap = getattr(obj, "word_counts", None), getattr(obj, "num_words", None)
        length = len(obj) if hasattr(obj, "__len__") else None
    rows = vocab_size or cap or max(max(word_index.values(), default=0) + 1, length or 0)
    return word_index, counts, rows, rows


def coverage_report(
    vectors: WordVectors,
    words: list[str],
    ids: np.ndarray,
    counts: Mapping[str, int] | None,
    used: np.ndarray,
    found: np.ndarray,
    top_missing: int = 20,
) -> CoverageReport:
    """Coverage of the ``used`` words (masks aligned with ``words`` and ``ids``), by words and, with
    counts, by token occurrences; the most frequent missing words first (by count, else by id)."""
    report = CoverageReport(vectors.source, vectors.dim, int(used.sum()), int(found.sum()))
    missing_at = np.flatnonzero(used & ~found)
    if counts is not None:
        occurrences = np.fromiter(map(counts.get, words, repeat(0)), dtype=np.int64, count=len(words))
        report.token_count, report.found_tokens = int(occurrences[used].sum()), int(occurrences[found].sum())
        worst = missing_at[np.argsort(-occurrences[missing_at], kind="stable")[:top_missing]]
        report.top_missing = [(words[i], int(occurrences[i])) for i in worst]
    else:  # Keras ids are frequency ranks
        worst = missing_at[np.argsort(ids[missing_at], kind="stable")[:top_missing]]
        report.top_missing = [(words[i], None) for i in worst]
    return report
