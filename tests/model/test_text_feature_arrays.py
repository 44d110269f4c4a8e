"""The array path's building blocks are exact: character classes as Python says, pieces grouped only with equal
pieces (even when their hashes collide), packed keys found only for their own sequence."""

import re

import numpy as np
import pytest

import rnn_models.model.text_feature_arrays as arrays
from rnn_models.model.text_feature_arrays import PackedTable, code_points, distinct_pieces, is_space, is_word


def test_every_code_points_class_is_what_python_says():
    codes = np.arange(0x110000)
    word = re.compile(r"\w")
    assert is_space(codes).tolist() == [chr(c).isspace() for c in range(0x110000)]
    assert is_word(codes).tolist() == [word.match(chr(c)) is not None for c in range(0x110000)]


def test_code_points_keep_characters_beyond_the_bmp_and_lone_surrogates():
    text = "a\U0001f600\ud800\x00é"
    assert code_points(text).tolist() == [ord(c) for c in text]


@pytest.mark.parametrize(("base", "collides"), [(arrays._HASH_BASE, False), (1 << 32, True)])
def test_distinct_pieces_groups_equal_pieces_only(base, collides, monkeypatch):
    monkeypatch.setattr(
        arrays, "_HASH_BASE", base
    )  # 2**32: base**2 is 0, pieces sharing a first char collide
    rng = np.random.default_rng(0)
    pool = ["a", "ab", "ba", "abc", "abd", "b" * 40, "b" * 41, "\U0001f600", "\x00", "\x00\x00", "é"]
    pieces = [pool[i] for i in rng.integers(0, len(pool), 500)]
    chars = code_points("".join(pieces))
    first, inverse = distinct_pieces(chars, np.array([len(p) for p in pieces]))
    assert [pieces[i] for i in first[inverse]] == pieces  # each piece stands for an equal one
    assert len(set(pieces)) <= len(first) and (first[inverse] <= np.arange(500)).all()  # the first stands
    assert (len(first) > len(set(pieces))) == collides  # a collision: its pieces stand alone


@pytest.mark.parametrize(("largest_rank", "longest"), [(3, 2), (300, 5), (70_000, 4)])
def test_a_packed_table_finds_exactly_its_sequences(largest_rank, longest):
    rng = np.random.default_rng(1)
    sequences = {tuple(rng.integers(1, largest_rank + 1, rng.integers(1, longest + 1))) for _ in range(3000)}
    held = sorted(sequences)[::2]
    lengths = np.array([len(s) for s in held])
    table = PackedTable(largest_rank, longest, np.concatenate(held), lengths, np.arange(1, len(held) + 1))
    queries = sorted(sequences)
    keys = [np.zeros(len(queries), dtype=np.uint64) for _ in range(table.words)]
    for k in range(longest):
        rows = np.array([i for i, s in enumerate(queries) if len(s) > k], dtype=np.int64)
        ranks = np.array([queries[i][k] for i in rows], dtype=np.uint64)
        table.add_rank(keys, k, ranks, rows)
    expected = {s: i for i, s in enumerate(held, start=1)}
    assert table.find(keys).tolist() == [expected.get(s, 0) for s in queries]
