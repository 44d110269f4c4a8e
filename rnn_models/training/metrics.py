"""ROC AUC as an `evaluate` metric shipped in the package, and the Trainer's ``compute_metrics``.

``evaluate.load("roc_auc")`` fetches its script from the Hub; this class is instantiated directly, so
evaluation works offline.
"""

from collections.abc import Callable, Sequence

import datasets
import evaluate
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from transformers import EvalPrediction

from ..model.problem_type import scores_from_logits

__all__ = ["RocAuc", "UndefinedAUCError", "make_compute_metrics", "roc_auc", "roc_auc_per_label"]

_DESCRIPTION = """Area under the ROC curve, computed with sklearn.metrics.roc_auc_score.
Configurations: "binary" (one score per example), "multilabel" (one score per label; macro average and
per-label values), "multiclass" (one-vs-rest over softmax-like scores)."""

_INPUTS = """
Args:
    prediction_scores: scores (probabilities or logits) per example; a list per example for
        "multilabel" and "multiclass".
    references: 0/1 labels (a list per example for "multilabel"; class ids for "multiclass").
    label_names: names used in the per-label keys (``roc_auc_<name>``) for "multilabel".
Returns:
    {"roc_auc": float} and, for "multilabel", {"roc_auc_<name>": float | None} per label
    (None where the label has a single class in ``references``).
"""


class UndefinedAUCError(ValueError):
    """ROC AUC is undefined because the references hold a single class."""


def _single_class_message(name: str, labels: np.ndarray) -> str:
    only = int(labels[0]) if len(labels) else "none"
    return (
        f"ROC AUC is undefined for {name}: the {len(labels)} reference labels are all {only}; "
        "evaluate on data that holds both classes (a larger or stratified validation split)."
    )


class RocAuc(evaluate.Metric):
    """ROC AUC for binary, multi-label and multi-class classification; equal to sklearn's.

    Example:
        >>> metric = RocAuc(config_name="multilabel")
        >>> result = metric.compute(
        ...     prediction_scores=[[0.9, 0.2], [0.1, 0.7], [0.8, 0.1], [0.3, 0.4]],
        ...     references=[[1, 0], [0, 1], [1, 0], [0, 0]],
        ...     label_names=["toxic", "insult"],
        ... )
        >>> result["roc_auc"], result["roc_auc_toxic"], result["roc_auc_insult"]
        (1.0, 1.0, 1.0)
    """

    def _info(self) -> evaluate.MetricInfo:
        if self.config_name not in ("default", "binary", "multilabel", "multiclass"):
            raise ValueError(
                f"RocAuc config_name={self.config_name!r} is not supported; expected binary, multilabel or multiclass."
            )
        per_example = self.config_name in ("multilabel", "multiclass")
        score = datasets.Sequence(datasets.Value("float64")) if per_example else datasets.Value("float64")
        reference = (
            datasets.Sequence(datasets.Value("int32"))
            if self.config_name == "multilabel"
            else datasets.Value("int32")
        )
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_INPUTS,
            features=datasets.Features({"prediction_scores": score, "references": reference}),
            reference_urls=[
                "https://scikit-learn.org/stable/modules/generated/sklearn.metrics.roc_auc_score.html"
            ],
        )

    def _compute(
        self, prediction_scores, references, label_names: Sequence[str] | None = None
    ) -> dict[str, float | None]:
        scores, labels = np.asarray(prediction_scores, dtype=np.float64), np.asarray(references)
        if self.config_name == "multilabel":
            return _multilabel_auc(scores, labels, label_names)
        if self.config_name == "multiclass":
            if len(np.unique(labels)) < 2:
                raise UndefinedAUCError(_single_class_message("the classes", labels))
            return {"roc_auc": float(roc_auc_score(labels, scores, multi_class="ovr"))}
        if len(np.unique(labels)) < 2:
            name = f"label {label_names[0]!r}" if label_names else "this label"
            raise UndefinedAUCError(_single_class_message(name, labels))
        return {"roc_auc": float(roc_auc_score(labels, scores))}


