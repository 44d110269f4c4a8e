"""What a moderator sees beyond ranking: disguised insults and false alarms on ordinary text from elsewhere.

Used by ``benchmark.py quality --robustness``, for ours and the peers alike, each trained on the same rows:

- **Disguised words.** The ``k`` most toxic-indicative words of the *training* split (naive Bayes log-count
  ratio of the words, seen in at least ``min_count`` toxic comments) are rewritten in the validation comments
  the way people slip insults past filters: a vowel starred (``f*ck``), a leetspeak digit (``id1ot``), a letter
  repeated (``stuuupid``) or dots between letters (``s.h.i.t``), one disguise drawn per occurrence, case kept.
  The figure is the ROC AUC drop from the clean to the disguised validation comments.
- **False alarms.** The share of the VADER tweets that human raters scored non-negative (mean rating >= 0;
  Hutto & Gilbert 2014, shipped in the vaderSentiment 3.3.2 source distribution) scored above 0.5, and the
  scores of texts with no evidence (``""``, ``"hello"``, ...) beside the training base rate.

    >>> disguise("You are an idiot, IDIOT!", ["idiot"], random.Random(0)) != "You are an idiot, IDIOT!"
    True
"""

import random
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

__all__ = ["PROBES", "benign_tweets", "disguise", "robustness_figures", "robustness_texts", "toxic_words"]

PROBES = ("", "hello", "lol", "thanks", "ok", "good morning")
_VOWELS = "aeiouAEIOU"
_LEET = {"i": "1", "o": "0", "e": "3", "a": "@", "I": "1", "O": "0", "E": "3", "A": "@"}
_WORD = re.compile(r"(?u)\b\w\w+\b")


def _star(word: str, rng: random.Random) -> str | None:
    inner = [i for i, c in enumerate(word) if c in _VOWELS and 0 < i < len(word) - 1]
    i = rng.choice(inner) if inner else None
    return None if i is None else word[:i] + "*" + word[i + 1 :]


def _leet(word: str, rng: random.Random) -> str | None:
    places = [i for i, c in enumerate(word) if c in _LEET]
    i = rng.choice(places) if places else None
    return None if i is None else word[:i] + _LEET[word[i]] + word[i + 1 :]


def _repeat(word: str, rng: random.Random) -> str | None:
    places = [i for i, c in enumerate(word) if c in _VOWELS] or [i for i, c in enumerate(word) if c.isalpha()]
    i = rng.choice(places) if places else None
    return None if i is None else word[: i + 1] + word[i] * rng.choice((2, 3)) + word[i + 1 :]


def _dots(word: str, rng: random.Random) -> str | None:
    return ".".join(word) if len(word) > 1 else None


def _disguise_word(word: str, rng: random.Random) -> str:
    for method in rng.sample(
        (_star, _leet, _repeat, _dots), 4
    ):  # a random method, else the next that applies
        out = method(word, rng)
        if out is not None and out != word:
            return out
    return word


def disguise(text: str, words: Sequence[str], rng: random.Random) -> str:
    """Every whole-word occurrence of ``words`` in ``text`` (any case) rewritten with one random disguise."""
    if not words:
        return text
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"\b({alternatives})\b", re.IGNORECASE)
    return pattern.sub(lambda m: _disguise_word(m.group(0), rng), text)


def toxic_words(texts: Sequence[str], labels: Sequence[int], k: int = 30, min_count: int = 10) -> list[str]:
    """The ``k`` alphabetic words whose presence most favours the positive label (training texts only)."""
    labels = np.asarray(labels).astype(bool)
    positive, negative = Counter(), Counter()
    for text, label in zip(texts, labels, strict=True):
        (positive if label else negative).update({w for w in _WORD.findall(text.lower()) if w.isalpha()})
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    ratio = {
        w: np.log((positive[w] + 1) / (n_pos + 1)) - np.log((negative[w] + 1) / (n_neg + 1))
        for w, count in positive.items()
        if count >= min_count
    }
    return sorted(ratio, key=lambda w: (-ratio[w], w))[:k]


def benign_tweets() -> list[str]:
    """The VADER tweets rated non-negative by their human raters (fetched once with pip, see bench_data)."""
    import csv

    from bench_data import vader_csv

    with open(vader_csv(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [r["comment_text"] for r in rows if r["id"].startswith("tweets") and float(r["rating"]) >= 0]


def robustness_texts(train_texts, train_labels, valid_texts, seed: int = 42) -> dict[str, list[str]]:
    """The extra texts every model scores: the disguised validation comments, benign tweets, the probes."""
    words = toxic_words(train_texts, train_labels)
    rng = random.Random(seed)
    return {
        "disguised": [disguise(t, words, rng) for t in valid_texts],
        "benign": benign_tweets(),
        "probes": list(PROBES),
    }


def robustness_figures(valid_scores, scored: dict[str, np.ndarray], valid_labels, base_rate: float) -> dict:
    """ROC AUC drop under disguise, share of benign texts flagged at p > 0.5, probe scores (first label)."""
    from sklearn.metrics import roc_auc_score

    clean = roc_auc_score(valid_labels, valid_scores)
    disguised = roc_auc_score(valid_labels, scored["disguised"])
    return {
        "roc_auc_disguised": round(float(disguised), 5),
        "disguise_drop": round(float(clean - disguised), 5),
        "benign_flagged_share": round(float(np.mean(scored["benign"] > 0.5)), 5),
        "benign_texts": len(scored["benign"]),
        "probes": {p: round(float(s), 4) for p, s in zip(PROBES, scored["probes"], strict=True)},
        "train_base_rate": round(float(base_rate), 4),
    }
