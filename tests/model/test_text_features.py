"""The raw-text features equal scikit-learn's analyzers and counts, on real comments and on hard cases, and the
tokenizer's array path (`TextFeatureVocabulary.batch`) equals the one-text-at-a-time reference."""

import copy
import pickle
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from rnn_models.model.text_features import TextFeatureVocabulary, char_wb_ngrams, preprocess, word_ngrams
from rnn_models.text.tables import DEMO_DATA, load_table

HARD = [
    "",
    "   ",
    "f*ck off, id1ot!!! s.h.i.t stuuupid",
    "Café NAÏVE résumé — ﬁne ½ Ⅻ",
    "tabs\tand\nnewlines\r\n  and  runs",
    "a b c I x",
    "ÀÉÎÕÜ ǅ İstanbul ß ẞ",
    "😀 emoji 😀😀 and 中文字 and عربى",
    "don't won't it's you're",
]
# Unicode cases for the array path: whitespace kinds (str.split's, and look-alikes it keeps), combining marks,
# characters beyond the BMP, lower-casing that grows a text, compatibility forms, \w against symbols.
UNICODE = [
    "a\x1cb\x1dc\x1ed\x1fe f\x85g h\xa0i j\u1680k l\u2000m\u200an o\u2028p\u2029q r\u202fs\u205ft\u3000u",
    "zero\u200bwidth bom\ufeffhere mongolian\u180esep tab\tvt\x0bff\x0ccr\r",
    "e\u0301te\u0301 \u0301abc a\u0308\u0301b \u00c5 A\u030a \u0301 \u0301\u0301 x\u0301",
    "\u0939\u093f\u0928\u094d\u0926\u0940 \u0627\u064e\u0644\u0652 \u05e9\u05c1\u05dc\u05d5\u05b9\u05dd",
    "\U0001d518\U0001d52b\U0001d526 \U0001d7d9\U0001d7da\U0001d7db \U0001f469\u200d\U0001f4bb \U0001f44d\U0001f3fd \U0001f1fa\U0001f1f8",
    "\u0130stanbul \u0130\u0130 \u1e9e \u00df \u03a3 \u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3. \u01c5 \u01c8",
    "\ufb01 \ufb02\ufb00 \u216b \u00bd \u00b2\u00b3 \u2103 \u338f \u2160 \u2460\u2461 \uff21\uff22 \u3000\uff01",
    "snake_case __init__ a_b x\u00b2y \u2082 \u0661\u0662\u0663 \u00a3100 \u20ac5 a-b a'b a.b a\u00b7b \u203f\u2040 _",
    "!!! ??? ... *** --- ### @#$%^&*() \u2014\u2013 \U0001f600 \u200b\u200b",
    "a\x00b \x00 a\x7fb \ud800x y\udfff",
    "a" * 300 + " " + "ab" * 150 + " x I a b c d the the the the",
    "\u4e2d\u6587\u5b57\u4e2d\u6587\u5b57 \ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8 \u30ab\u30bf\u30ab\u30ca",
    "",
    " ",
    "\u3000\u2028",
]


def real_comments(n: int = 300) -> list[str]:
    return list(load_table(DEMO_DATA, "comment_text", ["toxic"])["comment_text"])[:n]


def sklearn_analyzer(analyzer: str, ngram_range: tuple[int, int]):
    vectorizer = CountVectorizer(
        analyzer=analyzer, ngram_range=ngram_range, strip_accents="unicode", lowercase=True
    )
    return vectorizer.build_analyzer()


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 2), (2, 3)])
def test_word_ngrams_equal_scikit_learns(ngram_range):
    reference = sklearn_analyzer("word", ngram_range)
    for text in HARD + real_comments():
        assert Counter(word_ngrams(preprocess(text), *ngram_range)) == Counter(reference(text)), text


@pytest.mark.parametrize("ngram_range", [(2, 5), (1, 3), (3, 6)])
def test_char_wb_ngrams_equal_scikit_learns(ngram_range):
    reference = sklearn_analyzer("char_wb", ngram_range)
    for text in HARD + real_comments():
        ours = [g for piece in preprocess(text).split() for g in char_wb_ngrams(piece, *ngram_range)]
        assert Counter(ours) == Counter(reference(text)), text


