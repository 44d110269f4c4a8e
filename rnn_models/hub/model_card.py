"""The model card's text: `CardFacts` in, README text out (no Hub access).

`render_model_card` fills huggingface_hub's offline card classes: the YAML metadata (`card_data`, a
``ModelCardData`` with ``EvalResult``s) and the Jinja template ``model_cards/rnn_classifier.md`` filled by
``ModelCard.from_template``. Only `rnn_models.hub.push` talks to the Hub: it uploads the text.
"""

from pathlib import Path
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData  # the offline card classes only (no HfApi)

from .card_facts import BYTES_PER_VALUE, CardFacts
from .highlighted_text import explained_example_text
from .measured import MEASURED, comparison_text

__all__ = [
    "CARD_TEMPLATE_NAME",
    "architecture_text",
    "card_data",
    "card_template_path",
    "card_values",
    "front_matter",
    "render_model_card",
]


CARD_TEMPLATE_NAME = "rnn_classifier.md"
DEMO_NOTE = (
    "**Demo figures.** This model was trained and validated on the demo data shipped with rnn-models "
    "(1,500 real Jigsaw comments, 300 of them held out for validation), not on the full Jigsaw data: its "
    "ROC AUC is indicative only (standard error about 0.04), and the model is not meant for real use."
)


def card_template_path() -> Path:
    """The card template: ``rnn_models/model_cards/`` in an installed wheel, ``model_cards/`` in a checkout.

    Example:
        >>> card_template_path().name
        'rnn_classifier.md'
    """
    package = Path(__file__).resolve().parents[1]  # rnn_models/
    for folder in (package / "model_cards", package.parent / "model_cards"):
        if (folder / CARD_TEMPLATE_NAME).is_file():
            return folder / CARD_TEMPLATE_NAME
    raise FileNotFoundError(
        f"{package}: the model card template {CARD_TEMPLATE_NAME} is missing; reinstall rnn-models"
    )


def _auc(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.4f}"


def card_data(facts: CardFacts) -> ModelCardData:
    """The card's YAML metadata: library, pipeline, tags, datasets, metrics, license and the model-index.

    Example:
        >>> facts = CardFacts(repo_id="me/toxic-lstm", config={"id2label": {"0": "toxic"}},
        ...                   results={"roc_auc_per_label": {"toxic": 0.95}})
        >>> data = card_data(facts)
        >>> data.tags, [(r.metric_name, r.metric_value) for r in data.eval_results]
        (['rnn', 'lstm', 'text-classification', 'rnn-models', 'toxicity'], [('ROC AUC (toxic)', 0.95)])
    """
    per_label = facts.results.get("roc_auc_per_label", {})
    dataset = facts.dataset
    eval_results = [
        EvalResult(
            task_type="text-classification",
            dataset_type=dataset,
            dataset_name=dataset,
            dataset_split="validation",
            metric_type="roc_auc",
            metric_name=f"ROC AUC ({label})",
            metric_value=round(value, 6),
        )
        for label, value in per_label.items()
        if value is not None
    ]
    return ModelCardData(
        language="en",
        license=facts.run_args.get("model", {}).get("license", "apache-2.0"),
        library_name="transformers",
        pipeline_tag="text-classification",
        tags=facts.tags,
        datasets=[dataset] if "/" in dataset else None,  # a Hub dataset id; local files stay in the text
        metrics=["roc_auc"],
        model_name=facts.repo_id.split("/")[-1],
        eval_results=eval_results or None,
    )


NOTEBOOK_INTRO = 'the model of the classic Keras "toxic comment" notebooks'
# What the bag-of-n-grams presets are; how they compare is measured data (`rnn_models.hub.measured`), not prose.
BAG_OF_NGRAMS_INTRO = (
    "the 2018 Jigsaw competition's pooled bidirectional recurrent network (max + mean pooling) on fine-tuned "
    "vectors, with a linear bag of hashed word, word-pair and character n-grams beside it for the misspelled and "
    "obfuscated words that word vectors miss"
)


TEXT_FEATURES_INTRO = (
    "a blend of two models: NB-LR (naive Bayes-scaled logistic regression) over word and character n-grams of "
    "the raw text, symbols kept, fitted by scikit-learn on the training texts, and the 2018 Jigsaw competition's "
    "pooled bidirectional recurrent network on fine-tuned vectors, whose logit is added at a measured weight"
)


