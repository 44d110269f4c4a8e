"""One real validation comment, explained for the model card: ``explained_example.json`` in the model folder.

For the first label, the comment is a typical flag: the median-scored of the true positives of readable length
(`READABLE_WORDS`) that the model flags (score above 0.5), not the most extreme one; else the best-scored
readable true positive, else the shortest true positive; without a true positive, the same choice among all the
rows. Its words' contributions to the label's logit come from `explanations.explain`, as ``predict --explain``
gives them; `rnn_models.hub.card_facts` reads the file back and the card shows the comment highlighted.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..training.outputs import write_json
from .explanations import explain

__all__ = [
    "EXPLAINED_EXAMPLE_FILE",
    "READABLE_WORDS",
    "example_row",
    "explained_example",
    "write_explained_example",
]

EXPLAINED_EXAMPLE_FILE = "explained_example.json"
READABLE_WORDS = (8, 60)  # a comment the card can show whole and a reader reads at a glance


def example_row(texts: Sequence[str], scores: np.ndarray, labels: np.ndarray) -> int | None:
    """The row to explain: the first label's median-scored flagged (score > 0.5) true positive with `READABLE_WORDS`
    words, else the best-scored true positive with `READABLE_WORDS` words, else the
    shortest true positive (the best-scored of those), else the same choice among all rows with a word; None
    when no row has one. ``scores`` and ``labels``: ``(rows,)`` or ``(rows, labels)``; a NaN score ranks last.

    Example:
        >>> texts = ["you idiot", "you are a stupid idiot and a pathetic loser", "thanks for the great source here"]
        >>> example_row(texts, np.array([0.99, 0.9, 0.1]), np.array([1, 1, 0]))  # readable beats higher-scored
        1
        >>> example_row(texts[::2], np.array([0.99, 0.1]), np.array([1, 0]))  # no readable positive: the shortest
        0
        >>> example_row(["", "  "], np.array([0.5, 0.5]), np.array([1, 1])) is None  # no words
        True
    """
    words = np.array([len(text.split()) for text in texts], dtype=np.int64)
    if not words.any():
        return None
    first = _first_label(scores, len(words))
    first = np.where(np.isnan(first), -np.inf, first)
    positive = _first_label(labels, len(words)) > 0.5
    low, high = READABLE_WORDS
    for pool in (positive & (words > 0), words > 0):
        readable = np.flatnonzero(pool & (words >= low) & (words <= high))
        flagged = readable[first[readable] > 0.5]
        if len(flagged):  # a typical flag, not the most extreme one (the card shows it to every reader)
            return int(flagged[np.argsort(first[flagged], kind="stable")[(len(flagged) - 1) // 2]])
        if len(readable):
            return int(readable[np.argmax(first[readable])])
        rows = np.flatnonzero(pool)
        if len(rows):
            return int(rows[np.lexsort((-first[rows], words[rows]))[0]])  # fewest words, then best-scored
    return None


def _first_label(values: np.ndarray, rows: int) -> np.ndarray:
    """The first label's column of ``(rows,)`` or ``(rows, labels)`` values, as float64."""
    return np.asarray(values, dtype=np.float64).reshape(rows, -1)[:, 0]


def explained_example(
    model, tokenizer, texts: Sequence[str], scores: np.ndarray, labels: np.ndarray
) -> dict[str, Any] | None:
    """`example_row`'s comment explained for the first label, as plain data (None when there is no row).

    Keys: ``row`` (in the validation split), ``text``, ``label``, ``true_label`` (0 or 1), ``score``, ``logit``,
    ``baseline_logit`` and ``words`` in the text's order (``word``, ``start``, ``end``, ``contribution``,
    ``text[start:end] == word``), whose contributions add up to ``logit - baseline_logit``.
    """
    row = example_row(texts, scores, labels)
    if row is None:
        return None
    label = model.config.id2label[0]
    [result] = explain(model.eval(), texts[row], tokenizer, labels=[label])
    explanation = result.labels[label]
    return {
        "row": row,
        "text": texts[row],
        "label": label,
        "true_label": int(_first_label(labels, len(texts))[row] > 0.5),
        "score": round(explanation.score, 6),
        "logit": round(explanation.logit, 6),
        "baseline_logit": round(explanation.baseline_logit, 6),
        "words": [word.to_dict() for word in explanation.words],
    }


def write_explained_example(
    folder: str | Path, model, tokenizer, texts: Sequence[str], scores: np.ndarray, labels: np.ndarray
) -> dict[str, Any] | None:
    """Writes `explained_example` to ``folder/explained_example.json`` (atomically); nothing for an empty split."""
    example = explained_example(model, tokenizer, texts, scores, labels)
    if example is not None:
        write_json(Path(folder) / EXPLAINED_EXAMPLE_FILE, example)
    return example
