"""Keras ``Tokenizer`` text semantics (fitting the word index, looking words up), vectorized with the standard library and numpy.

keras-preprocessing 1.1.2: ``text_to_word_sequence`` lower-cases with ``str.lower``, turns every ``filters``
character into ``split``, splits on ``split`` only and drops empty strings. ``fit_on_texts`` counts words
in first-seen order, then numbers them by count, descending (a stable sort: ties stay in first-seen
order) from 1, after ``oov_token`` (index 1) when there is one. ``texts_to_sequences`` drops unknown words
(or writes the ``oov_token`` index) and does the same with words whose index is ``>= num_words``.

Speed: each text is lower-cased on its own (exactly ``str.lower``), then a whole batch is joined with the
split character, translated and split once, and every word costs one C-level dict operation; Keras runs a
Python loop per word. Padding the sequences (``pad_sequences``) is `keras_sequences`'.
"""

import json
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import count, repeat
from operator import itemgetter
from typing import Any

import numpy as np

__all__ = [
    "KERAS_FILTERS",
    "KerasVocabulary",
    "as_texts",
    "is_keras_word",
]

KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
"""The characters Keras's ``Tokenizer`` turns into spaces before it splits a text (its ``filters`` default).

Example:
    >>> from rnn_models import KERAS_FILTERS, RNNTokenizerFast
    >>> "!" in KERAS_FILTERS, "'" in KERAS_FILTERS  # the apostrophe stays: "don't" is one word
    (True, False)
    >>> RNNTokenizerFast.from_texts(["Don't stop!!"]).word_index
    {"don't": 1, 'stop': 2}
"""

_CHUNK = 8192  # texts joined and split at a time: bounds the memory of the joined copy
_DROP, _BOUNDARY = -2, -1  # lookup values: word left out / separator between two texts
_ASCII_SPACES = tuple(bytes([c]) for c in b" \t\n\r\x0b\x0c")  # what bytes.split() splits on
# Separators between texts: noncharacters (reserved for internal use), then private-use characters; all
# caseless and untouched by str.lower. The first one found in no text and not in the vocabulary is used.
_SEPARATORS = tuple(map(chr, [*range(0xFDD0, 0xFDF0), *range(0xE000, 0xF900)]))


def as_texts(texts: Any) -> list[str]:
    """``texts`` (any iterable of ``str``) as a list, or a ``ValueError`` naming the first one that is not a str.

    Example:
        >>> as_texts(("a b", "c"))
        ['a b', 'c']
    """
    if isinstance(texts, str):  # Keras would take each character for a text: surely not what is meant
        raise ValueError(f"texts={texts!r:.40} is a str; expected a list of texts, e.g. [text].")
    texts = list(texts)
    if not all(map(str.__instancecheck__, texts)):
        index, bad = next((i, t) for i, t in enumerate(texts) if not isinstance(t, str))
        raise ValueError(f"texts[{index}] is {type(bad).__name__} {bad!r:.40}; expected str.")
    return texts


def is_keras_word(word: str, filters: str = KERAS_FILTERS, lower: bool = True, split: str = " ") -> bool:
    """Whether Keras's text splitting can give ``word``: not empty, lower-case (with ``lower``), and free of
    ``filters`` and ``split`` characters. Other words (``"The"``, ``"n't"``) can never be looked up.

    Example:
        >>> is_keras_word("toxic"), is_keras_word("Toxic"), is_keras_word("e-mail"), is_keras_word("e-mail", "")
        (True, False, False, True)
    """
    return bool(word) and (not lower or word.lower() == word) and set(word).isdisjoint(filters + split)


def _check_options(num_words: Any, oov_token: Any, filters: Any, lower: Any, split: Any) -> None:
    if num_words is not None and (
        isinstance(num_words, bool) or not isinstance(num_words, int) or num_words < 0
    ):
        raise ValueError(f"num_words={num_words!r} is invalid; expected None or an integer >= 0.")
    if oov_token is not None and not isinstance(oov_token, str):
        raise ValueError(f"oov_token={oov_token!r} is invalid; expected None or a str.")
    if not isinstance(filters, str):
        raise ValueError(f"filters={filters!r} is invalid; expected a str of characters.")
    if not isinstance(lower, bool):
        raise ValueError(f"lower={lower!r} is invalid; expected True or False.")
    if not isinstance(split, str) or len(split) != 1:
        raise ValueError(f"split={split!r} is not supported; expected a single character.")


