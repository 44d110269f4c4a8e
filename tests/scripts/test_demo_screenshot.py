"""The demo page's browser check (scripts/demo_screenshot.py): its colour rules, and the page in headless Chromium
(skipped where playwright or Chromium is missing)."""

import re
import shutil
import sys
from pathlib import Path

import pytest
import torch

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.serving.demo_app import explain

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import demo_screenshot

RED, PURPLE = (*demo_screenshot.RED, 1.0), demo_screenshot.PURPLE
SEGMENTS = [("you", 2.0), (" ", None), ("idiot,", 4.0), ("  ", None), ("zzz", -1.0)]
SHOWN = [
    ("you", (*RED[:3], 0.5)),
    (" ", (0, 0, 0, 0)),
    ("idiot,", RED),
    ("  ", (0, 0, 0, 0)),
    ("zzz", (*PURPLE, 0.25)),
]


@pytest.mark.parametrize(
    ("shown", "problem"),
    [
        (SHOWN, None),
        (
            [*SHOWN[:4], ("zzz", (*RED[:3], 0.25))],
            r"'zzz' is rgba\(239, 68, 60, 0.25\), expected \(128, 90, 213\)",
        ),
        ([*SHOWN[:4], ("zzz", (*PURPLE, 1.0))], r"'zzz' .* expected \(128, 90, 213\) at 0.25"),
        ([SHOWN[0], (" ", RED), *SHOWN[2:]], r"' ' is rgba\(239, 68, 60, 1.0\), expected no colour"),
        (SHOWN[:3], r"the page shows \['you', ' ', 'idiot,'\]"),
    ],
    ids=["as explained", "wrong hue", "wrong opacity", "coloured whitespace", "words missing"],
)
def test_colour_problems_name_what_the_page_shows_wrong(shown, problem):
    problems = demo_screenshot.colour_problems(shown, SEGMENTS)
    if problem is None:
        assert problems == []
    else:
        assert any(re.search(problem, found) for found in problems), problems


def test_the_top_word_must_push_the_label_and_be_fully_red():
    assert demo_screenshot.top_word_problem(SHOWN, SEGMENTS) is None
    against = [(piece, None if value is None else -value) for piece, value in SEGMENTS]
    assert "pushed against the label" in demo_screenshot.top_word_problem(SHOWN, against)
    assert (
        demo_screenshot.top_word_problem([("   ", (0, 0, 0, 0))], [("   ", None)]) == "no word to highlight"
    )


def test_the_page_in_chromium_shows_the_text_coloured_as_explained():
    pytest.importorskip("gradio")
    pytest.importorskip("playwright")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium (apt-get install chromium)")
    texts = ["thanks for the fix", "you idiot stop this", "stupid idiot edit"]
    tokenizer = RNNTokenizerFast.from_texts(texts, max_length=20)
    torch.manual_seed(0)
    config = tiny_config(
        "bilstm", vocab_size=len(tokenizer), id2label={0: "toxic", 1: "insult"}, max_length=20,
        problem_type="multi_label_classification",
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    text = "You  idiot,\tstop this zzz!"
    with (
        demo_screenshot.served(model, tokenizer, title="test") as url,
        demo_screenshot.chromium_page(chromium) as page,
    ):
        shown = demo_screenshot.shown_segments(
            page, url, text, "insult"
        )  # the second label, picked in the page
    segments = explain(model, tokenizer, text, "insult")[1]
    assert "".join(piece for piece, _ in shown) == text
    assert demo_screenshot.colour_problems(shown, segments) == []
