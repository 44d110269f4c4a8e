"""The card's explained comment as Markdown: words in bold or italics by their contribution (text in, text out).

The comment is a user's text: every character Markdown or HTML would read as markup is escaped, and its
whitespace (newlines included) becomes single spaces, so no comment can open a heading, list, table, link,
code span or HTML element in the card.
"""

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["MARKED_SHARE", "escape_markdown", "explained_example_text", "highlighted_markdown"]

MARKED_SHARE = 0.1  # words moving the logit by less than this share of the largest move stay plain
_ESCAPED = re.compile(r"([\\`*_\[\]|~#$])")  # emphasis, code, links, tables, strike-through, headings, math
_LINE_START = re.compile(
    r"^(\d*)([-+.)])"
)  # a list item or a rule at a line's start: `- `, `+ `, `1. `, `2) `
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown: markup characters backslash-escaped, ``& < >`` as HTML entities, every run
    of whitespace one space (so a comment cannot end the paragraph it stands in).

    Example:
        >>> print(escape_markdown("*you* <b>idiot</b>\\n# 1. `x` | [a](b) & $1_000"))
        \\*you\\* &lt;b&gt;idiot&lt;/b&gt; \\# 1. \\`x\\` \\| \\[a\\](b) &amp; \\$1\\_000
        >>> print(escape_markdown("- no list"), "/", escape_markdown("2. no list"), "/", escape_markdown("> no quote"))
        \\- no list / 2\\. no list / &gt; no quote
    """
    text = _ESCAPED.sub(r"\\\1", " ".join(text.split()))
    text = _LINE_START.sub(r"\1\\\2", text)
    return "".join(_HTML.get(char, char) for char in text)


def highlighted_markdown(words: Sequence[tuple[str, float]], share: float = MARKED_SHARE) -> str:
    """The words, escaped, joined by spaces: those pushing the logit up in bold and those pushing it down in
    italics, each with its contribution in ``<sup>``, when it is at least ``share`` of the largest in size.

    Example:
        >>> print(highlighted_markdown([("You", 0.05), ("idiot!", 2.1), ("thanks", -0.4), ("x_y", 0.01)]))
        You **idiot!**<sup>+2.10</sup> *thanks*<sup>-0.40</sup> x\\_y
    """
    largest = max((abs(contribution) for _, contribution in words), default=0.0)
    pieces = []
    for word, contribution in words:
        text = escape_markdown(word)
        if largest > 0 and abs(contribution) >= share * largest:
            marker = "**" if contribution > 0 else "*"
            text = f"{marker}{text}{marker}<sup>{contribution:+.2f}</sup>"
        pieces.append(text)
    return " ".join(pieces)


def explained_example_text(example: dict[str, Any], share: float = MARKED_SHARE) -> str:
    """The card section's body for an ``explained_example.json`` (`rnn_models.serving.explained_example`): the
    highlighted comment as a quote, its score, and what the numbers are.

    Example:
        >>> example = {"text": "You idiot!", "label": "toxic", "true_label": 1, "score": 0.9, "logit": 2.2,
        ...            "baseline_logit": 0.1, "words": [{"word": "You", "contribution": 0.0},
        ...                                             {"word": "idiot!", "contribution": 2.1}]}
        >>> print(explained_example_text(example).splitlines()[2])
        > You **idiot!**<sup>+2.10</sup>
    """
    label = example["label"]  # a column name, shown in code as the rest of the card shows it
    words = [(word["word"], float(word["contribution"])) for word in example["words"]]
    total = sum(contribution for _, contribution in words)
    truth = "labelled" if example.get("true_label") else "not labelled"
    return (
        f"A comment of the validation split, {truth} `{label}` in the data. Words in **bold** pushed the model's "
        f"`{label}` logit up, words in *italics* pushed it down, by the number beside them; the other words "
        f"moved it by less than {share:.0%} of the largest move.\n\n"
        f"> {highlighted_markdown(words, share)}\n\n"
        f"Score for `{label}`: **{example['score']:.4f}** (logit {example['logit']:.2f} = baseline "
        f"{example['baseline_logit']:.2f} + the words' {total:.2f}).\n\n"
        "The numbers are each word's contribution to the logit: Integrated Gradients for the recurrent part, exact "
        "shares for the n-gram parts where the model has them. The baseline is the same text read with the padding "
        "vector at every word and no n-grams; the contributions add up to the logit minus the baseline's. "
        "`rnn-models predict --explain` gives the same for any text."
    )
