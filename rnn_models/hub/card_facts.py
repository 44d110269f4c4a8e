"""The model card's facts: what a trained model folder says about its model, gathered as plain data.

A folder written by ``rnn-models train`` holds everything the card needs: ``config.json`` (architecture,
embedding rows and their storage dtype), ``eval_results.json`` (ROC AUC, vectors coverage), ``run_args.json``,
``training_args.json``, ``vectors_words.json`` (the words taken from the vectors) and
``explained_example.json`` (a validation comment, explained). Older folders lack the last two and the storage
dtype: no words from the vectors, a float32 table, no explained comment. The card
can therefore be rendered again at push time, with the repository id in the usage snippets
(`rnn_models.hub.model_card` turns the facts into text).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..model.configuration_rnn import TEXT_FEATURE_PRESETS, RNNConfig
from ..model.modeling_rnn import RNNForSequenceClassification
from ..serving.explained_example import EXPLAINED_EXAMPLE_FILE
from ..text.tokenization_rnn import VECTORS_WORDS_FILE
from ..training.summary import layer_rows

__all__ = [
    "BYTES_PER_VALUE",
    "HUB_DATASET_ID",
    "TOXICITY_LABELS",
    "CardFacts",
    "card_facts_from_folder",
]

BYTES_PER_VALUE = {"float32": 4, "float16": 2}  # per value of the embedding table in model.safetensors
HUB_DATASET_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")
TOXICITY_LABELS = {"toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate", "toxicity"}
HYPERPARAMETERS = (
    "learning_rate", "per_device_train_batch_size", "num_train_epochs", "optim", "adam_epsilon",
    "lr_scheduler_type", "max_grad_norm", "train_sampling_strategy", "seed", "bf16", "fp16",
)  # fmt: skip


@dataclass
class CardFacts:
    """Everything the card shows, as plain data."""

    repo_id: str
    config: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    run_args: dict[str, Any] = field(default_factory=dict)
    training_args: dict[str, Any] = field(default_factory=dict)
    layers: list[tuple[str, str, str, str]] = field(default_factory=list)
    trainable_params: int = 0
    frozen_params: int = 0
    # Embedding rows of words the texts lack, taken from the vectors (ids after the Keras ids).
    vectors_words: int = 0
    # A validation comment with each word's contribution (`rnn_models.serving.explained_example`); None: none.
    explained_example: dict[str, Any] | None = None

    @property
    def label_names(self) -> list[str]:
        id2label = self.config.get("id2label") or {"0": "LABEL_0"}
        return [id2label[key] for key in sorted(id2label, key=int)]

    @property
    def preset(self) -> str | None:
        return self.run_args.get("model", {}).get("preset")

    @property
    def measured_key(self) -> str | None:
        """The preset as `rnn_models.hub.measured` knows it: a default preset trained before the raw-text
        features (no ``text_feature_size``) is another model, measured apart as ``"<preset> (bag only)"``."""
        if self.preset in TEXT_FEATURE_PRESETS and not self.config.get("text_feature_size"):
            return f"{self.preset} (bag only)"
        return self.preset

    @property
    def vectors(self) -> str | None:
        return self.run_args.get("model", {}).get("vectors") or self.results.get("vectors", {}).get("name")

    @property
    def vocab_from_vectors(self) -> int:
        """The ``--vocab_from_vectors`` setting: 0 the Keras vocabulary only (older folders), -1 all, N at most N."""
        return self.run_args.get("model", {}).get("vocab_from_vectors") or 0

    @property
    def embedding_storage_dtype(self) -> str:
        """The embedding table's dtype in ``model.safetensors``: ``"float32"`` (older folders) or ``"float16"``."""
        model = self.run_args.get("model", {})
        return self.config.get("embedding_storage_dtype") or model.get("embedding_storage_dtype") or "float32"

    @property
    def embedding_table_bytes(self) -> int | None:
        """Bytes of the embedding table on disk (rows x dim x 2 or 4); None without the shape or a known dtype."""
        rows, dim = self.config.get("vocab_size"), self.config.get("embedding_dim")
        size = BYTES_PER_VALUE.get(self.embedding_storage_dtype)
        return rows * dim * size if rows and dim and size else None

    @property
    def is_demo(self) -> bool:
        """Trained on the demo sample shipped with rnn-models (its figures are indicative only)."""
        data = self.run_args.get("data", {})
        return data.get("train_file") == "demo" and not data.get("dataset_name")

    @property
    def dataset(self) -> str:
        data = self.run_args.get("data", {})
        if self.is_demo:
            return "rnn-models demo comments"
        name = data.get("dataset_name")
        if name and (Path(name).is_dir() or not HUB_DATASET_ID.fullmatch(name)):
            return Path(name).name  # a local dataset folder: its name, never a path or a Hub id it is not
        return name or Path(str(data.get("train_file", "custom data"))).stem

    @property
    def tags(self) -> list[str]:
        tags = ["rnn", self.config.get("cell", "lstm"), "text-classification", "rnn-models"]
        if self.config.get("bidirectional"):
            tags.append("bidirectional")
        if self.vectors and "glove" in self.vectors.lower():
            tags.append("glove")
        if TOXICITY_LABELS & set(self.label_names):
            tags.append("toxicity")
        return tags

    def blend_rows(self) -> list[tuple[str, str, str, str]]:
        """Per label, the linear part's C, its cross-validation folds and the recurrent part's measured scale
        (``run_args.json``'s ``linear`` and ``blend``; none for older folders and models without the linear part).

        Example:
            >>> CardFacts("me/m", {}, run_args={"linear": {"toxic": {"c": 0.5, "cv_folds": 5}},
            ...           "blend": {"recurrent_logit_scale": {"toxic": 0.0123}}}).blend_rows()
            [('toxic', '0.5', '5', '0.0123')]
        """
        linear, scales = (
            self.run_args.get("linear", {}),
            self.run_args.get("blend", {}).get("recurrent_logit_scale", {}),
        )
        return [
            (
                name,
                f"{fit['c']:g}",
                str(fit.get("cv_folds") or "none"),
                f"{scales[name]:.4g}" if name in scales else "",
            )
            for name, fit in linear.items()
        ]

    def hyperparameters(self) -> list[tuple[str, Any]]:
        model = self.run_args.get("model", {})
        rows = [
            (name, model[name]) for name in ("preset", "vectors", "max_length", "num_words") if name in model
        ]
        rows += [(name, self.training_args[name]) for name in HYPERPARAMETERS if name in self.training_args]
        return rows


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _vectors_words(folder: Path, results: dict[str, Any]) -> int:
    """Words taken from the vectors: ``vectors_words.json``, else the coverage's count, else 0 (older folders)."""
    path = folder / VECTORS_WORDS_FILE
    if path.is_file():
        return len(json.loads(path.read_text(encoding="utf-8")))
    coverage = results.get("vectors", {}).get("coverage")
    return int(coverage.get("vectors_words", 0)) if isinstance(coverage, dict) else 0


