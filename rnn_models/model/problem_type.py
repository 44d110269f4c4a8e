"""What ``config.problem_type`` decides about the logits: the loss that trains them and the scores shown for them.

Shipped next to the weights with `modeling_rnn` (standard library and torch only). The scores follow
``pipeline("text-classification")``'s default post-processing exactly, so every scorer of rnn-models
(`predict`, `evaluate`, ONNX serving, the training run's validation scores) shows what ``pipeline`` shows.
"""

import torch
import torch.nn.functional as F

__all__ = ["classification_loss", "score_function", "scores_from_logits"]


def classification_loss(logits: torch.Tensor, labels: torch.Tensor, config) -> torch.Tensor:
    """Mean squared error for regression, binary cross-entropy on logits for one label or multi-label, and
    cross-entropy for single-label classification over several classes (transformers' rule).

    Example:
        >>> from types import SimpleNamespace
        >>> config = SimpleNamespace(problem_type="regression", num_labels=1)
        >>> classification_loss(torch.tensor([[2.0]]), torch.tensor([1.0]), config).item()
        1.0
    """
    if config.problem_type == "regression":
        return F.mse_loss(logits, labels.to(logits.dtype).view_as(logits))
    if config.num_labels == 1 or config.problem_type == "multi_label_classification":
        return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype).view_as(logits))
    return F.cross_entropy(logits, labels.view(-1).long())


def score_function(config) -> str:
    """``"none"``, ``"sigmoid"`` or ``"softmax"``: what ``pipeline("text-classification")`` applies to the
    logits by default. Regression first (its logits as they are, whatever ``num_labels``), then a sigmoid for
    one output or ``problem_type="multi_label_classification"``, else a softmax over the labels.

    ``config`` is anything with ``problem_type`` and ``num_labels`` (a transformers config).

    Example:
        >>> from types import SimpleNamespace
        >>> [score_function(SimpleNamespace(problem_type=p, num_labels=n))
        ...  for p, n in [("regression", 1), (None, 1), ("multi_label_classification", 6), (None, 3)]]
        ['none', 'sigmoid', 'sigmoid', 'softmax']
    """
    if config.problem_type == "regression":
        return "none"
    if config.problem_type == "multi_label_classification" or config.num_labels == 1:
        return "sigmoid"
    return "softmax"


def scores_from_logits(logits: torch.Tensor, config) -> torch.Tensor:
    """Logits ``(batch, num_labels)`` to the scores ``pipeline("text-classification")`` shows (`score_function`).

    Example:
        >>> from types import SimpleNamespace
        >>> logits = torch.tensor([[2.5]])
        >>> scores_from_logits(logits, SimpleNamespace(problem_type="regression", num_labels=1)).tolist()
        [[2.5]]
        >>> round(scores_from_logits(logits, SimpleNamespace(problem_type=None, num_labels=1)).item(), 4)
        0.9241
    """
    function = score_function(config)
    if function == "sigmoid":
        return torch.sigmoid(logits)
    if function == "softmax":
        return torch.softmax(logits, dim=-1)
    return logits
