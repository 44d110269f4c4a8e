"""Are the explanations faithful? Deleting the words they rank first must lower the score more than deleting
random words (the deletion test of the attribution literature, e.g. DeYoung et al.'s "comprehensiveness").

For each text: the score of a label, the score with the ``k`` words of highest contribution toward the label
deleted (`rnn_models.serving.explanations`), and the score with ``k`` words drawn at random deleted. A word
is deleted with its span: the text around it is kept as it was.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .explanations import explain
from .inference import predict_scores

__all__ = ["DeletionTest", "delete_spans", "deletion_test"]


@dataclass
class DeletionTest:
    """Mean score drops over ``texts`` texts: top-``k`` words deleted against ``k`` random words deleted."""

    texts: int
    k: int
    score: float
    top_drop: float
    random_drop: float

    @property
    def ratio(self) -> float:
        """How many times more the top words' deletion lowers the score than random words' deletion."""
        return self.top_drop / self.random_drop if self.random_drop else float("inf")

    def to_dict(self) -> dict:
        return {**self.__dict__, "ratio": self.ratio}


def delete_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without the characters of ``spans`` (each ``(start, end)``), the rest kept as it was.

    Example:
        >>> delete_spans("you are an idiot!", [(0, 3), (11, 17)])
        ' are an '
    """
    kept, end = [], 0
    for start, stop in sorted(spans):
        kept.append(text[end:start])
        end = max(end, stop)
    return "".join(kept) + text[end:]


def deletion_test(
    model, tokenizer, texts: Sequence[str], label: str | None = None, k: int = 3, seed: int = 0
) -> DeletionTest:
    """Mean drop of ``label``'s score (the first label by default) when the ``k`` words with the highest
    contribution toward it are deleted, and when ``k`` random words are (one draw per text, seeded).

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["you are an idiot", "thanks a lot"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> result = deletion_test(model, tokenizer, ["you are an idiot", "thanks a lot"], k=1)
        >>> result.texts, result.k
        (2, 1)
    """
    if not texts:
        raise ValueError("deletion_test: no texts to delete words from")
    label = label or model.config.id2label[0]
    column = [model.config.id2label[i] for i in range(model.config.num_labels)].index(label)
    rng = random.Random(seed)
    top, drawn = [], []
    for result in explain(model, list(texts), tokenizer, labels=[label]):
        words = result.labels[label].words
        ranked = sorted(words, key=lambda word: -word.contribution)[:k]
        top.append(delete_spans(result.text, [(word.start, word.end) for word in ranked]))
        picked = rng.sample(words, min(k, len(words)))
        drawn.append(delete_spans(result.text, [(word.start, word.end) for word in picked]))
    scores = predict_scores(model, tokenizer, [*texts, *top, *drawn])[:, column]
    original, without_top, without_random = np.split(scores, 3)
    return DeletionTest(
        texts=len(texts),
        k=k,
        score=float(original.mean()),
        top_drop=float((original - without_top).mean()),
        random_drop=float((original - without_random).mean()),
    )
