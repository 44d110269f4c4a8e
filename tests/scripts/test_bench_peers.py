"""The benchmark's linear peers (scripts/bench_peers.py): NB ratios by hand, nothing learnt from validation."""

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench_peers

# 4 documents x 3 features; documents 0 and 2 positive
COUNTS = sp.csr_matrix(np.array([[1, 0, 2], [0, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=float))
LABELS = np.array([1, 0, 1, 0])


@pytest.mark.parametrize(
    ("norm", "expected"),
    [
        # p = 1 + [2, 1, 2] = [3, 2, 3], q = 1 + [0, 1, 1] = [1, 2, 2]
        ("rows", [3 / 3 / (1 / 3), 2 / 3 / (2 / 3), 3 / 3 / (2 / 3)]),  # / (2 rows + 1) each side
        ("l1", [3 / 8 / (1 / 5), 2 / 8 / (2 / 5), 3 / 8 / (2 / 5)]),  # / |p|_1 = 8, / |q|_1 = 5
    ],
)
def test_nb_ratio_equals_hand_computation(norm, expected):
    np.testing.assert_allclose(bench_peers.nb_ratio(COUNTS, LABELS, norm=norm), np.log(expected))


def test_nb_ratio_rejects_unknown_norm():
    with pytest.raises(ValueError, match="norm='l2' is invalid"):
        bench_peers.nb_ratio(COUNTS, LABELS, norm="l2")


def test_howard_tokenize_splits_punctuation():
    assert bench_peers.howard_tokenize("You're a *jerk*!\n") == ["You", "'", "re", "a", "*", "jerk", "*", "!"]


def _toy_corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    rude, kind = ["idiot", "stupid", "loser"], ["thanks", "nice", "great"]
    filler = ["the", "page", "edit", "talk"]
    labels = (rng.random((n, 2)) < [0.4, 0.3]).astype(int)
    texts = []
    for toxic, insult in labels:
        words = [*rng.choice(filler, 4), rng.choice(rude if toxic else kind), *(["moron"] if insult else [])]
        texts.append(" ".join(rng.permutation(words)))
    return texts, labels


FAST = {"c_grid": (0.5, 4.0), "folds": 3}


@pytest.mark.parametrize("peer", [bench_peers.tfidf_lr, bench_peers.nb_lr])
def test_validation_rows_never_shape_the_fit(peer):
    """C, the CV curve and a validation row's score do not depend on the other validation texts."""
    train_texts, y_train = _toy_corpus(60, seed=0)
    valid_texts, _ = _toy_corpus(20, seed=1)
    full = peer(train_texts, y_train[:, 0], valid_texts, seed=3, **FAST)
    half = peer(train_texts, y_train[:, 0], valid_texts[:10], seed=3, **FAST)
    assert full.c == half.c and full.cv_roc_auc == half.cv_roc_auc
    np.testing.assert_allclose(full.scores[:10], half.scores)


def test_labels_in_columns_give_score_columns():
    """1-D labels give 1-D scores; a label matrix gives one column per label, each its own model."""
    train_texts, y_train = _toy_corpus(60, seed=0)
    valid_texts, y_valid = _toy_corpus(20, seed=1)
    both = bench_peers.nb_lr(train_texts, y_train, valid_texts, **FAST)
    second = bench_peers.nb_lr(train_texts, y_train[:, 1], valid_texts, **FAST)
    assert both.scores.shape == (20, 2) and second.scores.shape == (20,)
    np.testing.assert_allclose(both.scores[:, 1], second.scores)
    assert len(both.c) == len(both.cv_roc_auc) == 2
    assert np.corrcoef(both.scores[:, 1], y_valid[:, 1])[0, 1] > 0.5  # "moron" marks the second label


def test_too_few_positives_for_the_folds_is_an_error():
    train_texts, _ = _toy_corpus(30, seed=0)
    y = np.zeros(30, dtype=int)
    y[:2] = 1
    with pytest.raises(ValueError, match="2 positives in 30 rows: too few for 3-fold"):
        bench_peers.tfidf_lr(train_texts, y, train_texts[:5], **FAST)
