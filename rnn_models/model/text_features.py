"""Features of the raw text: word n-grams and character n-grams of the words, symbols kept, as scikit-learn makes them.

The default preset reads these beside the Keras word ids, so what the Keras filters remove (``f*ck`` becomes
``f`` and ``ck``) and words that have no id still count. The analyzers are scikit-learn's
``TfidfVectorizer(lowercase=True, strip_accents="unicode")`` with ``analyzer="word"`` (token pattern
``(?u)\\b\\w\\w+\\b``) and ``analyzer="char_wb"`` (each whitespace-separated piece padded with one space on
each side, n-grams inside it; a piece no longer than n counts once, whole), reproduced without scikit-learn
so that the tokenizer that ships with a model needs nothing more than transformers does. Training fits the
vocabularies with scikit-learn itself; tests compare both analyzers with scikit-learn's on real comments.

The analyzers here go one n-gram at a time: they define the features, and `TextFeatureVocabulary.occurrences`
(which words an explanation credits) and `TextFeatureVocabulary.reference_features` use them. The tokenizer's
batches take `text_feature_counts`, the same n-grams found with array operations (tests compare the two on
real comments, Unicode edge cases and generated texts).

Shipped next to the weights: imports only the standard library, numpy and `text_feature_counts`.
"""

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .text_feature_counts import NgramCounter

__all__ = ["TOKEN_PATTERN", "TextFeatureVocabulary", "char_wb_ngrams", "preprocess", "word_ngrams"]

TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default
_TOKEN = re.compile(TOKEN_PATTERN)
_PIECE = re.compile(r"\S+")  # str.split's pieces (re's \s is str.isspace)
_PIECE_CACHE = 100_000  # distinct whitespace pieces whose n-gram ids are kept before the cache is cleared


def preprocess(text: str) -> str:
    """Lower-case, then strip accents as scikit-learn's ``strip_accents="unicode"`` (NFKD, combining marks dropped).

    Example:
        >>> preprocess("Café NAÏVE")
        'cafe naive'
    """
    text = text.lower()
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)


class _CombiningMarks(dict):
    """``str.translate``'s table that drops the combining marks (``unicodedata.combining``), filled as code
    points are seen: accents stripped at C speed, exactly as scikit-learn's ``strip_accents_unicode``."""

    def __missing__(self, code: int) -> int | None:
        kept = self[code] = None if unicodedata.combining(chr(code)) else code
        return kept


