"""`keras_pad` is Keras's pad_sequences on the real tokens, wherever the caller's padding put them."""

import os
import random

os.environ.setdefault("KERAS_BACKEND", "torch")  # before keras is imported

import pytest
import torch

from rnn_models.model.keras_padding import keras_pad


def pad_sequences(sequences, maxlen, padding, truncating):
    """keras.utils.pad_sequences for lists of ints, written out (Keras itself is an optional extra)."""
    rows = []
    for sequence in sequences:
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        fill = [0] * (maxlen - len(kept))
        rows.append(fill + kept if padding == "pre" else kept + fill)
    return rows


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("caller_side", ["left", "right"])
def test_keras_pad_equals_pad_sequences_of_the_real_tokens(padding, truncating, caller_side):
    rng = random.Random(0)
    for _ in range(50):
        width, maxlen = rng.randint(0, 9), rng.randint(1, 8)
        sequences = [
            [rng.randint(1, 9) for _ in range(rng.randint(0, width))] for _ in range(rng.randint(1, 5))
        ]
        ids, mask = torch.zeros(len(sequences), width, dtype=torch.long), torch.zeros(len(sequences), width)
        for row, sequence in enumerate(sequences):
            start = width - len(sequence) if caller_side == "left" else 0
            ids[row, start : start + len(sequence)] = torch.tensor(sequence, dtype=torch.long)
            mask[row, start : start + len(sequence)] = 1
        expected = pad_sequences(sequences, maxlen, padding, truncating)
        assert keras_pad(ids, mask, maxlen, padding, truncating).tolist() == expected


def test_keras_pad_matches_keras_itself():
    keras = pytest.importorskip("keras")
    sequences = [[3, 4, 5, 6, 7, 8], [1], [], [2, 9, 4]]
    ids = torch.tensor([[3, 4, 5, 6, 7, 8], [1, 0, 0, 0, 0, 0], [0] * 6, [2, 9, 4, 0, 0, 0]])
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            expected = keras.utils.pad_sequences(sequences, maxlen=4, padding=padding, truncating=truncating)
            assert keras_pad(ids, ids != 0, 4, padding, truncating).tolist() == expected.tolist()
