"""Batched scoring for `rnn-models predict` / `evaluate`: sorted by length, under `torch.inference_mode`.

Scores follow ``pipeline("text-classification")``: a sigmoid for one label or multi-label models, a
softmax for single-label multi-class ones.
"""

from collections.abc import Sequence

import numpy as np
import torch
from safetensors import SafetensorError
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

__all__ = ["label_names", "load_model", "predict_scores", "to_scores"]


def load_model(
    model_dir_or_repo: str, device: str | None = None, *, allow_pickle: bool = False
) -> tuple[PreTrainedModel, object]:
    """The model and tokenizer of a folder or Hub repository, in eval mode on ``device`` (CUDA if present).

    Weights load from safetensors only unless ``allow_pickle``; a tokenizer with more ids than the
    model's embedding table is refused.
    """
    import rnn_models  # noqa: F401  (registers the Auto classes)
    from rnn_models import RNNConfig

    config = AutoConfig.from_pretrained(model_dir_or_repo)
    if config.model_type != RNNConfig.model_type:
        raise ValueError(
            f"{model_dir_or_repo}: config.json describes a {config.model_type!r} model, not an rnn-models "
            f"classifier (model_type {RNNConfig.model_type!r})"
        )
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            model_dir_or_repo, config=config, use_safetensors=None if allow_pickle else True
        )
    except SafetensorError as error:
        raise ValueError(
            f"{model_dir_or_repo}: model.safetensors is damaged ({error}); save or download it again"
        ) from error
    tokenizer = AutoTokenizer.from_pretrained(model_dir_or_repo)
    vocab_size = model.get_input_embeddings().num_embeddings
    if len(tokenizer) > vocab_size:
        raise ValueError(
            f"{model_dir_or_repo}: the tokenizer has {len(tokenizer):,} ids but the model's embedding table only "
            f"{vocab_size:,} rows; the tokenizer and the weights come from different trainings"
        )
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return model.to(device).eval(), tokenizer


def label_names(model: PreTrainedModel) -> list[str]:
    """Label names in output order (``config.id2label``)."""
    return [model.config.id2label[i] for i in range(model.config.num_labels)]


def to_scores(logits: torch.Tensor, config) -> torch.Tensor:
    """Logits to the scores `pipeline` would give: sigmoid, softmax, or as-is for regression."""
    if config.num_labels == 1 or config.problem_type == "multi_label_classification":
        return torch.sigmoid(logits)
    if config.problem_type == "regression":
        return logits
    return torch.softmax(logits, dim=-1)


def predict_scores(
    model: PreTrainedModel, tokenizer, texts: Sequence[str], *, batch_size: int = 256
) -> np.ndarray:
    """Scores ``(len(texts), num_labels)`` for raw texts, in the order given.

    Texts are encoded in one batch call, sorted by length so each batch pads little, and run under
    `torch.inference_mode`.

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["good day", "bad day"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> predict_scores(model, tokenizer, ["good day", "day"]).shape
        (2, 1)
    """
    max_length = model.config.max_length
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    padding = "max_length" if model.config.keras_compatible else "longest"
    device = next(model.parameters()).device
    scores = np.zeros((len(encoded), model.config.num_labels), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = tokenizer.pad(
                {"input_ids": [encoded[i] for i in rows]},
                padding=padding,
                max_length=max_length,
                return_tensors="pt",
            )
            logits = model(
                batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device)
            ).logits
            scores[rows] = to_scores(logits.float(), model.config).cpu().numpy()
    return scores
