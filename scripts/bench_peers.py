"""The models a practitioner tries before an RNN, as pure functions: TF-IDF + LR, NB-LR, fastText.

Each takes the training texts and labels and the validation texts of one split and returns a
`PeerFit` whose ``scores`` rank the validation rows; none of them ever sees validation labels.
Labels are 0/1, one column per label: ``y_train`` of shape ``(n,)`` gives scores of shape
``(n_valid,)``, shape ``(n, n_labels)`` gives ``(n_valid, n_labels)`` (one model per column, so the
mean column ROC AUC of a multi-label run can be computed).

The honest setting throughout: vectorizers are fitted on the training texts only (the Keras notebook
fits its tokenizer on training + validation texts; these peers do not), and C is chosen per label by
stratified k-fold cross-validation (ROC AUC) inside the training split, then refitted on all of it.
NB-LR's log-count ratios, which use labels, are recomputed inside every fold.

    >>> fit = tfidf_lr(train_texts, y_train, valid_texts, seed=42)  # doctest: +SKIP
    >>> fit.scores.shape, fit.c  # doctest: +SKIP
    ((2267,), [4.0])
"""

import re
import string
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = [
    "C_GRID",
    "PEERS",
    "PeerFit",
    "choose_c",
    "default_peers",
    "fasttext_available",
    "fasttext_supervised",
    "howard_tokenize",
    "nb_lr",
    "nb_ratio",
    "tfidf_features",
    "tfidf_lr",
]

# 1/32 ... 64. On the jigsaw split, toxic: NB-LR peaks at 1/8, TF-IDF + LR at 4; rare labels want 16 and more
C_GRID = tuple(2.0**k for k in range(-5, 7))
FOLDS = 5
# Jeremy Howard's "NB-SVM strong linear baseline" tokenizer: punctuation (and a few typographic
# characters) become tokens of their own, then split on whitespace.
_PUNCTUATION = re.compile(f"([{re.escape(string.punctuation)}“”¨«»®´·º½¾¿¡§£₤‘’])")


@dataclass
class PeerFit:
    """Validation scores of one peer, with what the training split chose (one entry per label)."""

    scores: np.ndarray  # (n_valid,) or (n_valid, n_labels), as y_train
    c: list[float] = field(default_factory=list)  # chosen C per label (empty for fastText)
    cv_roc_auc: list[list[float]] = field(default_factory=list)  # per label: mean fold AUC per C_GRID
    n_features: int = 0
    cv_seconds: float = 0.0  # of the total, the seconds spent choosing C


def howard_tokenize(text: str) -> list[str]:
    """``"You're a *jerk*!"`` -> ``["You", "'", "re", "a", "*", "jerk", "*", "!"]``."""
    return _PUNCTUATION.sub(r" \1 ", text).split()


def _vectorizers(features: str) -> list:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if features == "word":  # Howard's NB-SVM kernel, unchanged
        return [
            TfidfVectorizer(
                ngram_range=(1, 2), tokenizer=howard_tokenize, token_pattern=None, min_df=3, max_df=0.9,
                strip_accents="unicode", use_idf=True, smooth_idf=True, sublinear_tf=True,
            )
        ]  # fmt: skip
    if features == "word+char":
        return [
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode"),
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=150_000, sublinear_tf=True,
                strip_accents="unicode",
            ),
        ]  # fmt: skip
    raise ValueError(f"features={features!r} is invalid; expected 'word' or 'word+char'")


def tfidf_features(
    train_texts: Sequence[str], valid_texts: Sequence[str], features: str = "word+char"
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """TF-IDF rows ``(train, valid)``, the vectorizers fitted on the training texts only.

    ``"word+char"``: word 1-2 grams (min_df 2) hstacked with char_wb 2-5 grams (min_df 2, 150,000 most
    frequent), both sublinear tf. ``"word"``: Howard's word 1-2 grams (min_df 3, max_df 0.9).
    """
    vectorizers = _vectorizers(features)
    train = sp.hstack([v.fit_transform(train_texts) for v in vectorizers]).tocsr()
    valid = sp.hstack([v.transform(valid_texts) for v in vectorizers]).tocsr()
    return train, valid


def nb_ratio(x: sp.spmatrix, y: np.ndarray, alpha: float = 1.0, norm: str = "rows") -> np.ndarray:
    """Naive Bayes log-count ratio r = log(p_hat / q_hat) per feature, shape ``(n_features,)``.

    p = alpha + the positive rows' sum, q = alpha + the negative rows' sum. ``norm="rows"`` (Howard's
    NB-SVM kernel): p_hat = p / (positive rows + alpha), q_hat likewise. ``norm="l1"`` (Wang & Manning
    2012, "Baselines and bigrams"): p_hat = p / |p|_1, q_hat = q / |q|_1. The two differ by a constant
    added to every r, which matters once rows are scaled by r: on the jigsaw split "rows" scored
    0.969 and "l1" 0.951 (word + char features).
    """
    y = np.asarray(y).astype(bool)
    p = alpha + np.asarray(x[y].sum(axis=0)).ravel()
    q = alpha + np.asarray(x[~y].sum(axis=0)).ravel()
    if norm == "rows":
        return np.log((p / (y.sum() + alpha)) / (q / ((~y).sum() + alpha)))
    if norm == "l1":
        return np.log((p / p.sum()) / (q / q.sum()))
    raise ValueError(f"norm={norm!r} is invalid; expected 'rows' or 'l1'")


Transform = Callable[[sp.csr_matrix, np.ndarray, sp.csr_matrix], tuple[sp.csr_matrix, sp.csr_matrix]]


def _identity(fit_x, fit_y, other_x):
    return fit_x, other_x


def _nb_scaled(norm: str) -> Transform:
    def transform(fit_x, fit_y, other_x):
        r = sp.diags(nb_ratio(fit_x, fit_y, norm=norm))  # ratios from the rows being fitted only
        return (fit_x @ r).tocsr(), (other_x @ r).tocsr()

    return transform


def _logistic(c: float, seed: int):
    from sklearn.linear_model import LogisticRegression

    # liblinear's dual solver: fast with far more features than rows, single-threaded, deterministic
    return LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=seed)


