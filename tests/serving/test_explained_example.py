"""The card's explained validation comment: which row is chosen, and the file written for it."""

import json

import numpy as np
import pytest
from builders import scoring_model

from rnn_models.serving.explained_example import (
    EXPLAINED_EXAMPLE_FILE,
    READABLE_WORDS,
    example_row,
    write_explained_example,
)

SHORT = "you idiot"
READABLE = "you are a stupid idiot and a pathetic loser here"  # 10 words
LONG = " ".join(["idiot"] * (READABLE_WORDS[1] + 1))
CALM = "thanks for the great source and the fixed citation"  # 9 words

# (texts, scores, labels) -> the row chosen
CASES = {
    "the readable positive beats a higher-scored short one": (
        [SHORT, READABLE, CALM],
        [0.99, 0.7, 0.95],
        [1, 1, 0],
        1,
    ),
    "the median of the readable flagged positives, not the most extreme": (
        [READABLE, READABLE, READABLE, CALM, READABLE],
        [0.99, 0.7, 0.8, 0.9, 0.3],
        [1, 1, 1, 0, 1],
        2,
    ),
    "none flagged: the best-scored of the readable positives": (
        [READABLE, CALM, READABLE],
        [0.2, 0.9, 0.4],
        [1, 0, 1],
        2,
    ),
    "no readable positive: the shortest positive": ([LONG, SHORT, CALM], [0.99, 0.2, 0.9], [1, 1, 0], 1),
    "equally short positives: the best-scored": (
        [SHORT, "stupid loser", CALM],
        [0.2, 0.3, 0.9],
        [1, 1, 0],
        1,
    ),
    "no positive: the best-scored readable row": ([CALM, READABLE, SHORT], [0.4, 0.5, 0.9], [0, 0, 0], 1),
    "no positive and nothing readable: the shortest row": ([LONG, SHORT], [0.9, 0.1], [0, 0], 1),
    "a NaN score ranks last": ([READABLE, READABLE], [float("nan"), 0.1], [1, 1], 1),
    "an empty comment is never chosen": (["", "   ", SHORT], [0.9, 0.9, 0.1], [1, 1, 0], 2),
    "several labels: the first one decides": (
        [READABLE, CALM],
        [[0.1, 0.9], [0.8, 0.1]],
        [[0, 1], [1, 0]],
        1,
    ),
    "no word in any row": (["", " \n "], [0.5, 0.5], [1, 1], None),
    "an empty split": ([], np.zeros((0, 1)), np.zeros((0, 1)), None),
}


@pytest.mark.parametrize("texts, scores, labels, expected", list(CASES.values()), ids=list(CASES))
def test_the_chosen_row(texts, scores, labels, expected):
    assert example_row(texts, np.asarray(scores), np.asarray(labels)) == expected


def test_the_file_holds_the_comment_and_its_words_which_add_up_to_the_logit(tmp_path):
    model, tokenizer = scoring_model({})
    texts = ["thanks for the fix", "you idiot stop this  you stupid idiot,\nstop\tthis now"]
    example = write_explained_example(
        tmp_path, model, tokenizer, texts, np.array([0.9, 0.4]), np.array([0, 1])
    )
    assert json.loads((tmp_path / EXPLAINED_EXAMPLE_FILE).read_text()) == example
    assert (example["row"], example["text"], example["label"], example["true_label"]) == (
        1,
        texts[1],
        "LABEL_0",
        1,
    )
    assert [(w["word"], texts[1][w["start"] : w["end"]]) for w in example["words"]] == [
        (word, word) for word in texts[1].split()
    ]  # every whitespace-separated piece, in the text's order
    total = sum(word["contribution"] for word in example["words"])
    distance = example["logit"] - example["baseline_logit"]
    assert total == pytest.approx(distance, rel=0.01, abs=1e-5)
    assert 0 < example["score"] < 1


def test_an_empty_split_writes_no_file(tmp_path):
    model, tokenizer = scoring_model({})
    assert write_explained_example(tmp_path, model, tokenizer, [], np.zeros(0), np.zeros(0)) is None
    assert not (tmp_path / EXPLAINED_EXAMPLE_FILE).exists()
