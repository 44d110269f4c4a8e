"""The list builders of the batch path equal the padded arrays' ``tolist()``, and every row is its own list."""

import numpy as np
import pytest

from rnn_models.text.keras_sequences import pad_batch, pad_lists, split_lists

FLAT = np.arange(1, 16)  # ids 1..15
LENGTHS = np.array([0, 4, 1, 7, 3])  # an empty text, a long one, ...


@pytest.mark.parametrize("length", [1, 3, 7, 10])
@pytest.mark.parametrize("padding_side", ["left", "right"])
@pytest.mark.parametrize("truncation_side", ["left", "right"])
@pytest.mark.parametrize("with_mask", [True, False])
def test_pad_lists_is_pad_batch_as_lists(length, padding_side, truncation_side, with_mask):
    ids, mask = pad_batch(FLAT, LENGTHS, length, padding_side, truncation_side, with_mask)
    lists = pad_lists(FLAT, LENGTHS, length, padding_side, truncation_side, with_mask)
    assert lists == (ids.tolist(), mask.tolist() if with_mask else None)


def test_pad_lists_rows_are_independent_lists():
    ids, mask = pad_lists(np.array([5, 6]), np.array([1, 1, 0, 0]), 3)
    ids[0][0], mask[0][0], mask[2][0] = 9, 7, 8  # rows of equal length share nothing
    assert ids == [[9, 0, 5], [0, 0, 6], [0, 0, 0], [0, 0, 0]]
    assert mask == [[7, 0, 1], [0, 0, 1], [8, 0, 0], [0, 0, 0]]


@pytest.mark.parametrize("max_length", [None, 1, 3, 10])
@pytest.mark.parametrize("truncation_side", ["left", "right"])
def test_split_lists_cuts_each_sequence(max_length, truncation_side):
    sequences = np.split(FLAT, np.cumsum(LENGTHS)[:-1])
    cut = max_length or 99
    expected = [
        (s[-cut:] if truncation_side == "left" else s[:cut]).tolist() if len(s) else [] for s in sequences
    ]
    ids, mask = split_lists(FLAT, LENGTHS, max_length, truncation_side)
    assert ids == expected
    assert mask == [[1] * len(row) for row in expected]
    mask[1][0] = 5
    assert mask[3][0] == 1  # masks of the rows are separate lists