def choose_c(
    x: sp.csr_matrix,
    y: np.ndarray,
    seed: int,
    transform: Transform = _identity,
    c_grid: Sequence[float] = C_GRID,
    folds: int = FOLDS,
) -> tuple[float, list[float]]:
    """``(best C, mean fold ROC AUC per C)`` by stratified k-fold CV on these (training) rows only.

    Ties go to the smallest C (the strongest regularisation).
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    positives = int(np.sum(y))
    if min(positives, len(y) - positives) < folds:
        raise ValueError(f"{positives} positives in {len(y)} rows: too few for {folds}-fold cross-validation")
    aucs = np.zeros((folds, len(c_grid)))
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    for fold, (fit_rows, held_rows) in enumerate(splits):
        fit_x, held_x = transform(x[fit_rows], y[fit_rows], x[held_rows])
        for j, c in enumerate(c_grid):
            model = _logistic(c, seed).fit(fit_x, y[fit_rows])
            aucs[fold, j] = roc_auc_score(y[held_rows], model.decision_function(held_x))
    mean = aucs.mean(axis=0)
    return float(c_grid[int(np.argmax(mean))]), [float(a) for a in mean]


def _label_columns(y_train: np.ndarray, n_rows: int) -> np.ndarray:
    y = np.asarray(y_train)
    if y.ndim not in (1, 2) or y.shape[0] != n_rows:
        raise ValueError(f"y_train has shape {y.shape}; expected ({n_rows},) or ({n_rows}, n_labels)")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_train must hold 0/1 labels")
    return y.reshape(n_rows, -1).astype(int)


def _linear_peer(train_texts, y_train, valid_texts, seed, features, transform, c_grid, folds) -> PeerFit:
    columns = _label_columns(y_train, len(train_texts))
    train_x, valid_x = tfidf_features(train_texts, valid_texts, features)
    fit = PeerFit(scores=np.zeros((valid_x.shape[0], columns.shape[1])), n_features=train_x.shape[1])
    for k, y in enumerate(columns.T):
        start = time.perf_counter()
        c, curve = choose_c(train_x, y, seed, transform, c_grid, folds)
        fit.cv_seconds += time.perf_counter() - start
        fit_x, scored_x = transform(train_x, y, valid_x)
        fit.scores[:, k] = _logistic(c, seed).fit(fit_x, y).predict_proba(scored_x)[:, 1]
        fit.c.append(c)
        fit.cv_roc_auc.append(curve)
    fit.scores = fit.scores.reshape(-1) if np.ndim(y_train) == 1 else fit.scores
    return fit


def tfidf_lr(
    train_texts: Sequence[str],
    y_train: np.ndarray,
    valid_texts: Sequence[str],
    seed: int = 42,
    *,
    c_grid: Sequence[float] = C_GRID,
    folds: int = FOLDS,
) -> PeerFit:
    """TF-IDF word 1-2 grams + char_wb 2-5 grams -> logistic regression, C by CV on the training split."""
    return _linear_peer(train_texts, y_train, valid_texts, seed, "word+char", _identity, c_grid, folds)


def nb_lr(
    train_texts: Sequence[str],
    y_train: np.ndarray,
    valid_texts: Sequence[str],
    seed: int = 42,
    *,
    features: str = "word+char",
    norm: str = "rows",
    c_grid: Sequence[float] = C_GRID,
    folds: int = FOLDS,
) -> PeerFit:
    """NB-LR (NBSVM, Howard's Kaggle kernel): logistic regression on TF-IDF rows scaled by `nb_ratio`.

    ``features="word+char"``: the features of `tfidf_lr`; ``"word"``: Howard's word 1-2 grams. ``norm``:
    see `nb_ratio`. The ratios come from the training split (from each fold's training part while
    choosing C).
    """
    transform = _nb_scaled(norm)
    return _linear_peer(train_texts, y_train, valid_texts, seed, features, transform, c_grid, folds)


def fasttext_available() -> bool:
    return find_spec("fasttext") is not None


def _fasttext_line(text: str) -> str:
    return " ".join(howard_tokenize(text.lower()))


def _write_vec(path: Path, vectors: str, words: set[str]) -> int:
    """The rows of ``vectors`` (a name or file for `rnn_models.vectors.load_vectors`) for ``words``,
    as a fastText ``.vec`` file (header "count dim"); returns the dimension."""
    from rnn_models.vectors import load_vectors

    found = load_vectors(vectors, vocab=words, cache=False)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f"{len(found.words)} {found.matrix.shape[1]}\n")
        for word, row in zip(found.words, found.matrix, strict=True):
            handle.write(word + " " + " ".join(f"{v:.6g}" for v in row) + "\n")
    return int(found.matrix.shape[1])


def fasttext_supervised(
    train_texts: Sequence[str],
    y_train: np.ndarray,
    valid_texts: Sequence[str],
    seed: int = 42,
    *,
    vectors: str | None = None,
    dim: int = 50,
    epoch: int = 25,
    word_ngrams: int = 2,
) -> PeerFit:
    """fastText ``train_supervised`` (softmax, one thread: deterministic), one binary model per label.

    Texts are lower-cased and split as `howard_tokenize` does. ``vectors`` (e.g. ``"glove-6b-50d"``)
    initialises the word vectors from those rows (their dimension replaces ``dim``). Needs the optional
    ``fasttext`` package (``pip install fasttext-wheel``).
    """
    import fasttext

    columns = _label_columns(y_train, len(train_texts))
    train_lines = [_fasttext_line(t) for t in train_texts]
    valid_lines = [_fasttext_line(t) for t in valid_texts]
    scores = np.zeros((len(valid_lines), columns.shape[1]))
    with tempfile.TemporaryDirectory() as tmp:
        options = {"dim": dim}
        if vectors is not None:
            words = {w for line in train_lines for w in line.split()}
            options = {"dim": _write_vec(Path(tmp, "vectors.vec"), vectors, words)}
            options["pretrainedVectors"] = str(Path(tmp, "vectors.vec"))
        for k, y in enumerate(columns.T):
            data = Path(tmp, f"train_{k}.txt")
            data.write_text("".join(f"__label__{v} {line}\n" for v, line in zip(y, train_lines, strict=True)))
            model = fasttext.train_supervised(
                str(data), epoch=epoch, wordNgrams=word_ngrams, loss="softmax", thread=1, seed=seed,
                verbose=0, **options,
            )  # fmt: skip
            # k=1: fasttext-wheel 0.9.2's list predict repeats the first probability for k > 1
            labels, probs = model.predict(valid_lines, k=1)
            for i, (names, p) in enumerate(zip(labels, probs, strict=True)):
                top = float(p[0]) if len(names) else 0.5  # softmax over two labels: p(1) = 1 - p(0)
                scores[i, k] = top if names[:1] == ["__label__1"] else 1.0 - top
    return PeerFit(scores=scores.reshape(-1) if np.ndim(y_train) == 1 else scores)


# name -> (table label, function, keyword arguments). "nb_lr" is the NB-LR variant that scored best on
# the jigsaw split, on validation (0.969) and in the training split's CV alike; the others are there to compare.
PEERS: dict[str, tuple[str, Callable[..., PeerFit], dict]] = {
    "tfidf_lr": ("TF-IDF word 1-2 + char_wb 2-5 + LR", tfidf_lr, {}),
    "nb_lr": ("NB-LR (NBSVM) word 1-2 + char_wb 2-5", nb_lr, {}),
    "nb_lr_word": ("NB-LR (NBSVM) word 1-2", nb_lr, {"features": "word"}),
    "nb_lr_l1": ("NB-LR word 1-2 + char_wb 2-5, L1 ratio", nb_lr, {"norm": "l1"}),
    "nb_lr_word_l1": ("NB-LR word 1-2, L1 ratio", nb_lr, {"features": "word", "norm": "l1"}),
    "fasttext": ("fastText supervised", fasttext_supervised, {}),
    "fasttext_glove": (
        "fastText supervised + glove-6b-50d",
        fasttext_supervised,
        {"vectors": "glove-6b-50d"},
    ),
}


def default_peers() -> list[str]:
    """The peers a quality run trains unless told otherwise (fastText only where it is installed)."""
    return ["tfidf_lr", "nb_lr"] + (["fasttext", "fasttext_glove"] if fasttext_available() else [])
