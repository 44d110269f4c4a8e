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


def test_cross_validation_chooses_c_and_gives_out_of_fold_logits(comments):
    train, labels, _ = comments
    fitted = fit_text_features(train)
    config = RNNConfig(vocab_size=4, embedding_dim=2, text_feature_size=fitted.vocabulary.size,
                       text_feature_groups=fitted.vocabulary.group_starts)  # fmt: skip
    part = RNNForSequenceClassification(config).text_features
    fit = fit_linear_part(part, our_rows(fitted, train), labels[:, :1], c_grid=[0.01, 1.0], out_of_fold=True)
    assert fit.c[0] in (0.01, 1.0) and len(fit.cv_roc_auc[0]) == 2
    assert fit.out_of_fold.shape == (len(train), 1) and np.all(np.isfinite(fit.out_of_fold))
    assert fit.cv_roc_auc[0][[0.01, 1.0].index(fit.c[0])] == max(fit.cv_roc_auc[0])


def test_a_label_with_one_class_is_refused(comments):
    train, _, _ = comments
    fitted = fit_text_features(train[:50])
    config = RNNConfig(vocab_size=4, embedding_dim=2, text_feature_size=fitted.vocabulary.size,
                       text_feature_groups=fitted.vocabulary.group_starts)  # fmt: skip
    part = RNNForSequenceClassification(config).text_features
    with pytest.raises(ValueError, match="label column 0 has a single class"):
        fit_linear_part(part, our_rows(fitted, train[:50]), np.zeros((50, 1)), c_grid=[1.0])
