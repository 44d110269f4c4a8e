"""Fitting the linear part over the raw text's n-grams as NB-LR: naive Bayes log-count ratios, then logistic regression.

The rows are the model's own (`TextFeatureLogits.rows`: sublinear tf x idf, one L2 norm per group), built here
with scipy from the tokenizer's ``text_feature_ids`` / ``text_feature_counts``. Each label gets Howard's NB-SVM
recipe: r = log((p / |positives|) / (q / |negatives|)) with p, q the feature sums of the positive / negative rows
plus 1, the rows scaled by r, then scikit-learn's liblinear logistic regression. The model stores r x coefficient
and the intercept, so its logit equals the fitted model's ``decision_function`` (tested).
"""

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["LinearFit", "fit_linear_part", "label_folds", "nb_ratio", "tfidf_rows"]


@dataclass
class LinearFit:
    """What the fit chose, per label, and the out-of-fold logits of the training rows when asked for.

    ``folds[k]`` is the number of cross-validation folds label ``k`` had (at most the fit's ``folds``, at most
    the count of its rarer class; 0 when that class is too rare for any: C is then the grid's middle value,
    and ``notes[k]`` says so)."""

    c: list[float] = field(default_factory=list)
    cv_roc_auc: list[list[float | None]] = field(
        default_factory=list
    )  # mean fold ROC AUC per C (None: not tried)
    folds: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    out_of_fold: np.ndarray | None = None  # (rows, labels) decision function of models that never saw the row


def tfidf_rows(ids: Sequence[Sequence[int]], counts: Sequence[Sequence[int]], idf: np.ndarray,
               group_starts: Sequence[int], sublinear_tf: bool = True) -> sp.csr_matrix:  # fmt: skip
    """The rows `TextFeatureLogits.rows` computes, as a ``(texts, features)`` CSR matrix (column 0: padding).

    Example:
        >>> tfidf_rows([[1, 2, 3], [0, 0, 0]], [[1, 1, 1], [0, 0, 0]], np.ones(4), [1, 3]).toarray().round(3)
        array([[0.   , 0.707, 0.707, 1.   ],
               [0.   , 0.   , 0.   , 0.   ]], dtype=float32)
    """
    lengths = [sum(1 for c in row if c) for row in counts]
    indices = np.fromiter((i for row, cs in zip(ids, counts, strict=True) for i, c in zip(row, cs, strict=True) if c),
                          dtype=np.int64, count=sum(lengths))  # fmt: skip
    values = np.fromiter((c for cs in counts for c in cs if c), dtype=np.float64, count=sum(lengths))
    values = (1.0 + np.log(values) if sublinear_tf else values) * idf[indices]
    group = np.searchsorted(np.asarray(group_starts[1:]), indices, side="right")
    row = np.repeat(np.arange(len(lengths)), lengths)
    squares = np.zeros((len(lengths), len(group_starts)))
    np.add.at(squares, (row, group), values * values)
    values = values / np.maximum(np.sqrt(squares[row, group]), 1e-12)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((values.astype(np.float32), indices, indptr), shape=(len(lengths), len(idf)))


def nb_ratio(x: sp.csr_matrix, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Howard's naive Bayes log-count ratio per feature (``(features,)``), from 0/1 labels ``y``.

    Example:
        >>> nb_ratio(sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]])), np.array([1, 0])).round(3).tolist()
        [0.693, -0.693]
    """
    y = np.asarray(y).astype(bool)
    p = alpha + np.asarray(x[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(x[~y].sum(axis=0)).ravel()
    return np.log((p / (y.sum() + alpha)) / (q / ((~y).sum() + alpha)))


def _logistic(c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    # liblinear's dual solver: fast with far more features than rows, single-threaded, deterministic
    return LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=seed)


def _fit_label(x: sp.csr_matrix, y: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, float]:
    """``(ratio x coefficient, intercept)`` of NB-LR on rows ``x``."""
    r = nb_ratio(x, y)
    model = _logistic(c, seed).fit(x @ sp.diags(r), y)
    return r * model.coef_.ravel(), float(model.intercept_[0])


def _out_of_fold(x, y, splits, c_values, seed) -> dict[float, np.ndarray]:
    """Per C, each row's decision function from the fold model that did not see it; all fits in parallel threads
    (liblinear releases the GIL)."""

    def fit_fold(task):
        c, (fit_rows, held_rows) = task
        weights, intercept = _fit_label(x[fit_rows], y[fit_rows], c, seed)
        return c, held_rows, x[held_rows] @ weights + intercept

    tasks = [(c, split) for c in c_values for split in splits]
    logits = {c: np.zeros(len(y)) for c in c_values}
    with ThreadPoolExecutor(max(1, min(len(tasks), os.cpu_count() or 1))) as pool:
        for c, held_rows, values in pool.map(fit_fold, tasks):
            logits[c][held_rows] = values
    return logits


def _cross_validate(x, y, c_grid, folds, seed) -> tuple[np.ndarray, np.ndarray, int]:
    """Mean fold ROC AUC per C (NaN for a C not tried), and the chosen C's out-of-fold decision function.

    The C values are climbed from the grid's middle towards the better neighbour until the mean fold ROC AUC
    stops rising (ties go to the smaller C): the choice of a full search wherever ROC AUC is unimodal in C,
    from fewer fits."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    aucs, logits = np.full(len(c_grid), np.nan), {}

    def evaluate(indices):
        todo = [j for j in indices if 0 <= j < len(c_grid) and np.isnan(aucs[j])]
        logits.update(_out_of_fold(x, y, splits, [c_grid[j] for j in todo], seed))
        for j in todo:
            aucs[j] = np.mean([roc_auc_score(y[held], logits[c_grid[j]][held]) for _, held in splits])

    best = len(c_grid) // 2
    evaluate([best - 1, best])
    step = -1 if best > 0 and aucs[best - 1] >= aucs[best] else 1
    while 0 <= best + step < len(c_grid):
        evaluate([best + step])
        if not (aucs[best + step] >= aucs[best] if step < 0 else aucs[best + step] > aucs[best]):
            break
        best += step
    return aucs, logits[c_grid[best]], best


