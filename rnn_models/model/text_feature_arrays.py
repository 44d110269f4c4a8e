"""The array operations `text_feature_counts` is built from: code point classes, pieces, packed keys, a table.

Each is exact by construction: a character class is asked of Python itself once per code point; pieces grouped
by a hash are then compared character by character; n-grams are packed into keys no two n-grams share.

Shipped next to the weights: imports only the standard library and numpy.
"""

import re
from collections.abc import Callable

import numpy as np

__all__ = ["CodePointClass", "Growing", "KeyTable", "Packing", "Pieces", "code_points", "group_offsets",
           "is_space", "is_word", "ragged", "runs"]  # fmt: skip

_HASH_BASE = 0x9E3779B97F4A7C15  # odd: the pieces' polynomial hash modulo 2**64
_MIX = 0xBF58476D1CE4E5B9  # splitmix64's multiplier: the hash's high bits depend on every character
_SLOT_MIX = 0x94D049BB133111EB  # a packed key's slot: the high bits of its product with this


class CodePointClass:
    """A property of single characters as a lookup over code points, asked of Python once per code point.

    Example:
        >>> CodePointClass(str.isspace)(code_points("a\\u3000b\\x1c")).tolist()
        [False, True, False, True]
    """

    def __init__(self, test: Callable[[str], bool]) -> None:
        self.test = test
        self.value = np.zeros(0x110000, dtype=bool)
        self.known = np.zeros(0x110000, dtype=bool)
        self.known_below = 0  # every code point under this one has been asked

    def __call__(self, codes: np.ndarray) -> np.ndarray:
        if codes.size and codes.max() >= self.known_below:
            if not self.known_below:  # the first call asks the first 12,288 (Latin to CJK punctuation)
                self._ask(np.arange(0x3000))
                self.known_below = 0x3000
            high = codes[codes >= self.known_below]
            self._ask(np.unique(high[~self.known[high]]))
        return self.value[codes]

    def _ask(self, codes: np.ndarray) -> None:
        self.value[codes] = [self.test(chr(code)) for code in codes.tolist()]
        self.known[codes] = True


_WORD_CHAR = re.compile(r"\w")  # the \w of text_features.TOKEN_PATTERN
is_word = CodePointClass(lambda char: _WORD_CHAR.match(char) is not None)
is_space = CodePointClass(str.isspace)  # what str.split() splits on


def code_points(text: str) -> np.ndarray:
    """``(len(text),)`` int64 (array indices as they are: never converted again)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``starts[0], starts[0] + 1, ..`` (``lengths[0]`` of them), then the same from ``starts[1]``, ...

    Example:
        >>> ragged(np.array([5, 0]), np.array([2, 3])).tolist()
        [5, 6, 0, 1, 2]
    """
    ends = np.cumsum(lengths)
    return np.repeat(starts - ends + lengths, lengths) + np.arange(ends[-1] if len(ends) else 0)


def group_offsets(groups: np.ndarray, size: int) -> np.ndarray:
    """``(size + 1,)``: where each group starts in an array sorted by group, and the end."""
    return np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=size))])