_COMBINING_MARKS = _CombiningMarks()


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's word n-grams (``low`` to ``high`` tokens joined by a space) of a preprocessed text.

    Example:
        >>> word_ngrams("you're an id1ot", 1, 2)
        ['you', 're', 'an', 'id1ot', 'you re', 're an', 'an id1ot']
    """
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def char_wb_ngrams(piece: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of one whitespace-separated piece of a preprocessed text.

    Example:
        >>> char_wb_ngrams("f*ck", 2, 3)
        [' f', 'f*', '*c', 'ck', 'k ', ' f*', 'f*c', '*ck', 'ck ']
    """
    padded = f" {piece} "
    grams: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:  # the whole padded piece, once, and no longer n-grams
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass
class TextFeatureVocabulary:
    """The word and ``char_wb`` n-grams a model has weights for, and the ids of a text's n-grams.

    Ids: 0 is padding, then the word n-grams (``1 .. len(words)``), then the character n-grams. N-grams not in
    the vocabulary are left out, as scikit-learn's vectorizers leave them out.

    Example:
        >>> vocabulary = TextFeatureVocabulary(words=["you", "idiot"], chars=[" i", "id", "di"], char_range=(2, 2))
        >>> vocabulary.features("You IDIOT, you")
        ([1, 2, 3, 4, 5], [2, 1, 1, 1, 1])
    """

    words: list[str]
    chars: list[str]
    word_range: tuple[int, int] = (1, 2)
    char_range: tuple[int, int] = (2, 5)
    _word_ids: dict[str, int] = field(init=False, repr=False)
    _char_ids: dict[str, int] = field(init=False, repr=False)
    # Caches: pieces' character n-gram ids (`occurrences`, `reference_features`), the array path (`arrays`).
    _pieces: dict[str, list[int]] = field(init=False, repr=False, compare=False, default_factory=dict)
    _counter: NgramCounter | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        self.word_range, self.char_range = tuple(self.word_range), tuple(self.char_range)
        for name, (low, high) in (("word_range", self.word_range), ("char_range", self.char_range)):
            if not 1 <= low <= high:
                raise ValueError(f"{name}={(low, high)} is invalid; expected 1 <= low <= high")
        self._word_ids = {gram: i for i, gram in enumerate(self.words, start=1)}
        self._char_ids = {gram: i for i, gram in enumerate(self.chars, start=1 + len(self.words))}
        if len(self._word_ids) != len(self.words) or len(self._char_ids) != len(self.chars):
            raise ValueError("the text feature vocabulary repeats an n-gram; expected each n-gram once")

    def __getstate__(self) -> dict:
        """Pickled (``datasets.map`` with several processes, ``copy.deepcopy``) without the array path's state:
        the next batch builds it again."""
        return {**self.__dict__, "_counter": None}

    @property
    def size(self) -> int:
        """Rows of the model's weight table: padding, words, characters."""
        return 1 + len(self.words) + len(self.chars)

    @property
    def group_starts(self) -> list[int]:
        """The first id of each group (words, characters): each group is normalised on its own."""
        return [1, 1 + len(self.words)]

    def _piece_ids(self, piece: str) -> list[int]:
        ids = self._pieces.get(piece)
        if ids is None:
            if len(self._pieces) >= _PIECE_CACHE:
                self._pieces.clear()
            lookup = self._char_ids.get
            ids = self._pieces[piece] = [
                i for g in char_wb_ngrams(piece, *self.char_range) if (i := lookup(g))
            ]
        return ids

    def features(self, text: str) -> tuple[list[int], list[int]]:
        """``(ids, counts)`` of the known n-grams of one raw text, ids ascending."""
        (ids,), (counts,) = self.batch([text], pad=False)
        return ids, counts

    def reference_features(self, text: str) -> tuple[list[int], list[int]]:
        """`features` one n-gram at a time, by the analyzers above: what the array path is tested against
        (``tests/model/test_text_features.py``) and timed against (``scripts/bench_text_features.py``)."""
        text = preprocess(text)
        lookup = self._word_ids.get
        counts = Counter(i for g in word_ngrams(text, *self.word_range) if (i := lookup(g)))
        for piece, times in Counter(text.split()).items():
            for i in self._piece_ids(piece):
                counts[i] += times
        ids = sorted(counts)
        return ids, [counts[i] for i in ids]

    def occurrences(self, text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, float]]]:
        """Where `features` found each n-gram: the ``(start, end)`` spans of the text's whitespace-separated words
        in the raw text, and ``(feature id, word index, share)`` per occurrence. A character n-gram lies in one
        word (share 1); a word n-gram of n tokens gives each of its tokens' words 1/n. The shares of an id add
        up to its count in `features`, so a feature's weight can be spread over the words exactly.

        Example:
            >>> vocabulary = TextFeatureVocabulary(words=["you", "you idiot"], chars=["d*"], char_range=(2, 2))
            >>> vocabulary.occurrences("You  i.d*")
            ([(0, 3), (5, 9)], [(3, 1, 1.0), (1, 0, 1.0)])
            >>> vocabulary.occurrences("you idiot")[1]
            [(1, 0, 1.0), (2, 0, 0.5), (2, 1, 0.5)]
        """
        spans = [match.span() for match in _PIECE.finditer(text)]
        found: list[tuple[int, int, float]] = []
        tokens: list[tuple[str, int]] = []  # (token, word index), in text order
        for index, (start, end) in enumerate(spans):
            processed = preprocess(
                text[start:end]
            )  # as `features` sees it: lower-case and accents go per character
            tokens.extend((token, index) for token in _TOKEN.findall(processed))
            for piece in processed.split():  # NFKD can put a space inside a word ("¨")
                found.extend((i, index, 1.0) for i in self._piece_ids(piece))
        lookup, (low, high) = self._word_ids.get, self.word_range
        for n in range(low, high + 1):
            for first in range(len(tokens) - n + 1):
                window = tokens[first : first + n]
                if i := lookup(" ".join(token for token, _ in window)):
                    found.extend((i, index, 1.0 / n) for _, index in window)
        return spans, found

    def arrays(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`features` of many texts, as arrays: text i's ids (ascending) are ``ids[offsets[i]:offsets[i + 1]]``,
        with their ``counts`` beside them; computed with array operations over the whole batch
        (`text_feature_counts`).

        Example:
            >>> vocabulary = TextFeatureVocabulary(words=["you"], chars=["yo"], char_range=(2, 2))
            >>> [a.tolist() for a in vocabulary.arrays(["you you", "", "yo"])]
            [[0, 2, 2, 3], [1, 2, 2], [2, 2, 1]]
        """
        return self._counter_for().count([preprocess(text) for text in texts])

    def _counter_for(self) -> NgramCounter:
        if self._counter is None:  # built at the first batch: explanations alone never need it
            self._counter = NgramCounter(
                self.words, self.chars, self.word_range, self.char_range, first_char_id=1 + len(self.words)
            )
        return self._counter

    def padded_arrays(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """`arrays` as ``(texts, longest row)`` ids and counts, padded with zeros."""
        parts = list(self._counter_for().segments([preprocess(text) for text in texts]))
        sizes = np.concatenate([np.zeros(0, dtype=np.int64), *(np.diff(offsets) for offsets, _, _ in parts)])
        padded = np.zeros((2, len(sizes), int(sizes.max(initial=0))), dtype=np.int64)
        first = 0
        for offsets, ids, counts in parts:
            rows = np.repeat(np.arange(first, first + len(offsets) - 1), np.diff(offsets))
            columns = np.arange(len(ids)) - np.repeat(offsets[:-1], np.diff(offsets))
            padded[0, rows, columns], padded[1, rows, columns] = ids, counts
            first += len(offsets) - 1
        return padded[0], padded[1]

    def batch(self, texts: Iterable[str], pad: bool = True) -> tuple[list[list[int]], list[list[int]]]:
        """`features` of each text, padded with zeros to the longest (id 0, count 0) unless ``pad=False``."""
        if pad:
            ids, counts = self.padded_arrays(texts)
            return ids.tolist(), counts.tolist()
        rows: tuple[list[list[int]], list[list[int]]] = ([], [])
        for offsets, ids, counts in self._counter_for().segments([preprocess(text) for text in texts]):
            bounds = list(zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True))
            rows[0].extend(ids[a:b].tolist() for a, b in bounds)
            rows[1].extend(counts[a:b].tolist() for a, b in bounds)
        return rows

    def to_dict(self) -> dict:
        return {
            "word_range": list(self.word_range),
            "char_range": list(self.char_range),
            "words": self.words,
            "chars": self.chars,
        }

    @classmethod
    def from_dict(cls, data: dict, where: str = "text features") -> "TextFeatureVocabulary":
        missing = sorted({"words", "chars"} - set(data))
        if missing:
            raise ValueError(
                f"{where}: missing field(s) {missing}; expected words, chars, word_range, char_range"
            )
        return cls(
            words=list(data["words"]),
            chars=list(data["chars"]),
            word_range=tuple(data.get("word_range", (1, 2))),
            char_range=tuple(data.get("char_range", (2, 5))),
        )
