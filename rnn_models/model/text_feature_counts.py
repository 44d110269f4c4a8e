"""A batch's n-gram ids and counts with array operations: `text_features`'s n-grams, counted over whole batches.

Exactly what ``TextFeatureVocabulary.reference_features`` computes one n-gram at a time (tests compare the two,
and both with scikit-learn), with no Python step per n-gram:

- the texts' whitespace-separated pieces (``str.split``'s, whitespace as ``str.isspace`` says) are found in
  their code points and looked up, by a 64-bit hash and then character by character, in a cache of the pieces
  earlier batches analysed; those it lacks are analysed once each (`Pieces.distinct`) and added;
- a new piece is padded with a space on each side (``char_wb``), each character becomes its rank in the
  vocabulary's alphabet (0: in no n-gram), and every window of ``char_range`` ranks is packed into 64-bit
  words (`Packing`) and found in a `KeyTable` of the vocabulary's character n-grams: exact keys, no hash
  collisions;
- its tokens (runs of two or more ``\\w`` characters, as `re` says) are looked up among the tokens the word
  n-grams are made of; a text's word n-grams are packed tuples of its tokens' ranks, found the same way;
- each text's n-grams are gathered from its pieces and counted by one sort of ``(text, id)`` keys per chunk.

Shipped next to the weights: imports only the standard library, numpy and `text_feature_arrays`.
"""

import threading
from collections.abc import Iterator, Sequence
from itertools import repeat

import numpy as np

from .text_feature_arrays import (
    Growing,
    KeyTable,
    Packing,
    Pieces,
    code_points,
    group_offsets,
    is_space,
    is_word,
    ragged,
    runs,
)

__all__ = ["NgramCounter"]

_SEGMENT = 1 << 20  # characters analysed together: arrays of a few MB, reused by malloc, never paged in anew
_CHUNK = 1 << 18  # n-gram occurrences counted by one sort: arrays that stay in the processor's cache
_CACHE = 1 << 18  # distinct pieces kept between calls; past this the piece cache starts over
_KEY_ID_BITS = 24  # ids of up to 24 bits leave 8 or more for the text: (text, id) sort keys of 32 bits


class _PieceCache:
    """Distinct pieces seen so far (their code points, found by hash, then compared), each with its character
    n-gram ids and token ranks."""

    def __init__(self, id_type: type) -> None:
        self.index = KeyTable(words=1)  # hash -> place + 1
        self.codes, self.code_starts, self.lengths = Growing(np.int64), Growing(np.int64), Growing(np.int64)
        self.char_ids, self.token_ranks = Growing(id_type), Growing(np.int64)
        self.char_starts, self.char_counts = Growing(np.int64), Growing(np.int64)
        self.token_starts, self.token_counts = Growing(np.int64), Growing(np.int64)

    def find(self, pieces: Pieces, hashes: np.ndarray) -> np.ndarray:
        """Each piece's place, -1 where the cache holds no piece of the same characters."""
        places = self.index.find([hashes]) - 1
        if not self.index.size:
            return places
        held = np.maximum(places, 0)
        differ = pieces.differ(self.codes.values, self.code_starts.values[held], self.lengths.values[held])
        return np.where(differ, -1, places)

    def add(
        self, pieces: Pieces, hashes: np.ndarray, char_offsets, char_ids, token_offsets, token_ranks
    ) -> np.ndarray:
        """Stores new pieces and their n-grams (grouped by piece, ``offsets`` ``(pieces + 1,)``); returns their
        places. A piece whose hash the cache already holds (another piece's) is stored but not found again."""
        first = self.lengths.extend(pieces.lengths)
        places = np.arange(first, first + len(pieces))
        self.code_starts.extend(self.codes.extend(pieces.chars) + pieces.offsets)
        for store, starts, counts, values, offsets in (
            (self.char_ids, self.char_starts, self.char_counts, char_ids, char_offsets),
            (self.token_ranks, self.token_starts, self.token_counts, token_ranks, token_offsets),
        ):
            starts.extend(store.extend(values) + offsets[:-1])
            counts.extend(np.diff(offsets))
        hashes, new = np.unique(hashes, return_index=True)
        absent = self.index.find([hashes]) == 0
        self.index.insert([hashes[absent]], places[new[absent]] + 1)
        return places