def test_the_vocabularys_counts_equal_scikit_learns_count_vectorizers():
    texts = real_comments(200) + HARD
    word = CountVectorizer(ngram_range=(1, 2), min_df=2, strip_accents="unicode").fit(texts[:150])
    char = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, strip_accents="unicode").fit(
        texts[:150]
    )
    words = sorted(word.vocabulary_, key=word.vocabulary_.get)
    chars = sorted(char.vocabulary_, key=char.vocabulary_.get)
    vocabulary = TextFeatureVocabulary(words=words, chars=chars)
    expected = np.hstack([word.transform(texts).toarray(), char.transform(texts).toarray()])

    ids, counts = vocabulary.batch(texts)
    ours = np.zeros((len(texts), vocabulary.size), dtype=np.int64)
    for row, (row_ids, row_counts) in enumerate(zip(ids, counts, strict=True)):
        ours[row, row_ids] += row_counts
    assert ours[:, 0].sum() == 0  # padding adds nothing
    np.testing.assert_array_equal(ours[:, 1:], expected)


def test_ids_ascend_and_rows_pad_with_zeros():
    vocabulary = TextFeatureVocabulary(words=["you", "idiot"], chars=[" y", "yo"], char_range=(2, 2))
    assert vocabulary.batch(["you idiot", "", "zzz"]) == ([[1, 2, 3, 4], [0, 0, 0, 0], [0, 0, 0, 0]],
                                                          [[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]])  # fmt: skip
    assert vocabulary.group_starts == [1, 3] and vocabulary.size == 5


def test_a_vocabulary_pickles_and_copies_after_a_batch():
    vocabulary = TextFeatureVocabulary(words=["you", "you idiot"], chars=[" y", "yo"], char_range=(2, 2))
    expected = vocabulary.batch(["you idiot you", "yo"])
    for again in (pickle.loads(pickle.dumps(vocabulary)), copy.deepcopy(vocabulary)):
        assert again == vocabulary and again.batch(["you idiot you", "yo"]) == expected


def test_a_round_trip_through_a_dict_keeps_the_features():
    vocabulary = TextFeatureVocabulary(
        words=["a b", "you"], chars=[" y"], word_range=(1, 3), char_range=(2, 4)
    )
    again = TextFeatureVocabulary.from_dict(vocabulary.to_dict())
    assert again.to_dict() == vocabulary.to_dict()
    assert again.features("you you") == vocabulary.features("you you") == ([2, 3], [2, 2])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"words": []}, r"features.json: missing field\(s\) \['chars'\]"),
        ({"words": ["a", "a"], "chars": []}, "repeats an n-gram"),
        ({"words": [], "chars": [], "char_range": [3, 2]}, r"char_range=\(3, 2\) is invalid"),
    ],
)
def test_a_bad_vocabulary_is_refused_in_one_line(data, message):
    with pytest.raises(ValueError, match=message):
        TextFeatureVocabulary.from_dict(data, "features.json")


def test_occurrences_spread_every_count_over_the_raw_texts_words():
    """`occurrences` finds exactly what `features` counts (shares add up per id), each in a word of the raw
    text, on real comments and on texts whose case folding or accent stripping changes their length."""
    texts = real_comments(1500)
    words = CountVectorizer(lowercase=True, strip_accents="unicode", ngram_range=(1, 2)).fit(texts[:1000])
    chars = CountVectorizer(
        lowercase=True, strip_accents="unicode", analyzer="char_wb", ngram_range=(2, 5), min_df=2
    ).fit(texts[:1000])
    vocabulary = TextFeatureVocabulary(
        words=sorted(words.vocabulary_), chars=sorted(chars.vocabulary_), word_range=(1, 2), char_range=(2, 5)
    )
    extra = ["a¨b c", "İstanbul ΟΔΟΣ", "x\xa0y  z\u2003w", "", "   ", "f*ck!!! you", "\u0301abc"]
    for text in texts + HARD + extra:
        ids, counts = vocabulary.features(text)
        spans, found = vocabulary.occurrences(text)
        assert [text[start:end] for start, end in spans] == text.split()
        shares = Counter()
        for i, word, share in found:
            assert 0 <= word < len(spans)
            shares[i] += share
        assert sorted(shares) == ids and all(
            abs(shares[i] - c) < 1e-9 for i, c in zip(ids, counts, strict=True)
        )