@dataclass
class KerasVocabulary:
    """A fitted Keras ``Tokenizer``: options, ``word_counts`` and ``word_index``, with Keras's encoding.

    Example:
        >>> vocab = KerasVocabulary.fit(["The cat.", "the dog, the END"])
        >>> vocab.word_index
        {'the': 1, 'cat': 2, 'dog': 3, 'end': 4}
        >>> vocab.texts_to_sequences(["the bird and the cat"])
        [[1, 1, 2]]
    """

    word_counts: dict[str, int]
    word_index: dict[str, int]
    num_words: int | None = None
    oov_token: str | None = None
    filters: str = KERAS_FILTERS
    lower: bool = True
    split: str = " "
    document_count: int = 0
    # Beyond Keras: words the texts lack, taken from a word-vector file; ids after ``keras_rows``.
    vectors_words: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_options(self.num_words, self.oov_token, self.filters, self.lower, self.split)
        self._check_vectors_words()
        if self.oov_token is not None and self.oov_token not in self.word_index:
            raise ValueError(f"oov_token={self.oov_token!r} is missing from word_index; expected it there.")
        if self.word_index and (
            set(map(type, self.word_index.values())) != {int} or min(self.word_index.values()) < 1
        ):
            raise ValueError("word_index has an index that is not an integer >= 1; expected 1, 2, 3, ...")
        _utf8("".join(self.word_index), "word_index")
        # Filters and split are ASCII (the default): translate and split UTF-8 bytes, the fastest way.
        self._bytes = (self.filters + self.split).isascii()
        self._lookup: dict | None = None  # word (bytes when self._bytes) -> index, built on first use
        self._separator = ""

    @classmethod
    def fit(cls, texts: Any, *, num_words: int | None = None, oov_token: str | None = None,
            filters: str = KERAS_FILTERS, lower: bool = True, split: str = " ") -> "KerasVocabulary":  # fmt: skip
        """Keras ``Tokenizer(...).fit_on_texts(texts)``: word counts in first-seen order and the word index."""
        _check_options(num_words, oov_token, filters, lower, split)
        texts, as_bytes = as_texts(texts), (filters + split).isascii()
        counts = Counter()
        for start in range(0, len(texts), _CHUNK):
            counts.update(
                _split_words(_join(texts[start : start + _CHUNK], lower, split), filters, split, as_bytes)
            )
        counts.pop(_key_function(as_bytes)(""), None)
        if as_bytes and counts:  # decode all words at once (no word contains split)
            counts = dict(
                zip(split.encode().join(counts).decode().split(split), counts.values(), strict=True)
            )
        # list.sort with reverse=True is stable, exactly as Keras sorts: ties keep first-seen order.
        ordered = [word for word, _ in sorted(counts.items(), key=itemgetter(1), reverse=True)]
        words = ordered if oov_token is None else [oov_token, *ordered]
        # dict(zip(...)) as in Keras: an oov_token that is also a word keeps the later index.
        word_index = dict(zip(words, range(1, len(words) + 1), strict=True))
        return cls(dict(counts), word_index, num_words, oov_token, filters, lower, split, len(texts))

    @property
    def keras_rows(self) -> int:
        """Rows of the Keras recipe's embedding matrix: ``num_words`` when set, else the largest index + 1."""
        return self.num_words or max(self.word_index.values(), default=0) + 1

    def encoded_words(self) -> dict[str, int]:
        """The words ``texts_to_sequences`` writes as themselves: index ``< num_words``, ``oov_token`` aside;
        then the `vectors_words`, numbered from `keras_rows` on."""
        if not self.num_words and self.oov_token is None:
            words = self.word_index
        else:
            cap = self.num_words or sys.maxsize
            words = {w: i for w, i in self.word_index.items() if i < cap and w != self.oov_token}
        return words | self.vectors_index() if self.vectors_words else words

    def vectors_index(self) -> dict[str, int]:
        """The `vectors_words` -> their ids: `keras_rows`, `keras_rows` + 1, ..."""
        return dict(zip(self.vectors_words, count(self.keras_rows)))

    def is_word(self, word: str) -> bool:
        """Whether this vocabulary's text splitting can give ``word`` (see `is_keras_word`)."""
        return is_keras_word(word, self.filters, self.lower, self.split)

    def with_vectors_words(self, words: Any) -> "KerasVocabulary":
        """A copy that also encodes ``words`` (words the texts lack, e.g. from a vectors file), with ids from
        `keras_rows` on in the given order; the Keras ids stay as they are.

        Example:
            >>> vocab = KerasVocabulary.fit(["the cat"]).with_vectors_words(["dog", "fox"])
            >>> vocab.texts_to_sequences(["the dog and the fox"]), vocab.word_index
            ([[1, 3, 1, 4]], {'the': 1, 'cat': 2})
        """
        return replace(self, vectors_words=list(words))

    def _check_vectors_words(self) -> None:
        words = self.vectors_words
        if not words:
            return
        if not all(map(str.__instancecheck__, words)):
            raise ValueError("vectors_words must be a list of str")
        known = next((w for w in words if w in self.word_index), None)
        if known is not None:
            raise ValueError(
                f"vectors_words holds {known!r}, already in word_index; expected new words only."
            )
        bad = next((w for w in words if not self.is_word(w)), None)
        if bad is not None:
            raise ValueError(
                f"vectors_words holds {bad!r}, which this tokenizer's text splitting never gives "
                f"(lower={self.lower}, filters and split removed); expected words as Keras splits them."
            )
        if len(set(words)) != len(words):
            raise ValueError("vectors_words holds a word twice; expected distinct words.")
        _utf8("".join(words), "vectors_words")

    @property
    def oov_index(self) -> int | None:
        """The index written for unknown words (and words past ``num_words``), or None: they are dropped."""
        return None if self.oov_token is None else self.word_index[self.oov_token]

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Keras ``texts_to_sequences`` as one flat int64 array of ids and the length of each sequence."""
        flats, lengths = [], []
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            lookup, words = self._lookup_and_words(chunk)
            unknown = _DROP if self.oov_token is None else self.oov_index
            ids = np.fromiter(map(lookup.get, words, repeat(unknown)), dtype=np.int64, count=len(words))
            text_of_word = np.cumsum(ids == _BOUNDARY)  # (words,) position of each word's text in the chunk
            kept = ids >= 0
            flats.append(ids[kept])
            lengths.append(np.bincount(text_of_word[kept], minlength=len(chunk)))
        if not flats:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(flats), np.concatenate(lengths)

    def texts_to_sequences(self, texts: Any) -> list[list[int]]:
        """Keras ``texts_to_sequences``: one list of word indices per text."""
        flat, lengths = self.encode(as_texts(texts))
        return [ids.tolist() for ids in np.split(flat, np.cumsum(lengths)[:-1])] if len(lengths) else []

    def _lookup_and_words(self, chunk: list[str]) -> tuple[dict, list]:
        key = _key_function(self._bytes)
        usable = (s for s in _SEPARATORS if s not in self.filters + self.split)
        if self._lookup is None:
            words = self.encoded_words()
            keys = self.split.join(words).encode().split(self.split.encode()) if self._bytes else list(words)
            self._lookup = (
                dict(zip(keys, words.values(), strict=True)) if words else {}
            )  # no word contains split
            if self.oov_token is not None:
                self._lookup[key(self.oov_token)] = self.oov_index
            self._lookup[key("")] = _DROP
            self._separator = next(s for s in usable if key(s) not in self._lookup)
            self._lookup[key(self._separator)] = _BOUNDARY
        lookup, separator = self._lookup, self._separator
        joined = _join(chunk, self.lower, self.split + separator + self.split)
        if joined.count(separator) != len(chunk) - 1:
            # A text holds the separator itself: take a character that is in no text and not in the vocabulary.
            lookup = {k: v for k, v in lookup.items() if v != _BOUNDARY}
            separator = next(s for s in usable if s not in joined and key(s) not in lookup)
            lookup[key(separator)] = _BOUNDARY
            joined = _join(chunk, self.lower, self.split + separator + self.split)
        return lookup, _split_words(joined, self.filters, self.split, self._bytes)

    def to_keras_json(self) -> str:
        """Keras ``Tokenizer.to_json()`` output (``word_docs`` / ``index_docs`` left empty: never counted); read
        back with `rnn_models.text.keras_json.read_keras_json`."""
        config = {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower, "split": self.split,
            "char_level": False, "oov_token": self.oov_token, "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts), "word_docs": "{}", "index_docs": "{}",
            "index_word": json.dumps({i: w for w, i in self.word_index.items()}),
            "word_index": json.dumps(self.word_index),
        }  # fmt: skip
        return json.dumps({"class_name": "Tokenizer", "config": config})


def _key_function(as_bytes: bool):
    return str.encode if as_bytes else str.__str__


def _utf8(text: str, field: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as error:  # tokenizers (Rust strings) cannot take them either
        bad = error.object[error.start]
        raise ValueError(
            f"{field} contain the lone surrogate {bad!r}; expected valid Unicode text."
        ) from None


def _join(texts: list[str], lower: bool, separator: str) -> str:
    return separator.join(map(str.lower, texts) if lower else texts)


def _split_words(joined: str, filters: str, split: str, as_bytes: bool) -> list:
    """Keras's words of ``joined``, maybe with empty strings (the callers drop them); UTF-8 bytes when
    ``as_bytes`` (ASCII options)."""
    encoded = _utf8(joined, "texts")
    if not as_bytes:
        return joined.translate(str.maketrans(dict.fromkeys(filters, split))).split(split)
    separator = split.encode()
    words = encoded.translate(bytes.maketrans(filters.encode(), separator * len(filters)))
    # bytes.split() splits on runs of ASCII whitespace and drops empty words (a fifth of real comments'
    # tokens, each a dict operation saved): Keras's words when split is the only such byte in the text.
    if separator.isspace() and not any(byte in words for byte in _ASCII_SPACES if byte != separator):
        return words.split()
    return words.split(separator)