class NgramCounter:
    """The known word and ``char_wb`` n-grams of preprocessed texts, as ``(offsets, ids, counts)``: text i's ids
    are ``ids[offsets[i]:offsets[i + 1]]``, ascending, with ``counts`` beside them.

    Example:
        >>> counter = NgramCounter(["you", "you idiot"], [" y", "yo"], (1, 2), (2, 2), first_char_id=3)
        >>> [a.tolist() for a in counter.count(["you idiot you", "", "x"])]
        [[0, 4, 4, 4], [1, 2, 3, 4], [2, 1, 2, 2]]
    """

    def __init__(self, words: Sequence[str], chars: Sequence[str], word_range: tuple[int, int],
                 char_range: tuple[int, int], first_char_id: int) -> None:  # fmt: skip
        self.word_range, self.char_range = word_range, char_range
        self.id_bits = max(1, (first_char_id + len(chars) - 1).bit_length())
        self.key_type = np.uint32 if self.id_bits <= _KEY_ID_BITS else np.uint64
        self.lock, self.cache = threading.Lock(), _PieceCache(self.key_type)
        # Word n-grams: tuples of ranks among the tokens they are made of ("you idiot": you, idiot).
        grams = [word.split(" ") for word in words]
        tokens = [token for gram in grams for token in gram]
        self.token_rank = {token: rank for rank, token in enumerate(dict.fromkeys(tokens), start=1)}
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        ranks = np.fromiter(map(self.token_rank.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        starts, ids = np.cumsum(lengths) - lengths, np.arange(1, 1 + len(grams))
        self.unigram_ids = np.zeros(len(self.token_rank) + 1, dtype=np.int64)  # by token rank
        self.unigram_ids[ranks[starts[lengths == 1]]] = ids[lengths == 1]
        longer = (lengths >= 2) & (lengths <= word_range[1])  # in the table; longer ones are never found
        self.word_packing = Packing(len(self.token_rank), word_range[1])
        self.words = KeyTable(self.word_packing.words)
        self.words.insert(
            self.word_packing.pack(ranks[ragged(starts[longer], lengths[longer])], lengths[longer]),
            ids[longer],
        )
        # Character n-grams: tuples of ranks in the alphabet of the vocabulary's character n-grams.
        codes = code_points("".join(chars))
        alphabet = np.unique(codes)
        self.char_rank = np.zeros(int(alphabet.max(initial=0)) + 2, dtype=np.uint64)  # the last: any other
        self.char_rank[alphabet] = np.arange(1, len(alphabet) + 1, dtype=np.uint64)
        lengths = np.fromiter(map(len, chars), dtype=np.int64, count=len(chars))
        starts, ids = np.cumsum(lengths) - lengths, np.arange(first_char_id, first_char_id + len(chars))
        short = lengths <= char_range[1]
        self.char_packing = Packing(len(alphabet), char_range[1])
        self.chars = KeyTable(self.char_packing.words)
        self.chars.insert(
            self.char_packing.pack(
                self.char_rank[codes][ragged(starts[short], lengths[short])], lengths[short]
            ),
            ids[short],
        )

    def count(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(offsets, ids, counts)`` of all the texts (see the class)."""
        parts = list(self.segments(texts))
        empty = np.zeros(0, dtype=np.int64)
        offsets = np.cumsum(np.concatenate([[0], *(np.diff(offsets) for offsets, _, _ in parts)]))
        return offsets, *(np.concatenate([empty, *(part[k] for part in parts)]) for k in (1, 2))

    def segments(self, texts: Sequence[str]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """`count` of consecutive groups of texts of about `_SEGMENT` characters, one group after another."""
        ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
        first = 0
        while first < len(texts):
            last = int(np.searchsorted(ends, (ends[first - 1] if first else 0) + _SEGMENT, side="right"))
            last = max(last, first + 1)
            with self.lock:  # the piece cache is shared
                counted = self._count_segment(texts[first:last])
            yield counted
            first = last

    def _count_segment(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        joined = " ".join(texts)  # a space between texts: no piece spans two
        codes = code_points(joined)
        solid = ~is_space(codes)
        starts, ends = runs(solid)  # (pieces,) str.split's pieces
        text_ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1) - 1
        rows = np.searchsorted(text_ends, starts)  # (pieces,) the text of each piece
        # (pieces,) each piece's place in the cache, where its n-grams are
        piece = self._places(joined, starts, Pieces(codes[solid], ends - starts))
        cache = self.cache
        tokens = cache.token_counts.values[piece]
        text_tokens = cache.token_ranks.values[ragged(cache.token_starts.values[piece], tokens)]
        word_rows, word_ids = self._word_ngrams(text_tokens, np.repeat(rows, tokens))
        chars = cache.char_counts.values[piece]
        return self._counted(len(texts), rows, cache.char_starts.values[piece], chars, word_rows, word_ids)

    def _places(self, joined: str, starts: np.ndarray, pieces: Pieces) -> np.ndarray:
        """Each piece's place in the cache; the pieces the cache lacks are analysed (once each) and added."""
        if not len(pieces):
            return np.zeros(0, dtype=np.int64)
        if self.cache.lengths.size > _CACHE:
            self.cache = _PieceCache(self.key_type)
        hashes = pieces.hashes()
        places = self.cache.find(pieces, hashes)
        missing = np.flatnonzero(places < 0)
        if missing.size:
            new = pieces.take(missing)
            first, inverse = new.distinct(hashes[missing])
            ends = starts[missing[first]] + new.lengths[first]
            strings = list(
                map(joined.__getitem__, map(slice, starts[missing[first]].tolist(), ends.tolist()))
            )
            added = self.cache.add(new.take(first), hashes[missing[first]], *self._piece_ngrams(strings))
            places[missing] = added[inverse]
        return places

    def _piece_ngrams(self, pieces: list[str]) -> tuple[np.ndarray, ...]:
        """``(char_offsets, char_ids, token_offsets, token_ranks)`` of pieces, grouped by piece (token rank 0:
        a token no word n-gram has)."""
        layout = " " + "  ".join(pieces) + " "  # each piece padded as char_wb pads it
        widths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) + 2
        codes = code_points(layout)
        size, (low, high), packing = len(codes), self.char_range, self.char_packing
        piece = np.repeat(np.arange(len(widths)), widths)  # (positions,)
        room = np.repeat(np.cumsum(widths), widths) - np.arange(size)  # positions left in the padded piece
        whole = room == np.repeat(widths, widths)  # the first position of a padded piece
        ranks = self.char_rank[np.minimum(codes, len(self.char_rank) - 1)]
        ranks = np.concatenate([ranks, np.zeros(high, dtype=np.uint64)])
        keys = [np.zeros(size, dtype=np.uint64) for _ in range(packing.words)]
        known = np.ones(size, dtype=bool)  # every character of the window so far is in the alphabet
        found = np.zeros((size, high), dtype=np.int64)  # (positions, n-gram length - 1)
        for k in range(high):  # windows of k + 1 characters
            column = ranks[k : k + size]
            known &= column != 0
            packing.add_rank(keys, k, column)
            if k + 1 >= low:
                starts = np.flatnonzero(known & (room >= k + 1))
            else:  # a padded piece shorter than the shortest n-gram counts once, whole
                starts = np.flatnonzero(known & whole & (room == k + 1))
            found[starts, k] = self.chars.find([key[starts] for key in keys])
        found = found.ravel()
        hits = np.flatnonzero(found)
        token_starts, token_ends = runs(is_word(codes))
        long = token_ends - token_starts >= 2
        token_starts, token_ends = token_starts[long], token_ends[long]
        strings = map(layout.__getitem__, map(slice, token_starts.tolist(), token_ends.tolist()))
        token_ranks = np.fromiter(
            map(self.token_rank.get, strings, repeat(0)), dtype=np.int64, count=len(token_starts)
        )
        return (
            group_offsets(piece[hits // high], len(widths)), found[hits],
            group_offsets(piece[token_starts], len(widths)), token_ranks,
        )  # fmt: skip

    def _word_ngrams(self, ranks: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, ids)`` of the known word n-grams of the texts' token ranks, row by row."""
        (low, high), packing, size = self.word_range, self.word_packing, len(ranks)
        found = np.zeros((size, high), dtype=np.int64)  # (tokens, n-gram length - 1)
        if low == 1:
            found[:, 0] = self.unigram_ids[ranks]
        ranks = np.concatenate([ranks.astype(np.uint64), np.zeros(high, dtype=np.uint64)])
        same_row = np.concatenate([rows, np.full(high, -1)])
        keys = [np.zeros(size, dtype=np.uint64) for _ in range(packing.words)]
        known = np.ones(size, dtype=bool)  # every token of the window so far is known, all in one text
        for k in range(high):
            column = ranks[k : k + size]
            known &= (column != 0) & (same_row[k : k + size] == rows)
            packing.add_rank(keys, k, column)
            if k >= max(1, low - 1):
                starts = np.flatnonzero(known)
                found[starts, k] = self.words.find([key[starts] for key in keys])
        found = found.ravel()
        hits = np.flatnonzero(found)
        return rows[hits // high], found[hits]

    def _counted(self, texts: int, rows, char_starts, chars, word_rows, word_ids) -> tuple[np.ndarray, ...]:
        """Each text's n-gram occurrences (its pieces' character n-grams, from the cache, and its word n-grams)
        counted: ``(text in the chunk, id)`` keys sorted, then runs of equal keys."""
        bits, key_type, char_ids = self.id_bits, self.key_type, self.cache.char_ids.values
        piece_offsets, word_offsets = group_offsets(rows, texts), group_offsets(word_rows, texts)
        char_ends = np.concatenate([[0], np.cumsum(chars)])
        items = np.cumsum(np.bincount(rows, weights=chars, minlength=texts) + np.diff(word_offsets))
        most_rows = 1 << (32 - bits) if key_type is np.uint32 else texts
        word_keys = (word_rows << bits) + word_ids
        sizes, ids, counts, first = [], [], [], 0
        while first < texts:  # texts in chunks of about _CHUNK n-gram occurrences
            last = int(np.searchsorted(items, (items[first - 1] if first else 0) + _CHUNK, side="right"))
            last = max(first + 1, min(last, first + most_rows, texts))
            pieces = slice(piece_offsets[first], piece_offsets[last])
            words = slice(word_offsets[first], word_offsets[last])
            in_pieces = char_ends[pieces.stop] - char_ends[pieces.start]
            keys = np.empty(in_pieces + words.stop - words.start, dtype=key_type)
            np.take(char_ids, ragged(char_starts[pieces], chars[pieces]), out=keys[:in_pieces])
            keys[:in_pieces] += np.repeat(((rows[pieces] - first) << bits).astype(key_type), chars[pieces])
            keys[in_pieces:] = word_keys[words] - (first << bits)
            keys.sort()
            starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
            starts = np.concatenate([[0], starts]) if len(keys) else starts
            unique = keys[starts]
            row_starts = np.searchsorted(unique, np.arange(last - first, dtype=key_type) << key_type(bits))
            sizes.append(np.diff(row_starts, append=len(unique)))
            ids.append(unique & key_type((1 << bits) - 1))
            counts.append(np.diff(starts, append=len(keys)))
            first = last
        empty = np.zeros(0, dtype=np.int64)
        offsets = np.cumsum(np.concatenate([[0], *sizes]))
        return offsets, np.concatenate([empty, *ids]).astype(np.int64), np.concatenate([empty, *counts])