def reference(vocabulary: TextFeatureVocabulary, texts: list[str]) -> tuple[list[list[int]], list[list[int]]]:
    rows = [vocabulary.reference_features(text) for text in texts]
    return [ids for ids, _ in rows], [counts for _, counts in rows]


def fitted(texts: list[str], word_range=(1, 2), char_range=(2, 5), min_df=2) -> TextFeatureVocabulary:
    """The vocabulary scikit-learn fits on ``texts`` (as training does), n-grams in its order."""
    options = {"lowercase": True, "strip_accents": "unicode", "min_df": min_df}
    word = CountVectorizer(ngram_range=word_range, **options).fit(texts)
    char = CountVectorizer(analyzer="char_wb", ngram_range=char_range, **options).fit(texts)
    return TextFeatureVocabulary(
        words=sorted(word.vocabulary_, key=word.vocabulary_.get),
        chars=sorted(char.vocabulary_, key=char.vocabulary_.get),
        word_range=word_range,
        char_range=char_range,
    )


def test_batches_equal_one_text_at_a_time_on_real_comments_and_unicode_cases():
    texts = real_comments(1500)
    vocabulary = fitted(texts[:1000])
    texts = texts + HARD + UNICODE
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)
    assert vocabulary.batch(texts[::-1], pad=False) == reference(
        vocabulary, texts[::-1]
    )  # the cache now warm
    ids, counts = vocabulary.padded_arrays(texts)
    expected = vocabulary.batch(texts)
    assert (ids.tolist(), counts.tolist()) == expected and ids.shape == (len(texts), len(expected[0][0]))


@pytest.mark.parametrize(
    ("word_range", "char_range"),
    [((1, 2), (2, 5)), ((1, 1), (1, 3)), ((2, 3), (3, 6)), ((1, 3), (5, 7)), ((3, 3), (2, 2))],
)
def test_batches_equal_scikit_learns_counts_on_unicode_cases(word_range, char_range):
    """A vocabulary of every n-gram of the cases (min_df=1), so that nearly all are found; char_range (5, 7)
    counts the pieces whose padded form is shorter than 5 whole, once."""
    texts = UNICODE + HARD + real_comments(100)
    vocabulary = fitted(texts, word_range, char_range, min_df=1)
    options = {"lowercase": True, "strip_accents": "unicode"}
    word = CountVectorizer(ngram_range=word_range, vocabulary=vocabulary.words, **options)
    char = CountVectorizer(analyzer="char_wb", ngram_range=char_range, vocabulary=vocabulary.chars, **options)
    expected = np.hstack([word.transform(texts).toarray(), char.transform(texts).toarray()])
    offsets, ids, counts = vocabulary.arrays(texts)
    ours = np.zeros((len(texts), vocabulary.size), dtype=np.int64)
    ours[np.repeat(np.arange(len(texts)), np.diff(offsets)), ids] = counts
    np.testing.assert_array_equal(ours[:, 1:], expected)
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)


TRICKY = "aAbB \t\n\x1c\x85\xa0\u2003\u3000_-'.,!*1\u00b2\u0301\u0308\u0130\u00df\u03a3\ufb01\u00c5\U0001f600\U0001d518\u4e2d\u200b"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(st.text(alphabet=TRICKY, max_size=40), min_size=1, max_size=12),
    known=st.integers(0, 12),
    word_range=st.sampled_from([(1, 1), (1, 2), (2, 3), (1, 4)]),
    char_range=st.sampled_from([(1, 1), (2, 5), (1, 3), (4, 6), (3, 3)]),
)
def test_batches_equal_one_text_at_a_time_on_generated_texts(texts, known, word_range, char_range):
    """Any text: the vocabulary holds the n-grams of the first ``known`` texts, as the analyzers give them."""
    seen = [preprocess(text) for text in texts[:known]]
    words = list(dict.fromkeys(g for text in seen for g in word_ngrams(text, *word_range)))
    chars = list(
        dict.fromkeys(g for text in seen for p in text.split() for g in char_wb_ngrams(p, *char_range))
    )
    vocabulary = TextFeatureVocabulary(words=words, chars=chars, word_range=word_range, char_range=char_range)
    assert vocabulary.batch(texts, pad=False) == reference(vocabulary, texts)
