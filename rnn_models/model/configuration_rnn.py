"""Configuration of the GloVe + LSTM / GRU / BiLSTM text classifiers.

Shipped next to the weights by ``save_pretrained``: imports only the standard library and transformers.
"""

from typing import Any

from transformers import PreTrainedConfig

from .presets import DEFAULT_PRESET, NOTEBOOK_PRESETS, PRESETS, TEXT_FEATURE_PRESETS

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_PRESET",
    "NOTEBOOK_PRESETS",
    "PRESETS",
    "TEXT_FEATURE_PRESETS",
    "RNNConfig",
]

CELLS = ("lstm", "gru", "rnn")
POOLINGS = ("last", "max", "mean", "max_mean")
STORAGE_DTYPES = ("float32", "float16")
# Keras's activation names (``Dense(activation=...)``) that a head layer may use; see classifier_head.py.
ACTIVATIONS = ("linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "gelu_tanh", "tanh", "sigmoid",
               "swish", "silu", "mish", "softplus", "softsign", "exponential", "softmax", "log_softmax")  # fmt: skip
HEAD_LAYER_FIELDS = {
    "dense": {"units", "activation", "use_bias"},
    "batch_norm": {"epsilon", "momentum"},
    "dropout": {"rate"},
    "activation": {"activation", "negative_slope"},
}
RECURRENT_LAYER_FIELDS = (
    "cell", "hidden_size", "bidirectional", "gru_reset_after", "recurrent_activation", "dropout", "recurrent_dropout",
)  # fmt: skip
# Gate activations of LSTM / GRU layers: the sigmoid (fused kernels), or Keras's hard sigmoids (a step loop):
# Keras 2's clip(0.2 x + 0.5, 0, 1), the default of standalone Keras <= 2.2, and Keras 3's relu6(x + 3) / 6.
RECURRENT_ACTIVATIONS = ("sigmoid", "hard_sigmoid_keras2", "hard_sigmoid_keras3")


# The Auto classes a saved folder's code serves (trust_remote_code), by the files shipped beside the weights.
AUTO_MAP = {
    "AutoConfig": "configuration_rnn.RNNConfig",
    "AutoModel": "modeling_rnn.RNNModel",
    "AutoModelForSequenceClassification": "modeling_rnn.RNNForSequenceClassification",
}


def _check_choice(field: str, value: Any, accepted: tuple[str | None, ...]) -> None:
    if value not in accepted:
        raise ValueError(
            f"RNNConfig.{field}={value!r} is not supported; expected one of {', '.join(map(str, accepted))}."
        )


