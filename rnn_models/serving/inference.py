"""Batched scoring for `rnn-models predict` / `evaluate`: sorted by length, under `torch.inference_mode`.

Scores follow ``pipeline("text-classification")`` (`rnn_models.model.problem_type.scores_from_logits`): the
logits as they are for regression, a sigmoid for one label or multi-label models, a softmax otherwise.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from tqdm import tqdm
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

from ..model.configuration_rnn import RNNConfig
from ..model.problem_type import scores_from_logits
from ..model.tokenization_text_features import FEATURE_KEYS
from .sharding import Shard

__all__ = [
    "PROGRESS_DELAY_S",
    "hub_revision",
    "label_names",
    "length_sorted_batches",
    "load_model",
    "predict_scores",
    "progress_bar",
]

PROGRESS_DELAY_S = 1.0  # seconds of scoring before the progress bar shows


def hub_revision(model_dir_or_repo: str) -> str | None:
    """The commit a Hub repository's default branch points to now (from the cache when offline); None for a
    local folder, or when the Hub cannot say (loading then reports why).

    Example:
        >>> hub_revision(".") is None  # a folder
        True
    """
    if Path(model_dir_or_repo).exists():
        return None
    from transformers.utils.hub import resolve_revision  # asks the Hub through transformers' own client

    return getattr(resolve_revision(model_dir_or_repo), "resolved", None)


def load_model(
    model_dir_or_repo: str,
    device: str | None = None,
    *,
    allow_pickle: bool = False,
    revision: str | None = None,
) -> tuple[PreTrainedModel, object]:
    """The model and tokenizer of a folder or Hub repository, in eval mode on ``device`` (CUDA if present).

    A Hub repository's config, weights and tokenizer all come from one commit: ``revision``, or the one its
    default branch points to when loading starts (`hub_revision`). Weights load from safetensors only unless
    ``allow_pickle``; a tokenizer with more ids than the model's embedding table is refused. (Importing any
    module of rnn_models registers the Auto classes.)
    """
    revision = revision or hub_revision(model_dir_or_repo)
    config = AutoConfig.from_pretrained(model_dir_or_repo, revision=revision)
    if config.model_type != RNNConfig.model_type:
        raise ValueError(
            f"{model_dir_or_repo}: config.json describes a {config.model_type!r} model, not an rnn-models "
            f"classifier (model_type {RNNConfig.model_type!r})"
        )
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            model_dir_or_repo,
            config=config,
            revision=revision,
            use_safetensors=None if allow_pickle else True,
        )
    except SafetensorError as error:
        raise ValueError(
            f"{model_dir_or_repo}: model.safetensors is damaged ({error}); save or download it again"
        ) from error
    tokenizer = AutoTokenizer.from_pretrained(model_dir_or_repo, revision=revision)
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


def length_sorted_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int | None = None
) -> list[np.ndarray]:
    """Row indices in batches of at most ``batch_size`` rows and, with ``max_tokens``, at most that many padded
    tokens (rows x the longest row; a longer row is a batch of its own), shortest texts first (ties in row
    order): little padding, many short texts per recurrent step, and bounded memory for long ones.

    Example:
        >>> [rows.tolist() for rows in length_sorted_batches([5, 1, 3, 1], batch_size=3)]
        [[1, 3, 2], [0]]
        >>> [rows.tolist() for rows in length_sorted_batches([5, 1, 3, 1, 2], batch_size=4, max_tokens=6)]
        [[1, 3, 4], [2], [0]]
    """
    order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
    if max_tokens is None:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    batches, start = [], 0
    for end in range(1, len(order) + 1):
        full = end - start == batch_size
        next_too_long = end < len(order) and (end + 1 - start) * lengths[order[end]] > max_tokens
        if full or next_too_long or end == len(order):
            batches.append(order[start:end])
            start = end
    return batches


def progress_bar(total: int, enabled: bool) -> tqdm:
    """A tqdm bar over ``total`` rows on stderr (rows, rows/s, time left), drawn once scoring has run for
    `PROGRESS_DELAY_S` (a few texts never get one); a silent one unless ``enabled``.

    Example:
        >>> with progress_bar(3, enabled=False) as bar:
        ...     bar.update(3)
    """
    return tqdm(
        total=total,
        desc="scoring",
        unit=" rows",
        disable=not enabled,
        file=sys.stderr,
        delay=PROGRESS_DELAY_S,
        smoothing=0.1,
    )


def predict_scores(
    model: PreTrainedModel,
    tokenizer,
    texts: Sequence[str],
    *,
    batch_size: int = 256,
    max_batch_tokens: int | None = None,
    shard: Shard | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Scores ``(len(texts), num_labels)`` for raw texts, in the order given.

    Texts are encoded in one batch call, sorted by length so each batch pads little, and run under
    `torch.inference_mode`. With a ``shard`` (`rnn_models.serving.sharding.Shard`) of several processes, only this
    process's share of the batches is scored and the other rows hold NaN (`Shard.take` says which are whose:
    the caller merges by that, never by the NaN, since a model may score NaN). ``progress``: a bar on stderr (`progress_bar`).

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
        >>> tokenizer = RNNTokenizerFast.from_texts(["good day", "bad day"])
        >>> model = RNNForSequenceClassification(RNNConfig(vocab_size=len(tokenizer), embedding_dim=4)).eval()
        >>> predict_scores(model, tokenizer, ["good day", "day"]).shape
        (2, 1)
    """
    max_length = model.config.max_length
    encoding = tokenizer(list(texts), truncation=True, max_length=max_length)
    encoded = encoding["input_ids"]
    features = {key: encoding[key] for key in FEATURE_KEYS if key in encoding}  # the raw text's n-grams
    batches = length_sorted_batches([len(ids) for ids in encoded], batch_size, max_batch_tokens)
    padding = "max_length" if model.config.keras_compatible else "longest"
    device = next(model.parameters()).device
    scores = np.full((len(encoded), model.config.num_labels), np.nan, dtype=np.float32)
    with torch.inference_mode(), progress_bar(len(encoded), progress) as bar:
        for rows, round_rows in (shard or Shard()).take(batches):
            batch = tokenizer.pad(
                {
                    "input_ids": [encoded[i] for i in rows],
                    **{k: [v[i] for i in rows] for k, v in features.items()},
                },
                padding=padding,
                max_length=max_length,
                return_tensors="pt",
            )
            logits = model(**{key: value.to(device) for key, value in batch.items()}).logits
            scores[rows] = scores_from_logits(logits.float(), model.config).cpu().numpy()
            bar.update(round_rows)
    return scores