def _model_intro(facts: CardFacts) -> str:
    if facts.config.get("text_feature_size"):
        return TEXT_FEATURES_INTRO
    return BAG_OF_NGRAMS_INTRO if facts.config.get("ngram_buckets") else NOTEBOOK_INTRO


def _recurrent_text(config: dict[str, Any], layer: dict[str, Any]) -> str:
    spec = {key: layer.get(key, config.get(key)) for key in ("cell", "hidden_size", "bidirectional")}
    cell = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}[spec["cell"] or "lstm"]
    return f"{'Bi' if spec['bidirectional'] else ''}{cell}({spec['hidden_size']})"


def _head_text(layer: dict[str, Any]) -> str:
    if layer["type"] == "dense":
        return f"Dense({layer['units']}, {layer.get('activation', 'linear')})"
    if layer["type"] == "dropout":
        return f"Dropout({layer['rate']})"
    return "BatchNormalization" if layer["type"] == "batch_norm" else layer["activation"]


def architecture_text(config: dict[str, Any]) -> str:
    """``BiGRU(64)`` (or the stack: ``2 x BiLSTM(64)``, ``LSTM(5) -> GRU(3)``), the pooling, the hidden head
    layers and the bag of n-grams when there are.

    Example:
        >>> architecture_text({"cell": "gru", "hidden_size": 64, "bidirectional": True, "pooling": "max"})
        'BiGRU(64) with max pooling'
    """
    layers = config.get("recurrent_layers") or [{}] * int(config.get("num_layers") or 1)
    texts = [_recurrent_text(config, layer) for layer in layers]
    text = f"{len(texts)} x {texts[0]}" if len(set(texts)) == 1 and len(texts) > 1 else " -> ".join(texts)
    pooling = {"max": "max pooling", "mean": "mean pooling", "max_mean": "max + mean pooling"}
    if config.get("pooling", "last") in pooling:
        text += f" with {pooling[config['pooling']]}"
    if config.get("head_layers"):
        text += ", then " + " -> ".join(map(_head_text, config["head_layers"]))
    if config.get("ngram_buckets"):
        text += " and a bag of n-grams"
    if config.get("text_feature_size"):
        text += f", beside NB-LR over {config['text_feature_size'] - 1:,} n-grams of the raw text"
    return text


def front_matter(tags: list[str]) -> str:
    """The YAML block opening a card without evaluation results (a converted model's).

    Example:
        >>> print(front_matter(["rnn", "keras"]).splitlines()[1])
        library_name: transformers
    """
    data = ModelCardData(library_name="transformers", pipeline_tag="text-classification", tags=tags)
    return f"---\n{data.to_yaml()}\n---\n"


def _comparison(facts: CardFacts) -> str:
    """This model's figure and its data, then the preset's measured comparison (`rnn_models.hub.measured`)."""
    reached = f"This model reached {_auc(facts.results.get('roc_auc'))} on {facts.dataset}"
    if facts.measured_key not in MEASURED["toxic"]:
        return f"{reached}. {comparison_text(facts.measured_key)}"
    return (
        f"{reached}; the figures below were measured on another workload and compare with each other, not with "
        f"it.\n\n{comparison_text(facts.measured_key)}"
    )


def _vectors_note(facts: CardFacts) -> str:
    coverage = facts.results.get("vectors", {}).get("coverage")
    name = facts.vectors or "unknown vectors"
    frozen = "frozen" if facts.config.get("freeze_embeddings", True) else "fine-tuned"
    text = f"`{name}`, {facts.config.get('embedding_dim')}-d, {frozen}."
    if isinstance(coverage, dict) and "word_coverage" in coverage:
        text += f" {coverage['found_words']:,} of {coverage['vocab_words']:,} vocabulary words have a vector"
        text += f" ({coverage['word_coverage']:.1%})"
        if coverage.get("token_coverage") is not None:
            text += f", {coverage['token_coverage']:.1%} of the training token occurrences"
        rows = "zeros" if coverage.get("missing", "zeros") == "zeros" else "random normal"
        text += f"; the other words' rows are {rows}."
        if missing := ", ".join(f"`{pair[0]}`" for pair in coverage.get("top_missing", [])[:10]):
            text += f" Most frequent missing: {missing}."
    elif isinstance(coverage, dict):
        details = ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in coverage.items())
        text += f" Coverage of the vocabulary: {details}."
    elif coverage:
        text += f"\n\n```\n{coverage}\n```"
    return text