def label_folds(y: np.ndarray, folds: int) -> int:
    """The folds a stratified CV of 0/1 labels ``y`` can have: at most ``folds``, at most the rarer class's count
    (each fold then holds both classes, so its ROC AUC is defined); 0 when that count is below 2.

    Example:
        >>> label_folds(np.array([0] * 97 + [1] * 3), 5), label_folds(np.array([0] * 99 + [1]), 5)
        (3, 0)
    """
    rarer = int(min(np.sum(y == 1), np.sum(y == 0)))
    return min(folds, rarer) if rarer >= 2 else 0


def _choose_c(fit: LinearFit, x, y, name: str, c_grid: list[float], folds: int, seed: int) -> float:
    """Label ``name``'s C (CV over ``c_grid``, if asked for and its rarer class allows), recorded in ``fit``."""
    cross_validate = len(c_grid) > 1 or fit.out_of_fold is not None
    count = label_folds(y, folds) if cross_validate else 0
    fit.folds.append(count)
    fit.cv_roc_auc.append([])
    if not cross_validate or count == 0:  # no CV: the smallest C, the strongest regularisation
        rarer = int(min(np.sum(y == 1), np.sum(y == 0)))
        fit.notes.append(f"{name}: {rarer} row(s) of its rarer class, too few to cross-validate; C={c_grid[0]}"
                         if cross_validate else "")  # fmt: skip
        return c_grid[0]
    fit.notes.append(
        "" if count == folds else f"{name}: {count}-fold CV, as many folds as its rarer class has rows"
    )
    mean_auc, held_out, best = _cross_validate(x, y, c_grid, count, seed)
    fit.cv_roc_auc[-1] = [None if np.isnan(a) else float(a) for a in mean_auc]
    if fit.out_of_fold is not None:
        fit.out_of_fold[:, len(fit.c)] = held_out
    return c_grid[best]


def fit_linear_part(part: torch.nn.Module, rows: sp.csr_matrix, labels: np.ndarray, *, c_grid: Sequence[float],
                    folds: int = 5, seed: int = 42, out_of_fold: bool = False,
                    label_names: Sequence[str] | None = None) -> LinearFit:  # fmt: skip
    """Fits `TextFeatureLogits` ``part`` to ``labels`` (``(rows, labels)`` 0/1) with NB-LR, C by ``folds``-fold CV
    over ``c_grid`` (one value: no CV unless ``out_of_fold``), and writes its weights and intercepts in place.

    A label whose rarer class has fewer rows than ``folds`` gets as many folds as it has rows; below 2, no CV
    (`LinearFit.notes` says so, and its out-of-fold logits are NaN)."""
    labels = np.asarray(labels).reshape(rows.shape[0], -1).astype(int)
    names = (
        list(label_names)
        if label_names is not None
        else [f"label column {k}" for k in range(labels.shape[1])]
    )
    fit = LinearFit(out_of_fold=np.full(labels.shape, np.nan, dtype=np.float32) if out_of_fold else None)
    weight = np.zeros((rows.shape[1], labels.shape[1]), dtype=np.float32)
    bias = np.zeros(labels.shape[1], dtype=np.float32)
    for k, y in enumerate(labels.T):
        if y.min() == y.max():
            raise ValueError(
                f"{names[k]}: every training row has label {y[0]}; the linear part needs both 0 and 1 "
                "(train on more rows, or leave this label out of --label_columns)"
            )
        fit.c.append(float(_choose_c(fit, rows, y, names[k], list(c_grid), folds, seed)))
        weight[:, k], bias[k] = _fit_label(rows, y, fit.c[-1], seed)
    weight[0] = 0.0  # padding
    with torch.no_grad():
        part.feature_weights.weight.copy_(torch.from_numpy(weight))
        part.bias.copy_(torch.from_numpy(bias))
    return fit
