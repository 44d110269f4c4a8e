"""The linear part over raw-text features equals scikit-learn's TF-IDF rows and NB-LR, on real comments."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.text.tables import DEMO_DATA, load_table
from rnn_models.text.text_feature_fitting import fit_text_features
from rnn_models.training.linear_fit import fit_linear_part, tfidf_rows

LABELS = ["toxic", "insult"]


@pytest.fixture(scope="module")
def comments():
    table = load_table(DEMO_DATA, "comment_text", LABELS)
    texts = list(table["comment_text"])
    labels = np.stack([np.asarray(table[c]) for c in LABELS], 1)
    return texts[:1000], labels[:1000], texts[1000:1200]


def sklearn_rows(train: list[str], other: list[str]) -> sp.csr_matrix:
    options = {"min_df": 2, "sublinear_tf": True, "strip_accents": "unicode"}
    word = TfidfVectorizer(ngram_range=(1, 2), **options).fit(train)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=150_000, **options).fit(train)
    return sp.hstack([word.transform(other), char.transform(other)]).tocsr()


def our_rows(fitted, texts):
    ids, counts = fitted.vocabulary.batch(texts)
    return tfidf_rows(ids, counts, fitted.idf, fitted.vocabulary.group_starts)


def test_the_rows_equal_scikit_learns_tfidf_vectorizers(comments):
    train, _, valid = comments
    fitted = fit_text_features(train)
    ours = our_rows(fitted, valid)
    np.testing.assert_allclose(ours[:, 1:].toarray(), sklearn_rows(train, valid).toarray(), atol=1e-6)


def test_the_model_computes_the_rows_and_logit_of_nb_lr_fitted_by_scikit_learn(comments):
    train, labels, valid = comments
    fitted = fit_text_features(train)
    config = RNNConfig(vocab_size=4, embedding_dim=2, num_labels=2, problem_type="multi_label_classification",
                       text_feature_size=fitted.vocabulary.size, text_feature_groups=fitted.vocabulary.group_starts)  # fmt: skip
    part = RNNForSequenceClassification(config).text_features
    part.idf.copy_(torch.from_numpy(fitted.idf))
    x = our_rows(fitted, train)
    fit_linear_part(part, x, labels, c_grid=[0.25])

    # NB-LR as a practitioner writes it, on scikit-learn's own rows
    reference_train, reference_valid = sklearn_rows(train, train), sklearn_rows(train, valid)
    ids, counts = fitted.vocabulary.batch(valid)
    with torch.no_grad():
        ours = part(torch.tensor(ids), torch.tensor(counts)).numpy()
    for k, y in enumerate(labels.T):
        # Howard's ratios by hand: log((p / positives) / (q / negatives)), p and q feature sums plus 1
        p = 1 + np.asarray(reference_train[y == 1].sum(axis=0)).ravel()
        q = 1 + np.asarray(reference_train[y == 0].sum(axis=0)).ravel()
        r = sp.diags(np.log((p / (1 + (y == 1).sum())) / (q / (1 + (y == 0).sum()))))
        model = LogisticRegression(C=0.25, solver="liblinear", dual=True, max_iter=1000, random_state=42)
        expected = model.fit(reference_train @ r, y).decision_function(reference_valid @ r)
        np.testing.assert_allclose(ours[:, k], expected, atol=1e-4)
    assert fit_linear_part(part, x, labels, c_grid=[0.25]).c == [0.25, 0.25]


def _part(fitted, num_labels: int = 1):
    config = RNNConfig(vocab_size=4, embedding_dim=2, text_feature_size=fitted.vocabulary.size, num_labels=num_labels,
                       text_feature_groups=fitted.vocabulary.group_starts)  # fmt: skip
    return RNNForSequenceClassification(config).text_features


def _nb_lr_by_hand(x_fit, y_fit, x_held, c):
    """NB-LR as a practitioner writes it: ratios from the fitting rows only, then liblinear."""
    p = 1 + np.asarray(x_fit[y_fit == 1].sum(axis=0)).ravel()
    q = 1 + np.asarray(x_fit[y_fit == 0].sum(axis=0)).ravel()
    r = sp.diags(np.log((p / (1 + (y_fit == 1).sum())) / (q / (1 + (y_fit == 0).sum()))))
    model = LogisticRegression(C=c, solver="liblinear", dual=True, max_iter=1000, random_state=42)
    return model.fit(x_fit @ r, y_fit).decision_function(x_held @ r)


def test_cross_validation_chooses_the_c_of_the_best_mean_fold_auc_and_its_logits_are_out_of_fold(comments):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    train, labels, _ = comments
    fitted = fit_text_features(train)
    x, y, grid = our_rows(fitted, train), labels[:, 0], [0.01, 0.1, 1.0, 10.0]
    fit = fit_linear_part(_part(fitted), x, labels[:, :1], c_grid=grid, out_of_fold=True)
    held_out, mean_auc = np.zeros((len(grid), len(y))), np.zeros(len(grid))
    for fit_rows, held in StratifiedKFold(5, shuffle=True, random_state=42).split(np.zeros(len(y)), y):
        for j, c in enumerate(grid):
            held_out[j, held] = _nb_lr_by_hand(x[fit_rows], y[fit_rows], x[held], c)
            mean_auc[j] += roc_auc_score(y[held], held_out[j, held]) / 5
    best = int(np.argmax(mean_auc))  # the full search's choice
    tried = [j for j, auc in enumerate(fit.cv_roc_auc[0]) if auc is not None]
    np.testing.assert_allclose([fit.cv_roc_auc[0][j] for j in tried], mean_auc[tried], atol=1e-6)
    assert fit.c == [grid[best]] and fit.folds == [5] and fit.notes == [""]
    assert best in tried and len(tried) == 3  # climbed from the middle: one C fewer than the full grid
    # Each row's logit comes from the fold model that never saw it, not from the model fitted on all rows.
    np.testing.assert_allclose(fit.out_of_fold[:, 0], held_out[best], atol=1e-4)
    in_sample = _nb_lr_by_hand(x, y, x, grid[best])
    assert np.abs(fit.out_of_fold[:, 0] - in_sample).max() > 0.1
    assert roc_auc_score(y, in_sample) > roc_auc_score(y, fit.out_of_fold[:, 0])  # fitted rows look easier


def test_a_rare_label_gets_as_many_folds_as_its_rarer_class_has_rows_and_says_so(comments):
    train, _, _ = comments
    fitted = fit_text_features(train)
    rare = np.zeros((len(train), 2), dtype=int)
    rare[[3, 50, 700], 0] = 1  # three positives: 3 folds
    rare[[9], 1] = 1  # one positive: no CV
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no UndefinedMetricWarning, no StratifiedKFold warning
        fit = fit_linear_part(_part(fitted, 2), our_rows(fitted, train), rare, c_grid=[0.1, 1.0], out_of_fold=True,
                              label_names=["threat", "identity_hate"])  # fmt: skip
    assert fit.folds == [3, 0] and len(fit.cv_roc_auc[0]) == 2 and fit.cv_roc_auc[1] == []
    assert fit.notes[0] == "threat: 3-fold CV, as many folds as its rarer class has rows"
    assert fit.notes[1] == "identity_hate: 1 row(s) of its rarer class, too few to cross-validate; C=0.1"
    assert (
        fit.c[1] == 0.1 and np.isnan(fit.out_of_fold[:, 1]).all() and np.isfinite(fit.out_of_fold[:, 0]).all()
    )


def test_a_label_with_one_class_is_refused_by_name(comments):
    train, _, _ = comments
    fitted = fit_text_features(train[:50])
    with pytest.raises(
        ValueError, match=r"^identity_hate: every training row has label 0; .* --label_columns"
    ):
        fit_linear_part(_part(fitted), our_rows(fitted, train[:50]), np.zeros((50, 1)), c_grid=[1.0],
                        label_names=["identity_hate"])  # fmt: skip
