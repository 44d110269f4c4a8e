"""The raw-text features equal scikit-learn's analyzers and counts, on real comments and on hard cases."""

from collections import Counter

import numpy as np
import pytest
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