def runs(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)`` of the runs of True.

    Example:
        >>> [a.tolist() for a in runs(np.array([True, False, True, True]))]
        [[0, 2], [1, 4]]
    """
    edges = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    if len(flags) and flags[0]:
        edges = np.concatenate([[0], edges])
    if len(flags) and flags[-1]:
        edges = np.concatenate([edges, [len(flags)]])
    return edges[0::2], edges[1::2]


class Pieces:
    """Strings laid end to end in one array of code points (``chars``), with their ``lengths``.

    Example:
        >>> pieces = Pieces(code_points("abxab"), np.array([2, 1, 2]))
        >>> first, inverse = pieces.distinct(pieces.hashes())
        >>> first[inverse].tolist()
        [0, 1, 0]
    """

    def __init__(self, chars: np.ndarray, lengths: np.ndarray) -> None:
        self.chars, self.lengths = chars, lengths
        self.offsets = np.cumsum(lengths) - lengths
        self.within = np.arange(len(chars)) - np.repeat(self.offsets, lengths)  # (chars,) place in its piece

    def __len__(self) -> int:
        return len(self.lengths)

    def take(self, pieces: np.ndarray) -> "Pieces":
        return Pieces(self.chars[ragged(self.offsets[pieces], self.lengths[pieces])], self.lengths[pieces])

    def hashes(self) -> np.ndarray:
        """``(pieces,)`` uint64, odd: a polynomial hash modulo 2**64 of each piece, mixed so that its high bits
        depend on every character. Equal pieces have equal hashes; the converse needs `differ`."""
        powers = np.cumprod(
            np.full(int(self.lengths.max()), _HASH_BASE, dtype=np.uint64)
        )  # base ** (1 + place)
        hashes = np.add.reduceat((self.chars + 1).view(np.uint64) * powers[self.within], self.offsets)
        hashes ^= hashes >> np.uint64(31)
        hashes *= np.uint64(_MIX)
        hashes ^= hashes >> np.uint64(29)
        return hashes | np.uint64(1)  # never 0: a `KeyTable` key

    def differ(self, codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """``(pieces,)``: whether piece i differs from ``codes[starts[i]:starts[i] + lengths[i]]``."""
        padded = np.concatenate([codes, np.full(int(self.lengths.max()), -1)])  # a longer piece reads past
        unequal = padded[np.repeat(starts, self.lengths) + self.within] != self.chars
        return np.logical_or.reduceat(unequal, self.offsets) | (lengths != self.lengths)

    def distinct(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(first, inverse)``: piece ``first[inverse[i]]`` has exactly the characters of piece ``i``. Pieces
        grouped by hash are compared with the first of their group; one that differs stands for itself."""
        index_bits = len(self).bit_length()  # (hash, index) sorted as one 64-bit key: a group's first first
        keys = hashes >> np.uint64(index_bits) << np.uint64(index_bits) | np.arange(
            len(self), dtype=np.uint64
        )
        keys.sort()
        order = (keys & np.uint64((1 << index_bits) - 1)).astype(np.int64)
        groups = keys >> np.uint64(index_bits)
        new = np.concatenate([[True], groups[1:] != groups[:-1]])
        first = order[new]
        inverse = np.empty(len(self), dtype=np.int64)
        inverse[order] = np.cumsum(new) - 1
        peer = first[inverse]
        differ = self.differ(self.chars, self.offsets[peer], self.lengths[peer])
        if differ.any():
            alone = np.flatnonzero(differ)
            inverse[alone] = len(first) + np.arange(len(alone))
            first = np.concatenate([first, alone])
        return first, inverse


