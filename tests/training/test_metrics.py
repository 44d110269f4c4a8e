import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from transformers import EvalPrediction

from rnn_models import RNNConfig
from rnn_models.training.metrics import (
    RocAuc,
    UndefinedAUCError,
    make_compute_metrics,
    roc_auc,
    roc_auc_per_label,
)


@pytest.mark.parametrize("seed", range(5))
def test_binary_auc_equals_sklearn(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 200)
    scores = rng.random(200) + 0.3 * labels
    result = RocAuc(config_name="binary", keep_in_memory=True).compute(
        prediction_scores=scores, references=labels
    )
    assert result == {"roc_auc": roc_auc_score(labels, scores)}


def test_multilabel_auc_is_sklearn_per_label_and_macro():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, (300, 3))
    scores = rng.random((300, 3)) + 0.5 * labels
    result = roc_auc(scores, labels, ["toxic", "obscene", "insult"])
    for i, name in enumerate(["toxic", "obscene", "insult"]):
        assert result[f"roc_auc_{name}"] == roc_auc_score(labels[:, i], scores[:, i])
    assert result["roc_auc"] == pytest.approx(roc_auc_score(labels, scores, average="macro"), abs=1e-12)


def test_multiclass_auc_is_sklearn_one_vs_rest():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, 120)
    scores = rng.dirichlet(np.ones(3), 120)
    result = RocAuc(config_name="multiclass", keep_in_memory=True).compute(
        prediction_scores=scores, references=labels
    )
    assert result["roc_auc"] == roc_auc_score(labels, scores, multi_class="ovr")


def test_single_class_gives_a_clear_message_not_an_sklearn_traceback():
    with pytest.raises(
        UndefinedAUCError, match=r"ROC AUC is undefined for label 'toxic': the 4 reference labels are all 0"
    ):
        roc_auc([0.1, 0.4, 0.3, 0.2], [0, 0, 0, 0], ["toxic"])


def test_multilabel_with_an_undefined_label_reports_none_and_averages_the_rest():
    labels = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.5], [0.7, 0.3], [0.4, 0.2]])
    result = roc_auc(scores, labels, ["toxic", "threat"])
    assert result == {"roc_auc": 1.0, "roc_auc_toxic": 1.0, "roc_auc_threat": None}
    with pytest.raises(UndefinedAUCError):
        roc_auc(scores, np.zeros((4, 2), dtype=int), ["toxic", "threat"])


def test_unknown_config_name_is_refused():
    with pytest.raises(ValueError, match="config_name='weighted' is not supported"):
        RocAuc(config_name="weighted")


def test_compute_metrics_reads_logits_like_sklearn_reads_probabilities():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 1))
    labels = (logits[:, 0] + rng.normal(size=50) > 0).astype(np.float32)
    result = make_compute_metrics(RNNConfig(id2label={0: "toxic"}))(
        EvalPrediction(predictions=logits, label_ids=labels)
    )
    assert result == {"roc_auc": roc_auc_score(labels, 1 / (1 + np.exp(-logits[:, 0])))}
    assert result["roc_auc"] == roc_auc_score(labels, logits[:, 0])


TWO_LABELS = RNNConfig(id2label={0: "toxic", 1: "threat"}, problem_type="multi_label_classification")


def test_compute_metrics_multilabel_drops_undefined_labels():
    logits = np.array([[2.0, 0.1], [-1.0, 0.3], [1.0, -0.2]])
    labels = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    result = make_compute_metrics(TWO_LABELS)(EvalPrediction(predictions=logits, label_ids=labels))
    assert result == {"roc_auc": 1.0, "roc_auc_toxic": 1.0}


def test_compute_metrics_of_a_softmax_model_scores_its_softmax_like_sklearn():
    logits = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, -1.0], [1.0, 1.5, 0.0], [0.5, -2.0, 2.0]])
    labels = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    config = RNNConfig(id2label={0: "a", 1: "b", 2: "c"}, problem_type="single_label_classification")
    result = make_compute_metrics(config)(EvalPrediction(predictions=logits, label_ids=labels))
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = [roc_auc_score(labels[:, i], softmax[:, i]) for i in range(3)]
    assert [result[f"roc_auc_{name}"] for name in "abc"] == pytest.approx(expected, abs=1e-12)


def test_roc_auc_per_label_is_sklearn_per_column_and_skips_undefined_ones():
    rng = np.random.default_rng(1)
    scores = rng.random((40, 3))
    labels = (scores + rng.normal(scale=0.3, size=(40, 3)) > 0.5).astype(int)
    labels[:, 2] = 0  # one class only: undefined
    macro, per_label = roc_auc_per_label(scores, labels, ["x", "y", "z"])
    expected = [roc_auc_score(labels[:, i], scores[:, i]) for i in range(2)]
    assert per_label == {"x": pytest.approx(expected[0]), "y": pytest.approx(expected[1]), "z": None}
    assert macro == pytest.approx(np.mean(expected))
