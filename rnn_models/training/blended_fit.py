"""The default preset's parts before the network trains: the raw-text n-grams, the linear part (NB-LR), and the
rows held out to measure the blend.

Under several processes (torchrun, accelerate) the main process fits the n-grams' vocabulary and NB-LR once and
sends the results to the others, so every process holds the same linear part without fitting it again.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import datasets
import numpy as np
import torch

from ..text.text_feature_fitting import FittedTextFeatures, fit_text_features
from .blend import RecurrentBlend, split_blend_rows
from .linear_fit import LinearFit, fit_linear_part, tfidf_rows

__all__ = ["fit_linear", "fitted_once", "hold_out_blend_rows", "linear_fit_record", "shared_text_features"]

T = TypeVar("T")


def fitted_once(args, fit: Callable[[], T]) -> T:
    """``fit()`` on the main process, its result sent to every other process (one process: just ``fit()``).

    An exception on the main process is raised in every process, so none waits for the result: a `ValueError`
    (bad input) as the same one line, any other as a `RuntimeError` naming it.

    Example:
        >>> from types import SimpleNamespace
        >>> fitted_once(SimpleNamespace(world_size=1, process_index=0), lambda: 42)
        42
    """
    if args.world_size == 1:
        return fit()
    from accelerate.utils import broadcast_object_list

    result: list[Any] = [None]
    failure = None
    if args.process_index == 0:
        try:
            result = [("ok", fit())]
        except Exception as error:  # sent on before it is raised here, so no process waits in the broadcast
            failure, result = error, [(type(error).__name__, str(error))]
    broadcast_object_list(result, from_process=0)
    status, value = result[0]
    if failure is not None:
        raise failure
    if status == "ValueError":
        raise ValueError(value)
    if status != "ok":
        raise RuntimeError(f"the main process failed fitting the linear part with {status}: {value}")
    return value


def shared_text_features(args, texts: Sequence[str]) -> FittedTextFeatures:
    """The raw-text n-grams' vocabulary and idf, fitted on the training ``texts`` once."""
    return fitted_once(args, lambda: fit_text_features(list(texts)))


def fit_linear(
    model, train_set: datasets.Dataset, label_columns: list[str], c_grid: Sequence[float], args
) -> LinearFit:
    """Fits the linear part on all training rows (NB-LR, C by CV, out-of-fold logits kept) and freezes it: the
    recurrent part trains alone."""
    part = model.text_features

    def fit() -> tuple[LinearFit, dict[str, torch.Tensor]]:
        rows = tfidf_rows(train_set["text_feature_ids"], train_set["text_feature_counts"], part.idf.numpy(),
                          model.config.text_feature_groups, model.config.text_feature_sublinear_tf)  # fmt: skip
        labels = np.asarray(train_set["labels"]).reshape(len(train_set), len(label_columns))
        result = fit_linear_part(part, rows, labels, c_grid=sorted(c_grid), out_of_fold=True,
                                 label_names=label_columns, seed=args.seed)  # fmt: skip
        return result, {k: v.clone() for k, v in part.state_dict().items()}

    result, weights = fitted_once(args, fit)
    part.load_state_dict(weights)
    part.requires_grad_(False)
    return result


def hold_out_blend_rows(
    model,
    train_set: datasets.Dataset,
    linear: LinearFit,
    share: float,
    weight: float,
    batch_size: int,
    seed: int,
) -> tuple[datasets.Dataset, RecurrentBlend]:
    """``(rows the network trains on, the blend measured on the others)``: a seeded ``share`` of the training rows
    that the network never sees, with the linear part's out-of-fold logits for them (its in-sample logits for a
    label too rare to cross-validate)."""
    network_rows, held_rows = split_blend_rows(len(train_set), share, seed)
    if len(held_rows) == 0:
        raise ValueError(f"--blend_rows {share}: expected a share of the training rows in (0, 1)")
    held_out = train_set.select(held_rows)
    linear_logits = linear.out_of_fold[held_rows].astype(np.float64)
    missing = np.isnan(linear_logits).any(axis=0)
    if missing.any():
        part = model.text_features
        rows = tfidf_rows(held_out["text_feature_ids"], held_out["text_feature_counts"], part.idf.numpy(),
                          model.config.text_feature_groups, model.config.text_feature_sublinear_tf)  # fmt: skip
        in_sample = rows @ part.feature_weights.weight.detach().numpy() + part.bias.detach().numpy()
        linear_logits[:, missing] = in_sample[:, missing]
    return train_set.select(network_rows), RecurrentBlend(held_out, linear_logits, weight, batch_size)


def linear_fit_record(linear: LinearFit, blend: RecurrentBlend, label_columns: list[str], c_grid) -> dict:
    """The linear part's choices and the blend, per label: the folder's ``run_args.json`` and card quote them."""
    per_label = {
        name: {
            "c": linear.c[k],
            "cv_folds": linear.folds[k],
            "cv_roc_auc": dict(zip(map(str, sorted(c_grid)), linear.cv_roc_auc[k], strict=False)),
            "note": linear.notes[k],
        }
        for k, name in enumerate(label_columns)
    }
    return {"linear": per_label, "blend": blend.record(label_columns)}
