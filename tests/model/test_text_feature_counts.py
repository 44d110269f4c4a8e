"""`NgramCounter`'s less common paths give the reference's features too: many segments, chunks and cache
restarts, 64-bit sort keys, keys packed into several words, pieces whose hashes collide."""

import numpy as np
import pytest

import rnn_models.model.text_feature_arrays as arrays
import rnn_models.model.text_feature_counts as counts
from rnn_models.model.text_features import TextFeatureVocabulary, char_wb_ngrams, preprocess, word_ngrams
from rnn_models.text.tables import DEMO_DATA, load_table


@pytest.fixture(scope="module")
def texts() -> list[str]:
    comments = list(load_table(DEMO_DATA, "comment_text", ["toxic"])["comment_text"])[:150]
    return [*comments, "", "   ", "the the the", "İstanbul ΟΔΟΣ e\u0301", "\U0001f600 x\u3000y"]


def vocabulary_of(texts: list[str], word_range=(1, 2), char_range=(2, 5)) -> TextFeatureVocabulary:
    """Every n-gram of every other text: half the texts' n-grams are all known, the others' partly."""
    seen = [preprocess(text) for text in texts[::2]]
    words = dict.fromkeys(g for text in seen for g in word_ngrams(text, *word_range))
    chars = dict.fromkeys(g for text in seen for p in text.split() for g in char_wb_ngrams(p, *char_range))
    return TextFeatureVocabulary(list(words), list(chars), word_range=word_range, char_range=char_range)


def reference(vocabulary: TextFeatureVocabulary, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    rows = [vocabulary.reference_features(text) for text in texts]
    return [ids for ids, _ in rows], [c for _, c in rows]


def test_tiny_segments_chunks_and_a_cache_that_starts_over(texts, monkeypatch):
    vocabulary = vocabulary_of(texts)
    monkeypatch.setattr(counts, "_SEGMENT", 64)  # a few texts a segment
    monkeypatch.setattr(counts, "_CHUNK", 16)  # about one text a sort
    monkeypatch.setattr(counts, "_CACHE", 40)  # starts over every segment or two
    for _ in range(2):  # the second time, from a cache the first left
        assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)


def test_sort_keys_of_64_bits(texts, monkeypatch):
    monkeypatch.setattr(counts, "_KEY_ID_BITS", 0)  # as for a vocabulary of more than 2**24 n-grams
    vocabulary = vocabulary_of(texts)
    assert vocabulary.arrays(["x"])[1].dtype == np.int64 and vocabulary._counter.key_type is np.uint64
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)


def test_keys_of_several_words_for_a_large_alphabet_and_many_tokens():
    """5,000 characters need 13 bits a rank: a 5-gram takes two 64-bit words; 70,000 tokens need 17 bits: a
    word 4-gram takes two as well."""
    rng = np.random.default_rng(0)
    alphabet = [chr(0x4E00 + i) for i in range(5000)]
    tokens = [f"w{i}" for i in range(70_000)]
    texts = [
        " ".join("".join(rng.choice(alphabet, rng.integers(1, 7))) for _ in range(30)) for _ in range(20)
    ] + [" ".join(rng.choice(tokens, 40)) for _ in range(20)]
    seen = vocabulary_of(texts, word_range=(1, 4), char_range=(2, 5))
    words, chars = dict.fromkeys(seen.words + tokens), dict.fromkeys(seen.chars + alphabet)
    vocabulary = TextFeatureVocabulary(list(words), list(chars), word_range=(1, 4), char_range=(2, 5))
    vocabulary.arrays(["x"])
    assert vocabulary._counter.char_packing.words == 2 and vocabulary._counter.word_packing.words == 2
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)


def test_pieces_whose_hashes_collide_are_told_apart(texts, monkeypatch):
    monkeypatch.setattr(arrays, "_HASH_BASE", 1 << 32)  # base**2 is 0: only a piece's first character counts
    vocabulary = vocabulary_of(texts)
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)


def test_an_empty_batch_and_an_empty_vocabulary():
    vocabulary = TextFeatureVocabulary(words=[], chars=[])
    assert [a.tolist() for a in vocabulary.arrays([])] == [[0], [], []]
    assert vocabulary.batch(["you idiot", ""], pad=False) == ([[], []], [[], []])
    assert [a.shape for a in vocabulary.padded_arrays(["a", "b"])] == [(2, 0), (2, 0)]
