"""The array path's building blocks are exact: character classes as Python says, pieces grouped only with equal
pieces (even when their hashes collide), packed keys found only for their own sequence."""

import re

import numpy as np
import pytest

import rnn_models.model.text_feature_arrays as arrays
from rnn_models.model.text_feature_arrays import KeyTable, Packing, Pieces, code_points, is_space, is_word


def test_every_code_points_class_is_what_python_says():
    codes = np.arange(0x110000)
    word = re.compile(r"\w")
    assert is_space(codes).tolist() == [chr(c).isspace() for c in range(0x110000)]
    assert is_word(codes).tolist() == [word.match(chr(c)) is not None for c in range(0x110000)]


def test_code_points_keep_characters_beyond_the_bmp_and_lone_surrogates():
    text = "a\U0001f600\ud800\x00é"
    assert code_points(text).tolist() == [ord(c) for c in text]


@pytest.mark.parametrize(("base", "collides"), [(arrays._HASH_BASE, False), (1 << 32, True)])
def test_distinct_groups_equal_pieces_only(base, collides, monkeypatch):
    monkeypatch.setattr(
        arrays, "_HASH_BASE", base
    )  # 2**32: base**2 is 0, pieces sharing a first char collide
    rng = np.random.default_rng(0)
    pool = ["a", "ab", "ba", "abc", "abd", "b" * 40, "b" * 41, "\U0001f600", "\x00", "\x00\x00", "é"]
    pieces = [pool[i] for i in rng.integers(0, len(pool), 500)]
    chars = code_points("".join(pieces))
    laid_out = Pieces(chars, np.array([len(p) for p in pieces]))
    first, inverse = laid_out.distinct(laid_out.hashes())
    assert [pieces[i] for i in first[inverse]] == pieces  # each piece stands for an equal one
    assert len(set(pieces)) <= len(first) and (first[inverse] <= np.arange(500)).all()  # the first stands
    assert (len(first) > len(set(pieces))) == collides  # a collision: its pieces stand alone


@pytest.mark.parametrize(("largest_rank", "longest"), [(3, 2), (300, 5), (70_000, 4)])
def test_a_table_of_packed_keys_finds_exactly_its_sequences(largest_rank, longest):
    """(300, 5): 9 bits a rank, one word; (70,000, 4): 17 bits, two words. Half the sequences held, inserted in
    two goes (the table grows between them)."""
    rng = np.random.default_rng(1)
    sequences = sorted(
        {tuple(rng.integers(1, largest_rank + 1, rng.integers(1, longest + 1))) for _ in range(3000)}
    )
    packing = Packing(largest_rank, longest)
    table = KeyTable(packing.words)
    held = sequences[0::2]
    for first, part in ((0, held[: len(held) // 3]), (len(held) // 3, held[len(held) // 3 :])):
        keys = packing.pack(np.concatenate(part), np.array([len(s) for s in part]))
        table.insert(keys, np.arange(first + 1, first + 1 + len(part)))
    expected = {s: i for i, s in enumerate(held, start=1)}
    keys = packing.pack(np.concatenate(sequences), np.array([len(s) for s in sequences]))
    assert table.find(keys).tolist() == [expected.get(s, 0) for s in sequences]
    assert packing.words == (2 if largest_rank == 70_000 else 1)
