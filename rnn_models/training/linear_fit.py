"""Fitting the linear part over the raw text's n-grams as NB-LR: naive Bayes log-count ratios, then logistic regression.

The rows are the model's own (`TextFeatureLogits.rows`: sublinear tf x idf, one L2 norm per group), built here
with scipy from the tokenizer's ``text_feature_ids`` / ``text_feature_counts``. Each label gets Howard's NB-SVM
recipe: r = log((p / |positives|) / (q / |negatives|)) with p, q the feature sums of the positive / negative rows
plus 1, the rows scaled by r, then scikit-learn's liblinear logistic regression. The model stores r x coefficient
and the intercept, so its logit equals the fitted model's ``decision_function`` (tested).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch
from transformers import TrainerCallback

__all__ = ["BlendCallback", "LinearFit", "blend_scale", "fit_linear_part", "nb_ratio", "tfidf_rows"]


@dataclass
class LinearFit:
    """What the fit chose, per label, and the out-of-fold logits of the training rows when asked for."""

    c: list[float] = field(default_factory=list)
    cv_roc_auc: list[list[float]] = field(default_factory=list)  # mean fold ROC AUC per C tried, per label
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


def _cross_validate(x, y, c_grid, folds, seed) -> tuple[np.ndarray, np.ndarray]:
    """Mean fold ROC AUC per C, and the out-of-fold decision function per C: ``(len(c_grid),), (len(c_grid), rows)``."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    aucs, out_of_fold = np.zeros((folds, len(c_grid))), np.zeros((len(c_grid), len(y)))
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    for fold, (fit_rows, held_rows) in enumerate(splits):
        for j, c in enumerate(c_grid):
            weights, intercept = _fit_label(x[fit_rows], y[fit_rows], c, seed)
            out_of_fold[j, held_rows] = x[held_rows] @ weights + intercept
            aucs[fold, j] = roc_auc_score(y[held_rows], out_of_fold[j, held_rows])
    return aucs.mean(axis=0), out_of_fold


def fit_linear_part(part: torch.nn.Module, rows: sp.csr_matrix, labels: np.ndarray, *, c_grid: Sequence[float],
                    folds: int = 5, seed: int = 42, out_of_fold: bool = False) -> LinearFit:  # fmt: skip
    """Fits `TextFeatureLogits` ``part`` to ``labels`` (``(rows, labels)`` 0/1) with NB-LR, C by ``folds``-fold CV
    over ``c_grid`` (one value: no CV unless ``out_of_fold``), and writes its weights and intercepts in place."""
    labels = np.asarray(labels).reshape(rows.shape[0], -1).astype(int)
    fit = LinearFit(out_of_fold=np.zeros(labels.shape, dtype=np.float32) if out_of_fold else None)
    weight = np.zeros((rows.shape[1], labels.shape[1]), dtype=np.float32)
    bias = np.zeros(labels.shape[1], dtype=np.float32)
    for k, y in enumerate(labels.T):
        if y.min() == y.max():
            raise ValueError(
                f"label column {k} has a single class in the training rows; expected both 0 and 1"
            )
        if len(c_grid) > 1 or out_of_fold:
            mean_auc, held_out = _cross_validate(rows, y, list(c_grid), folds, seed)
            best = int(np.argmax(mean_auc))  # ties: the first, i.e. the smallest C (strongest regularisation)
            fit.cv_roc_auc.append([float(a) for a in mean_auc])
            if out_of_fold:
                fit.out_of_fold[:, k] = held_out[best]
        else:
            best = 0
        fit.c.append(float(c_grid[best]))
        weight[:, k], bias[k] = _fit_label(rows, y, c_grid[best], seed)
    weight[0] = 0.0  # padding
    with torch.no_grad():
        part.feature_weights.weight.copy_(torch.from_numpy(weight))
        part.bias.copy_(torch.from_numpy(bias))
    return fit


def blend_scale(linear: np.ndarray, recurrent: np.ndarray, weight: float) -> float:
    """``config.recurrent_logit_scale`` that gives the recurrent part ``weight`` times the linear part's spread.

    The two parts' logits live on different scales (a regularised linear model's are small); measured on the
    same rows, the recurrent logits are rescaled to the linear ones' standard deviation, then weighted.

    Example:
        >>> blend_scale(np.array([[-1.0], [1.0]]), np.array([[-4.0], [4.0]]), 0.5)
        0.125
    """
    spread = float(np.sqrt(np.mean(np.var(recurrent, axis=0))))
    return 0.0 if spread == 0 else weight * float(np.sqrt(np.mean(np.var(linear, axis=0)))) / spread


class BlendCallback(TrainerCallback):
    """Sets ``recurrent_logit_scale`` (`blend_scale`) from both parts' logits on the first ``rows`` training rows:
    at the end of training, and at the end of every epoch when an evaluation follows it (it then scores the blend)."""

    def __init__(self, train_set, weight: float, batch_size: int, rows: int = 2000):
        self.sample = train_set.select(range(min(rows, len(train_set))))
        self.sample = self.sample.remove_columns(
            [c for c in ("labels", "length") if c in self.sample.column_names]
        )
        self.weight, self.batch_size, self.collator = weight, batch_size, None

    def scale(self, model: torch.nn.Module) -> float:
        was_training = model.training
        model.eval()
        recurrent, linear = [], []
        with torch.no_grad():
            for start in range(0, len(self.sample), self.batch_size):
                rows = [self.sample[i] for i in range(start, min(start + self.batch_size, len(self.sample)))]
                batch = {k: v.to(model.device) for k, v in self.collator(rows).items()}
                deep, wide = model.part_logits(**batch)
                recurrent.append(deep.float().cpu().numpy())
                linear.append(wide.float().cpu().numpy())
        model.train(was_training)
        return blend_scale(np.concatenate(linear), np.concatenate(recurrent), self.weight)

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if args.eval_strategy == "epoch":  # an evaluation follows: it scores the blend of this epoch
            model.config.recurrent_logit_scale = self.scale(model)

    def on_train_end(self, args, state, control, model=None, **kwargs):
        model.config.recurrent_logit_scale = self.scale(model)  # the final model's blend