def _check_positive_int(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RNNConfig.{field}={value!r} is invalid; expected an integer >= 1.")


def _check_probability(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"RNNConfig.{field}={value!r} is invalid; expected a number in [0, 1).")


def _check_ngrams(config: "RNNConfig") -> None:
    if config.ngram_buckets == 0:
        return
    if (
        isinstance(config.ngram_buckets, bool)
        or not isinstance(config.ngram_buckets, int)
        or config.ngram_buckets < 2
    ):
        raise ValueError(
            f"RNNConfig.ngram_buckets={config.ngram_buckets!r} is invalid; expected 0 (no bag of n-grams) or an "
            "integer >= 2."
        )
    for field in ("ngram_min_chars", "ngram_max_chars", "ngram_max_per_word"):
        _check_positive_int(field, getattr(config, field))
    if config.ngram_min_chars > config.ngram_max_chars:
        raise ValueError(
            f"RNNConfig.ngram_min_chars={config.ngram_min_chars} is larger than ngram_max_chars="
            f"{config.ngram_max_chars}; expected min <= max."
        )
    scale = config.ngram_learning_rate_scale
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
        raise ValueError(f"RNNConfig.ngram_learning_rate_scale={scale!r} is invalid; expected a number > 0.")


def _check_text_features(config: "RNNConfig") -> None:
    size, groups = config.text_feature_size, config.text_feature_groups
    if size == 0:
        return
    _check_positive_int("text_feature_size", size)
    if (
        not isinstance(groups, list)
        or not groups
        or groups[0] != 1
        or any(not isinstance(g, int) or isinstance(g, bool) for g in groups)
        or groups != sorted(set(groups))
        or groups[-1] >= size
    ):
        raise ValueError(
            f"RNNConfig.text_feature_groups={groups!r} is invalid; expected the first id of each group of raw-text "
            f"features, ascending from 1 and below text_feature_size={size} (e.g. [1, first character n-gram id])."
        )


def _check_recurrent_logit_scale(scale: Any, num_labels: int) -> None:
    def number(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0

    per_label = isinstance(scale, list) and len(scale) == num_labels and all(map(number, scale))
    if not (number(scale) or per_label):
        raise ValueError(
            f"RNNConfig.recurrent_logit_scale={scale!r} is invalid; expected a number >= 0 or a list of "
            f"num_labels={num_labels} numbers >= 0 (one per label)."
        )


def _check_recurrent_layers(config: "RNNConfig") -> None:
    layers = config.recurrent_layers
    if not isinstance(layers, list) or not layers or not all(isinstance(layer, dict) for layer in layers):
        raise ValueError(
            f"RNNConfig.recurrent_layers={layers!r} is invalid; expected None or a non-empty list of dicts "
            f"with keys among {', '.join(RECURRENT_LAYER_FIELDS)}."
        )
    for index, layer in enumerate(layers):
        unknown = set(layer) - set(RECURRENT_LAYER_FIELDS)
        if unknown:
            raise ValueError(
                f"RNNConfig.recurrent_layers[{index}] has unknown keys {sorted(unknown)}; expected keys among "
                f"{', '.join(RECURRENT_LAYER_FIELDS)}."
            )
    for index, spec in enumerate(config.layer_specs()):
        where = f"recurrent_layers[{index}].%s"
        _check_choice(where % "cell", spec["cell"], CELLS)
        _check_positive_int(where % "hidden_size", spec["hidden_size"])
        for flag in ("bidirectional", "gru_reset_after"):
            if not isinstance(spec[flag], bool):
                raise ValueError(
                    f"RNNConfig.{where % flag}={spec[flag]!r} is invalid; expected true or false."
                )
        _check_choice(where % "recurrent_activation", spec["recurrent_activation"], RECURRENT_ACTIVATIONS)
        for rate in ("dropout", "recurrent_dropout"):
            _check_probability(where % rate, spec[rate])


def _check_head_layer(index: int, layer: Any) -> None:
    where = f"RNNConfig.head_layers[{index}]"
    kind = layer.get("type") if isinstance(layer, dict) else None
    if kind not in HEAD_LAYER_FIELDS:
        raise ValueError(
            f"{where}={layer!r} is invalid; expected a dict whose 'type' is one of {', '.join(HEAD_LAYER_FIELDS)}."
        )
    unknown = set(layer) - HEAD_LAYER_FIELDS[kind] - {"type"}
    if unknown:
        raise ValueError(
            f"{where} ({kind}) has unknown keys {sorted(unknown)}; expected keys among "
            f"{', '.join(sorted(HEAD_LAYER_FIELDS[kind]))}."
        )
    if kind == "dense":
        _check_positive_int(f"head_layers[{index}].units", layer.get("units"))
    if kind in ("dense", "activation"):
        _check_choice(f"head_layers[{index}].activation", layer.get("activation", "linear"), ACTIVATIONS)
    if kind == "dropout":
        _check_probability(f"head_layers[{index}].rate", layer.get("rate"))
    for key in ("epsilon", "negative_slope", "momentum"):
        value = layer.get(key, 0.5)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{where}.{key}={value!r} is invalid; expected a number >= 0.")


def _check_head_layers(config: "RNNConfig") -> None:
    if not isinstance(config.head_layers, list):
        raise ValueError(
            f"RNNConfig.head_layers={config.head_layers!r} is invalid; expected None or a list of dicts."
        )
    for index, layer in enumerate(config.head_layers):
        _check_head_layer(index, layer)


class RNNConfig(PreTrainedConfig):
    r"""Configuration of an embedding + recurrent encoder + linear head text classifier.

    Args:
        vocab_size: rows of the embedding table (Keras: ``len(word_index) + 1``; row 0 is padding).
        embedding_dim: width of the word vectors (300 for GloVe 840B, 50 for glove.6B.50d).
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (Keras ``SimpleRNN``, tanh).
        hidden_size: units per direction of each recurrent layer.
        num_layers: stacked recurrent layers.
        bidirectional: Keras ``Bidirectional(...)`` with ``merge_mode="concat"``.
        pad_token_id: id of the padding token; its embedding row stays zero.
        freeze_embeddings: keep the pretrained vectors fixed (Keras ``trainable=False``).
        embedding_dropout: Keras ``SpatialDropout1D``: whole embedding channels dropped for all steps.
        dropout: Keras RNN ``dropout``: one mask per sample on the recurrent layer's input channels,
            shared by all time steps.
        recurrent_dropout: Keras RNN ``recurrent_dropout``, implemented as DropConnect on the
            hidden-to-hidden weights (one mask per batch, as in AWD-LSTM) so the fused kernels stay usable.
        classifier_dropout: dropout on the pooled features before the output layer.
        pooling: ``"last"`` (final hidden state, like Keras ``return_sequences=False``), ``"max"`` or ``"mean"``
            over the real time steps, or ``"max_mean"``: both, concatenated (the pooled BiGRU of the 2018
            Jigsaw competition: ``concatenate([GlobalMaxPooling1D, GlobalAveragePooling1D])``).
        max_length: sequence length the tokenizer pads / truncates to (Keras ``maxlen``).
        keras_compatible: ``False`` runs only each row's real tokens, found from the attention mask (fast,
            padding-invariant, cost linear in real tokens); ``True`` runs over the full padded length like
            Keras, for parity with imported Keras weights.
        keras_padding: with ``keras_compatible``, ``None`` runs the input as given; ``"pre"`` or ``"post"``
            first re-pads each row's real tokens (``attention_mask``, else the ids that are not padding) to
            ``max_length`` as Keras ``pad_sequences(padding=...)`` did in the converted model's app, so any
            caller (``pipeline`` pads nothing) gets Keras's scores. Ids of width ``max_length`` without a mask
            run as given: that is Keras's own input.
        keras_truncating: ``"pre"`` or ``"post"``, Keras ``pad_sequences(truncating=...)`` for that re-padding.
        embedding_storage_dtype: ``"float32"``, or ``"float16"`` to store a frozen embedding table at half the
            size in ``model.safetensors`` (it is float32 again in memory after loading).
        ngram_buckets: ``0`` (off, the notebook's models) or the number of hash buckets of a linear bag of
            n-grams added to the logits (`rnn_models.model.bag_of_ngrams.NgramLogits`): each word's character
            n-grams, the words and the pairs of adjacent words, one weight per label each.
        ngram_min_chars, ngram_max_chars: lengths of the character n-grams of ``"<word>"``.
        ngram_max_per_word: character n-grams kept per word (the first ones, shortest first).
        ngram_learning_rate_scale: the bag's weights learn this many times faster than the rest of the
            model (stored divided by it): sparse linear features need larger steps.
        text_feature_size: ``0`` (off) or the rows of a linear model over features of the raw text (word and
            character n-grams with their symbols, `rnn_models.model.text_feature_logits.TextFeatureLogits`), which
            the tokenizer gives as ``text_feature_ids`` / ``text_feature_counts``: padding, then the n-grams.
        text_feature_groups: the first id of each group of those features (``[1, first character n-gram]``);
            each group's TF-IDF row is normalised on its own, as two vectorizers side by side.
        text_feature_sublinear_tf: ``1 + log(count)`` as the term frequency (``False``: the count).
        recurrent_logit_scale: with the linear part over raw-text features, the logit is that part's plus this
            times the recurrent part's (a number, or a list of one number per label); in training mode the recurrent
            part's logit is returned alone (the linear part is fitted beforehand, and the training job sets this
            blend weight afterwards).
        gru_reset_after: GRU layout. ``True`` is PyTorch's and Keras 2.x/3's default (reset gate applied
            after the recurrent matmul); ``False`` is the TF1-era Keras layout, run by a slower step loop.
        recurrent_activation: gate activation of LSTM / GRU layers: ``"sigmoid"`` (fused kernels), or Keras's
            ``"hard_sigmoid_keras2"`` (``clip(0.2 x + 0.5, 0, 1)``, the default of Keras <= 2.2 models) or
            ``"hard_sigmoid_keras3"`` (``relu6(x + 3) / 6``), run by a slower step loop.
        recurrent_layers: ``None`` (``num_layers`` identical layers, as set by the fields above) or one dict per
            stacked layer, for stacks that differ from layer to layer (converted Keras models): keys among
            ``cell``, ``hidden_size``, ``bidirectional``, ``gru_reset_after``, ``recurrent_activation``,
            ``dropout``, ``recurrent_dropout``;
            a key left out takes the field of the same name. ``num_layers`` then follows the list.
        head_layers: layers between the pooled features and the output layer (Keras hidden ``Dense`` layers),
            in order: ``{"type": "dense", "units": 64, "activation": "relu", "use_bias": true}``,
            ``{"type": "batch_norm", "epsilon": 0.001, "momentum": 0.01}`` (PyTorch's momentum: Keras's
            0.99 is 0.01), ``{"type": "dropout", "rate": 0.5}`` or ``{"type": "activation", "activation":
            "leaky_relu", "negative_slope": 0.3}``. Activations are Keras's names (`ACTIVATIONS`).

    Example:
        >>> from rnn_models import RNNConfig
        >>> config = RNNConfig.from_preset("bilstm", vocab_size=1000)
        >>> (config.cell, config.hidden_size, config.bidirectional)
        ('lstm', 300, True)
    """

    model_type = "rnn_classifier"

    vocab_size: int = 20000
    embedding_dim: int = 300
    cell: str = "lstm"
    hidden_size: int = 100
    num_layers: int = 1
    bidirectional: bool = False
    pad_token_id: int | None = 0
    freeze_embeddings: bool = True
    embedding_dropout: float = 0.0
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    classifier_dropout: float = 0.0
    pooling: str = "last"
    max_length: int = 1500
    keras_compatible: bool = False
    keras_padding: str | None = None
    keras_truncating: str = "pre"
    gru_reset_after: bool = True
    recurrent_activation: str = "sigmoid"
    initializer_range: float = 0.05
    embedding_storage_dtype: str = "float32"
    ngram_buckets: int = 0
    ngram_min_chars: int = 2
    ngram_max_chars: int = 5
    ngram_max_per_word: int = 32
    ngram_learning_rate_scale: float = 1.0
    recurrent_layers: list[dict[str, Any]] | None = None
    head_layers: list[dict[str, Any]] | None = None
    text_feature_size: int = 0
    text_feature_groups: list[int] | None = None
    text_feature_sublinear_tf: bool = True
    recurrent_logit_scale: float | list[float] = 1.0

    def __post_init__(self, **kwargs: Any) -> None:
        if self.id2label is None:
            kwargs.setdefault("num_labels", 1)  # one sigmoid output, like the Keras Dense(1)
        super().__post_init__(**kwargs)
        _check_choice("cell", self.cell, CELLS)
        _check_choice("pooling", self.pooling, POOLINGS)
        _check_choice("embedding_storage_dtype", self.embedding_storage_dtype, STORAGE_DTYPES)
        _check_choice("keras_padding", self.keras_padding, (None, "pre", "post"))
        _check_choice("recurrent_activation", self.recurrent_activation, RECURRENT_ACTIVATIONS)
        _check_choice("keras_truncating", self.keras_truncating, ("pre", "post"))
        if self.embedding_storage_dtype == "float16" and not self.freeze_embeddings:
            raise ValueError(
                "RNNConfig.embedding_storage_dtype='float16' rounds the table on every save, so it is for frozen "
                "vectors only; set freeze_embeddings=True or keep embedding_storage_dtype='float32'."
            )
        for field in ("vocab_size", "embedding_dim", "hidden_size", "num_layers", "max_length"):
            _check_positive_int(field, getattr(self, field))
        _check_ngrams(self)
        _check_text_features(self)
        _check_recurrent_logit_scale(self.recurrent_logit_scale, self.num_labels)
        if self.recurrent_layers is not None:
            _check_recurrent_layers(self)
            self.num_layers = len(self.recurrent_layers)
        if self.head_layers is not None:
            _check_head_layers(self)
        for field in ("embedding_dropout", "dropout", "recurrent_dropout", "classifier_dropout"):
            _check_probability(field, getattr(self, field))
        _check_positive_int("num_labels", self.num_labels)
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ValueError(
                f"RNNConfig.pad_token_id={self.pad_token_id!r} is outside the vocabulary; "
                f"expected None or an integer in [0, {self.vocab_size})."
            )
        if self.problem_type == "single_label_classification" and self.num_labels == 1:
            raise ValueError("RNNConfig.problem_type='single_label_classification' needs num_labels >= 2.")

    @classmethod
    def from_preset(cls, name: str = DEFAULT_PRESET, **overrides: Any) -> "RNNConfig":
        """A preset: the Keras notebooks' ``"lstm"``, ``"gru"`` or ``"bilstm"``; ``"bilstm_ngrams"`` (the default) or
        ``"bigru_ngrams"`` beyond them.

        Example:
            >>> RNNConfig.from_preset("gru", vocab_size=500, embedding_dim=50).embedding_dropout
            0.3
            >>> config = RNNConfig.from_preset(vocab_size=500, embedding_dim=50)
            >>> (config.cell, config.bidirectional, config.pooling, config.freeze_embeddings)
            ('lstm', True, 'max_mean', False)
        """
        if name not in PRESETS:
            raise ValueError(f"Unknown preset {name!r}; expected one of {', '.join(PRESETS)}.")
        return cls(**{**PRESETS[name], **overrides})

    def save_pretrained(self, save_directory, *args: Any, **kwargs: Any) -> Any:
        """`PreTrainedConfig.save_pretrained`; when a model's code is shipped beside it, ``auto_map`` lists every
        Auto class of the family, so that `AutoModel` loads a saved classifier too.

        transformers names only the saved model's class in ``auto_map`` (``modeling_rnn.<class>``), and only
        when it copies the code files: that entry is the sign the map is completed on.
        """
        auto_map = getattr(self, "auto_map", None) or {}
        if any(str(value).split("--")[-1].startswith("modeling_rnn.") for value in auto_map.values()):
            self.auto_map = {**auto_map, **AUTO_MAP}
        return super().save_pretrained(save_directory, *args, **kwargs)

    def to_diff_dict(self) -> dict[str, Any]:
        """`PreTrainedConfig.to_diff_dict`, always with the labels.

        transformers leaves out two generic labels (``LABEL_0``, ``LABEL_1``: its own default); this config's
        default is one label, so a two-output model would load back with one.
        """
        diff = super().to_diff_dict()
        full = self.to_dict()
        return {**diff, "id2label": full["id2label"], "label2id": full["label2id"]}

    def layer_specs(self) -> list[dict[str, Any]]:
        """Every stacked recurrent layer's fields, ``recurrent_layers`` filled in from the top-level fields.

        Example:
            >>> config = RNNConfig(hidden_size=8, recurrent_layers=[{"bidirectional": True}, {"cell": "gru"}])
            >>> [(s["cell"], s["hidden_size"], s["bidirectional"]) for s in config.layer_specs()]
            [('lstm', 8, True), ('gru', 8, False)]
        """
        defaults = {name: getattr(self, name) for name in RECURRENT_LAYER_FIELDS}
        layers = self.recurrent_layers or [{}] * self.num_layers
        return [{**defaults, **layer} for layer in layers]

    @property
    def num_directions(self) -> int:
        """Directions of the last recurrent layer (the one the pooling reads)."""
        return 2 if self.layer_specs()[-1]["bidirectional"] else 1

    @property
    def encoder_output_size(self) -> int:
        """Width of each time step of the encoder output (the last recurrent layer's)."""
        return self.layer_specs()[-1]["hidden_size"] * self.num_directions

    @property
    def classifier_input_size(self) -> int:
        """Width the output layer reads: the pooled features, or the last head ``dense`` layer's units."""
        units = [layer["units"] for layer in self.head_layers or [] if layer["type"] == "dense"]
        return units[-1] if units else self.pooled_size

    @property
    def pooled_size(self) -> int:
        """Width of the pooled features the classifier reads (``max_mean`` concatenates two poolings)."""
        return self.encoder_output_size * (2 if self.pooling == "max_mean" else 1)