def _multilabel_auc(
    scores: np.ndarray, labels: np.ndarray, label_names: Sequence[str] | None
) -> dict[str, float | None]:
    names = list(label_names) if label_names is not None else [str(i) for i in range(labels.shape[1])]
    per_label: dict[str, float | None] = {}
    for column, name in enumerate(names):
        if len(np.unique(labels[:, column])) < 2:
            per_label[f"roc_auc_{name}"] = None  # undefined: reported, left out of the macro average
        else:
            per_label[f"roc_auc_{name}"] = float(roc_auc_score(labels[:, column], scores[:, column]))
    defined = [value for value in per_label.values() if value is not None]
    if not defined:
        raise UndefinedAUCError(_single_class_message("every label", labels[:, 0]))
    return {"roc_auc": float(np.mean(defined)), **per_label}


def roc_auc(scores, labels, label_names: Sequence[str] | None = None) -> dict[str, float | None]:
    """ROC AUC of scores against 0/1 labels; 2-D labels are scored per label (multi-label).

    Example:
        >>> roc_auc([0.1, 0.8, 0.4, 0.9], [0, 1, 0, 1])
        {'roc_auc': 1.0}
    """
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels, scores = labels[:, 0], scores.reshape(len(scores), -1)[:, 0]
    if labels.ndim == 1:
        return RocAuc(config_name="binary", keep_in_memory=True).compute(
            prediction_scores=scores.reshape(-1), references=labels.astype(np.int32), label_names=label_names
        )
    metric = RocAuc(config_name="multilabel", keep_in_memory=True)
    return metric.compute(
        prediction_scores=scores, references=labels.astype(np.int32), label_names=label_names
    )


def roc_auc_per_label(scores, labels, label_names: Sequence[str]) -> tuple[float, dict[str, float | None]]:
    """``(macro ROC AUC, {label: ROC AUC})`` of scores ``(rows, labels)`` against 0/1 labels of the same shape.

    A label whose references hold one class is ``None`` and left out of the macro average; with one label,
    or when no label is defined, `UndefinedAUCError` says why.

    Example:
        >>> roc_auc_per_label([[0.9, 0.2], [0.1, 0.7], [0.8, 0.4]], [[1, 0], [0, 1], [1, 0]], ["toxic", "insult"])
        (1.0, {'toxic': 1.0, 'insult': 1.0})
    """
    names = list(label_names)
    labels = np.asarray(labels).reshape(len(scores), -1).round().astype(np.int32)
    scores = np.asarray(scores, dtype=np.float64).reshape(len(labels), -1)
    if len(names) == 1:
        per_label = {names[0]: roc_auc(scores[:, 0], labels[:, 0], names)["roc_auc"]}
    else:
        result = roc_auc(scores, labels, names)
        per_label = {name: result[f"roc_auc_{name}"] for name in names}
    defined = [value for value in per_label.values() if value is not None]
    return float(np.mean(defined)), per_label


def make_compute_metrics(config) -> Callable[[EvalPrediction], dict[str, float]]:
    """The Trainer's ``compute_metrics``: ROC AUC (macro and per label, named by ``config.id2label``) of the
        scores `pipeline` would show for the model's logits (`rnn_models.model.problem_type.scores_from_logits`).

        Example:
            >>> import numpy as np
            >>> from transformers import EvalPrediction

    from ..model.problem_type import scores_from_logits
            >>> from rnn_models import RNNConfig
            >>> compute = make_compute_metrics(RNNConfig(id2label={0: "toxic"}))
            >>> compute(EvalPrediction(predictions=np.array([[2.0], [-1.0], [0.5]]), label_ids=np.array([1.0, 0.0, 1.0])))
            {'roc_auc': 1.0}
    """
    names = [config.id2label[i] for i in range(config.num_labels)]

    def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
        logits = torch.as_tensor(np.asarray(prediction.predictions, dtype=np.float64))
        scores = scores_from_logits(logits.reshape(len(logits), -1), config).numpy()
        labels = np.asarray(prediction.label_ids)
        if len(names) == 1:
            return roc_auc(scores.reshape(-1), labels.reshape(-1).round().astype(np.int32), names)
        result = roc_auc(scores, labels.round().astype(np.int32), label_names=names)
        return {key: value for key, value in result.items() if value is not None}

    return compute_metrics