class Packing:
    """Sequences of ranks (1 .. ``largest_rank``) packed whole into ``words`` 64-bit integers, rank k at bit
    ``bits * k`` on, word after word: sequences of at most ``longest`` ranks have distinct keys (no hash, so no
    collision), and a key's first word is never 0.

    Example (ranks of 2 bits: the sequence (1, 2) is 1 + (2 << 2) = 9):
        >>> Packing(3, 2).pack(np.array([1, 2, 3]), np.array([2, 1]))[0].tolist()
        [9, 3]
    """

    def __init__(self, largest_rank: int, longest: int) -> None:
        self.bits = max(1, largest_rank.bit_length())
        self.per_word = 64 // self.bits
        self.words = max(1, -(-longest // self.per_word))

    def add_rank(
        self, keys: list[np.ndarray], k: int, ranks: np.ndarray, rows: np.ndarray | None = None
    ) -> None:
        """Packs ``ranks`` (uint64) as the ``k``-th rank of the keys (of ``rows`` only, if given)."""
        word, place = divmod(k, self.per_word)
        shifted = ranks << np.uint64(place * self.bits)
        if rows is None:
            keys[word] |= shifted
        else:
            keys[word][rows] |= shifted

    def pack(self, ranks: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
        """The keys of sequences laid end to end in ``ranks``."""
        starts = np.cumsum(lengths) - lengths
        keys = [np.zeros(len(lengths), dtype=np.uint64) for _ in range(self.words)]
        for k in range(int(lengths.max(initial=0))):
            has = np.flatnonzero(lengths > k)
            self.add_rank(keys, k, ranks[starts[has] + k].astype(np.uint64), has)
        return keys


class KeyTable:
    """Ids (never 0) of keys of ``words`` 64-bit integers whose first word is never 0: open addressing with
    linear probing, at most half full (grown as keys come), probed with array operations; a hit compares the
    whole key.

    Example:
        >>> table = KeyTable(words=1)
        >>> table.insert([np.array([9, 3], dtype=np.uint64)], np.array([7, 8]))
        >>> table.find([np.array([9, 3, 1], dtype=np.uint64)]).tolist()
        [7, 8, 0]
    """

    def __init__(self, words: int) -> None:
        self._allocate(words, 16)

    def _allocate(self, words: int, capacity: int) -> None:
        self.keys = [np.zeros(capacity, dtype=np.uint64) for _ in range(words)]
        self.ids = np.zeros(capacity, dtype=np.int64)
        self.size, self.shift, self.mask = 0, 65 - capacity.bit_length(), capacity - 1

    def insert(self, keys: list[np.ndarray], ids: np.ndarray) -> None:
        """Adds distinct keys the table does not hold yet."""
        if 2 * (self.size + len(ids)) > len(self.ids):  # grown to a third full: every key placed again
            held = np.flatnonzero(self.ids)
            held_keys, held_ids = [table[held] for table in self.keys], self.ids[held]
            self._allocate(len(self.keys), 1 << (3 * (self.size + len(ids))).bit_length())
            self.insert(held_keys, held_ids)
        self.size += len(ids)
        todo, slots = np.arange(len(ids)), self._slots(keys)
        while todo.size:
            free = np.flatnonzero(self.keys[0][slots] == 0)
            placed = free[np.unique(slots[free], return_index=True)[1]]  # one key per free slot
            self.ids[slots[placed]] = ids[todo[placed]]
            for table, key in zip(self.keys, keys, strict=True):
                table[slots[placed]] = key[todo[placed]]
            rest = np.ones(todo.size, dtype=bool)
            rest[placed] = False
            todo, slots = todo[rest], (slots[rest] + 1) & self.mask

    def _slots(self, keys: list[np.ndarray]) -> np.ndarray:
        mixed = keys[0]
        for key in keys[1:]:
            mixed = (mixed * np.uint64(_MIX)) ^ key
        return ((mixed * np.uint64(_SLOT_MIX)) >> np.uint64(self.shift)).view(np.int64)

    def find(self, keys: list[np.ndarray]) -> np.ndarray:
        """The id of each key, 0 where the table does not hold it."""
        found, todo, slots = None, None, self._slots(keys)
        while True:
            wanted = keys if todo is None else [key[todo] for key in keys]
            stored = self.keys[0][slots]
            hit = stored == wanted[0]
            for table, key in zip(self.keys[1:], wanted[1:], strict=True):
                hit &= table[slots] == key
            if found is None:
                found = np.where(hit, self.ids[slots], 0)
            else:
                found[todo[hit]] = self.ids[slots[hit]]
            again = np.flatnonzero(~hit & (stored != 0))  # another key holds this slot: try the next
            if not again.size:
                return found
            todo = again if todo is None else todo[again]
            slots = (slots[again] + 1) & self.mask


class Growing:
    """An array appended to block by block; its storage doubles when full.

    Example:
        >>> grown = Growing(np.int64)
        >>> grown.extend(np.array([1, 2])), grown.extend(np.array([3])), grown.values.tolist()
        (0, 2, [1, 2, 3])
    """

    def __init__(self, dtype: type) -> None:
        self.data, self.size = np.zeros(1 << 12, dtype=dtype), 0

    def extend(self, values: np.ndarray) -> int:
        """Appends ``values``; returns where they start."""
        start, end = self.size, self.size + len(values)
        if end > len(self.data):
            grown = np.zeros(max(end, 2 * len(self.data)), dtype=self.data.dtype)
            grown[:start] = self.data[:start]
            self.data = grown
        self.data[start:end], self.size = values, end
        return start

    @property
    def values(self) -> np.ndarray:
        return self.data[: self.size]