def card_facts_from_folder(folder: str | Path, repo_id: str | None = None) -> CardFacts:
    """Reads a trained model folder; ``repo_id`` defaults to the folder name.

    Example:
        >>> import tempfile
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     RNNForSequenceClassification(RNNConfig(vocab_size=10, embedding_dim=4)).save_pretrained(folder)
        ...     facts = card_facts_from_folder(folder, "me/toxic-lstm")
        >>> facts.repo_id, facts.frozen_params, facts.tags[:2]
        ('me/toxic-lstm', 40, ['rnn', 'lstm'])
    """
    folder = Path(folder)
    config_dict = _read_json(folder / "config.json")
    config = RNNConfig.from_dict(config_dict)
    with torch.device("meta"):  # shapes only: counts without allocating the weights
        model = RNNForSequenceClassification(config)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    results = _read_json(folder / "eval_results.json")
    return CardFacts(
        repo_id=repo_id or folder.resolve().name,
        config=config_dict,
        results=results,
        run_args=_read_json(folder / "run_args.json"),
        training_args=_read_json(folder / "training_args.json"),
        layers=[(name, shape, f"{params:,}", keras) for name, shape, params, keras in layer_rows(model)],
        trainable_params=trainable,
        frozen_params=total - trainable,
        vectors_words=_vectors_words(folder, results),
        explained_example=_read_json(folder / EXPLAINED_EXAMPLE_FILE) or None,
    )
