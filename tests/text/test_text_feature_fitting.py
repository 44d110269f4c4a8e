"""fit_text_features: a group of n-grams left empty is a one-line error naming the group and what to change, not
a confusing ``text_feature_groups`` error from the config built on it. (The rows themselves are compared with
scikit-learn's in tests/training/test_linear_fit.py.)"""

import pytest

from rnn_models.text.text_feature_fitting import fit_text_features

WORDS = r"no word n-grams \(1, 2\) \(words of 2\+ letters or digits\) appear in at least min_df=2 of the"


@pytest.mark.parametrize(
    ("texts", "options", "message"),
    [
        (["a b c", "a b d", "b 1 2"], {}, WORDS + " 3 training texts"),  # no word of 2 letters
        (["you idiot", "thanks a lot"], {}, WORDS + " 2 training texts"),  # min_df removed every word
        (["you idiot you idiot"], {}, WORDS + " 1 training texts"),  # fewer texts than min_df
        (["", "  "], {"min_df": 1}, r"no word n-grams .* min_df=1 of the 2 training texts"),
        (
            ["ab-cd", "ab-xy"],
            {"char_range": (6, 6)},
            r"no character n-grams \(6, 6\) appear in at least min_df=2",
        ),
    ],
)
def test_an_empty_group_says_which_n_grams_and_what_to_change(texts, options, message):
    with pytest.raises(ValueError, match=message) as raised:
        fit_text_features(texts, **options)
    assert "\n" not in str(raised.value)
    assert str(raised.value).endswith(
        "a lower min_df, or turn the raw-text features off (--text_features false)"
    )


def test_both_groups_found_give_ids_after_padding_words_then_characters():
    fitted = fit_text_features(["ab-cd", "ab-xy"], char_range=(4, 4))
    assert fitted.vocabulary.words == ["ab"]
    assert fitted.vocabulary.group_starts == [1, 2] and fitted.idf.shape == (fitted.vocabulary.size,)
