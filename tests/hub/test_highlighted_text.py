"""The explained comment as Markdown: marked words, and a comment that cannot break the card."""

import html
import re

import pytest

from rnn_models.hub.highlighted_text import escape_markdown, explained_example_text, highlighted_markdown

NASTY = (
    "# Heading?\n\n- a list\n1. item\n> quote\n---\n| a | b |\n|---|---|\n*stars* _under_ **bold** ~~gone~~ "
    "`code` ```fence``` <script>alert('x')</script> <b>b</b> &amp; [link](http://x) ![img](y.png) $x^2$ \\ "
    "path\\to  a\ttab\r\nend"
)


def rendered(markdown: str) -> str:
    """HTML as a CommonMark renderer with GitHub's tables and strike-through makes it (the Hub renders so)."""
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def test_a_comment_full_of_markup_renders_as_its_own_text_in_one_quoted_paragraph():
    words = [
        (word, 1.0 if word == "*stars*" else -1.0 if word == "<b>b</b>" else 0.0) for word in NASTY.split()
    ]
    page = rendered(f"> {highlighted_markdown(words)}\n")
    tags = re.findall(r"</?([a-z0-9]+)", page)
    assert sorted(set(tags)) == ["blockquote", "em", "p", "strong", "sup"]
    assert (
        tags.count("strong") == tags.count("em") == 2 and tags.count("sup") == 4
    )  # one bold, one italic word
    text = html.unescape(re.sub(r"<[^>]+>", "", page)).strip()
    assert text == " ".join(NASTY.split()).replace("*stars*", "*stars*+1.00").replace(
        "<b>b</b>", "<b>b</b>-1.00"
    )


@pytest.mark.parametrize(
    "line", ["- no list", "+ no list", "1. no list", "2) no list", "---", "***", "> x", "#x"]
)
def test_nothing_at_the_start_of_the_quote_opens_a_block(line):
    page = rendered(f"> {escape_markdown(line)}\n")
    assert re.findall(r"<([a-z0-9]+)", page) == ["blockquote", "p"]
    assert html.unescape(re.sub(r"<[^>]+>", "", page)).strip() == line


def test_only_words_moving_the_logit_by_a_tenth_of_the_largest_move_are_marked():
    words = [("big", 3.0), ("small", 0.29), ("against", -0.31), ("nothing", 0.0)]
    assert highlighted_markdown(words) == "**big**<sup>+3.00</sup> small *against*<sup>-0.31</sup> nothing"
    assert highlighted_markdown([("all", 0.0), ("zero", 0.0)]) == "all zero"
    assert highlighted_markdown([]) == ""


def test_the_section_says_the_score_and_that_the_words_add_up_to_the_logit_minus_the_baseline():
    example = {
        "text": "you stupid idiot",
        "label": "toxic",
        "true_label": 1,
        "score": 0.912345,
        "logit": 2.34,
        "baseline_logit": -0.5,
        "words": [
            {"word": "you", "start": 0, "end": 3, "contribution": 0.04},
            {"word": "stupid", "start": 4, "end": 10, "contribution": 1.3},
            {"word": "idiot", "start": 11, "end": 16, "contribution": 1.5},
        ],
    }
    text = explained_example_text(example)
    assert "\n\n> you **stupid**<sup>+1.30</sup> **idiot**<sup>+1.50</sup>\n\n" in text
    assert "Score for `toxic`: **0.9123** (logit 2.34 = baseline -0.50 + the words' 2.84)." in text
    assert "labelled `toxic`" in text and "`rnn-models predict --explain`" in text
    assert "not labelled `toxic`" in explained_example_text(example | {"true_label": 0})