FLOAT16_NOTE = (
    "The frozen table is stored in float16 and loaded as float32; rounding it moved ROC AUC by at most "
    "0.00006 over 27 runs on real comments and VADER snippets (rnn-models' `benchmarks/vocab_cpu*.json`)."
)


def _vocabulary_note(facts: CardFacts) -> str:
    """Embedding rows (padding, Keras words, words from the vectors) and the table's size on disk."""
    size = facts.embedding_table_bytes
    if size is None:
        return ""
    rows, dim = facts.config["vocab_size"], facts.config["embedding_dim"]
    dtype, setting, added = facts.embedding_storage_dtype, facts.vocab_from_vectors, facts.vectors_words
    fitted = facts.run_args.get("data", {}).get("fit_tokenizer_on") == "train+validation"
    texts = "training and validation texts" if fitted else "training texts"
    if setting == 0 and not added:
        taken = "none from the vectors (`--vocab_from_vectors 0`: the Keras vocabulary only)"
    else:
        which = "all the words of the vectors" if setting == -1 else f"at most {setting:,}"
        taken = f"{added:,} words the texts lack, taken from the vectors with ids after the Keras ids"
        taken += f" (`--vocab_from_vectors {setting}`: {which})" if setting else ""
        taken += "; they keep their pretrained vectors"
    text = (
        f"Vocabulary: {rows:,} embedding rows: the padding row, {rows - 1 - added:,} Keras words "
        f"of the {texts}, and {taken}. The table takes {rows:,} × {dim} × {BYTES_PER_VALUE[dtype]} bytes = {size:,} bytes "
        f"({size / 1e6:.1f} MB, {dtype}) in `model.safetensors`."
    )
    return f"{text} {FLOAT16_NOTE}" if dtype == "float16" else text


def _explained_example(facts: CardFacts) -> str:
    """The section's body for the folder's explained validation comment; "" for a folder without one."""
    return explained_example_text(facts.explained_example) if facts.explained_example else ""


def card_values(facts: CardFacts) -> dict[str, Any]:
    """The template's variables besides the metadata (``card_data`` and its fields)."""
    config = facts.config
    labels = facts.label_names
    mode = (
        "Runs every padded step like Keras (`keras_compatible=True`)."
        if config.get("keras_compatible")
        else "Each sequence runs over its real tokens only (its attention mask): padding on either side costs nothing."
    )
    return {
        "model_name": facts.repo_id.split("/")[-1],
        "repo_id": facts.repo_id,
        "architecture": architecture_text(config),
        "model_intro": _model_intro(facts),
        "label_phrase": ("the label " if len(labels) == 1 else "the labels ")
        + ", ".join(f"`{n}`" for n in labels),
        "macro_auc": _auc(facts.results.get("roc_auc")),
        "per_label": [(n, _auc(v)) for n, v in facts.results.get("roc_auc_per_label", {}).items()],
        "num_validation_rows": facts.results.get("num_validation_rows", "unknown"),
        "layers": facts.layers,
        "trainable_params": f"{facts.trainable_params:,}",
        "frozen_params": f"{facts.frozen_params:,}",
        "frozen": config.get("freeze_embeddings", True),
        "mode_note": mode,
        "data_note": DEMO_NOTE if facts.is_demo else "",
        "vectors_note": _vectors_note(facts),
        "vocabulary_note": _vocabulary_note(facts),
        "hyperparameters": facts.hyperparameters(),
        "blend_rows": facts.blend_rows(),
        "blend_held_out_rows": facts.run_args.get("blend", {}).get("held_out_rows"),
        "recurrent_weight": facts.run_args.get("blend", {}).get("recurrent_weight"),
        "comparison": _comparison(facts),
        "explained_example": _explained_example(facts),
    }


def render_model_card(facts: CardFacts) -> str:
    """The README.md text of a trained model (metadata + body), from plain facts; no network.

    huggingface_hub's offline card classes write the YAML and fill the Jinja template
    (``ModelCard.from_template``); nothing here talks to the Hub.

    Example:
        >>> facts = CardFacts(repo_id="me/toxic-lstm", config={"cell": "lstm", "id2label": {"0": "toxic"}},
        ...                   results={"roc_auc": 0.95, "roc_auc_per_label": {"toxic": 0.95}})
        >>> text = render_model_card(facts)
        >>> "pipeline_tag: text-classification" in text and 'model="me/toxic-lstm"' in text
        True
    """
    card = ModelCard.from_template(
        card_data(facts), template_path=str(card_template_path()), **card_values(facts)
    )
    return str(card)
