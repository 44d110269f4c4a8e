"""A Keras model config -> the supported layer chain (`KerasArchitecture`) -> its `RNNConfig`.

Supported: ``Embedding -> [SpatialDropout1D | Dropout | GaussianNoise ...] -> one or more LSTM | GRU |
SimpleRNN | Bidirectional(one of those) layers (any mix and sizes, return_sequences=True between them) ->
[GlobalMaxPooling1D | GlobalAveragePooling1D] -> [Dense | BatchNormalization | Dropout | Activation ...]
-> Dense`` (the head: `.head`), as a ``Sequential`` or a chain-shaped functional model. Anything else
raises a ``ValueError`` naming the layer and listing what is supported.
"""

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model.configuration_rnn import RNNConfig
from .files import KerasWeightRef
from .graph import POOLINGS, layer_chain, recorded_input_length
from .head import HEAD_CLASSES, TRAINING_ONLY, KerasHead, parse_head
from .layers import KerasLayer, keras_activation

__all__ = [
    "SUPPORTED_LAYERS",
    "KerasArchitecture",
    "KerasLayer",
    "RecurrentSpec",
    "parse_architecture",
    "to_rnn_config",
]


# CuDNNLSTM / CuDNNGRU: Keras 2's GPU-only layers (the 2018 Kaggle kernels): tanh / sigmoid, GRU reset after.
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU", "Bidirectional")
_POOLING_LAYERS = (*POOLINGS, "ConcatenatedPooling")
SUPPORTED_LAYERS = (
    "Embedding", "SpatialDropout1D", *_RECURRENT, *POOLINGS, *HEAD_CLASSES,
    *TRAINING_ONLY,
)  # fmt: skip
_CELLS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn", "CuDNNLSTM": "lstm", "CuDNNGRU": "gru"}
DEFAULT_MAX_LENGTH = 1500
_CHAIN = "Embedding -> [dropout] -> recurrent layers -> [global pooling] -> [Dense / BatchNormalization / Dropout ...] -> Dense"
_STAGES = {
    "embedded": "the embeddings",
    "sequence": "a sequence output (return_sequences=True)",
    "pooled": "a vector per text (return_sequences=False or pooling)",
}


@dataclass(frozen=True)
class RecurrentSpec:
    """A recurrent layer (plain or `Bidirectional`) with the options the conversion depends on."""

    layer: KerasLayer
    cell: str  # Keras class of the (wrapped) layer: LSTM, GRU or SimpleRNN
    bidirectional: bool
    units: int
    use_bias: bool
    reset_after: bool
    recurrent_activation: str  # RNNConfig's name: "sigmoid", "hard_sigmoid_keras2" or "hard_sigmoid_keras3"
    dropout: float
    recurrent_dropout: float
    return_sequences: bool

    def as_layer_fields(self) -> dict[str, Any]:
        """This layer as an ``RNNConfig.recurrent_layers`` entry."""
        return {
            "cell": _CELLS[self.cell],
            "hidden_size": self.units,
            "bidirectional": self.bidirectional,
            "gru_reset_after": self.reset_after if _CELLS[self.cell] == "gru" else True,
            "recurrent_activation": self.recurrent_activation,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }


@dataclass
class KerasArchitecture:
    """The supported Keras chain, reduced to what `RNNConfig` and the weight mapping need."""

    embedding: KerasLayer
    recurrent: list[RecurrentSpec] = field(default_factory=list)
    head: KerasHead = field(default_factory=KerasHead)
    input_length: int | None = None
    embedding_dropout: float = 0.0
    pooling: str = "last"
    pooled_order: tuple[
        str, ...
    ] = ()  # ("mean", "max"): Keras concatenated them in the other order than ours

    @property
    def dense(self) -> KerasLayer | None:
        """The output ``Dense`` layer."""
        return self.head.output

    def weight_refs(self) -> list[KerasWeightRef]:
        layers = (
            self.embedding,
            *(s.layer for s in self.recurrent),
            *(layer for layer, _ in self.head.layers),
        )
        return [layer.ref() for layer in (*layers, self.head.output) if layer.class_name in _WEIGHTED]


_WEIGHTED = ("Embedding", *_RECURRENT, "Dense", "BatchNormalization")


def _check_option(layer: KerasLayer, cfg: dict[str, Any], key: str, accepted: Any, label: str) -> None:
    value = cfg.get(key, accepted)
    value = keras_activation(value) if "activation" in key else value
    if value != accepted:
        raise layer.error(label, f"has {key}={value!r}, which is not supported", f"{key}={accepted!r}")


def _recurrent_spec(layer: KerasLayer, label: str, keras_major: int) -> RecurrentSpec:
    cfg, bidirectional = layer.config, layer.class_name == "Bidirectional"
    cell = layer.class_name
    if bidirectional:
        _check_option(layer, cfg, "merge_mode", "concat", label)
        wrapped, backward = cfg["layer"], cfg.get("backward_layer")
        cell, cfg = wrapped["class_name"], wrapped["config"]
        if cell not in _CELLS:
            raise layer.error(
                label,
                f"wraps {cell}, which is not supported",
                "Bidirectional(LSTM | GRU | SimpleRNN | CuDNN...)",
            )
        if backward is not None and backward["class_name"] != cell:
            raise layer.error(label, "has a backward layer unlike its forward layer", "identical directions")
    _check_option(layer, cfg, "activation", "tanh", label)
    recurrent_activation = keras_activation(cfg.get("recurrent_activation", "sigmoid"))
    if cell != "SimpleRNN" and recurrent_activation not in ("sigmoid", "hard_sigmoid"):
        raise layer.error(
            label,
            f"has recurrent_activation={recurrent_activation!r}, which is not supported",
            "recurrent_activation='sigmoid' or 'hard_sigmoid'",
        )
    if recurrent_activation == "hard_sigmoid":  # Keras 2 and Keras 3 define it differently
        recurrent_activation = f"hard_sigmoid_keras{keras_major}"
    for option in ("go_backwards", "stateful", "return_state", "time_major"):
        _check_option(layer, cfg, option, False, label)
    return RecurrentSpec(
        layer=layer,
        cell=cell,
        bidirectional=bidirectional,
        units=cfg["units"],
        use_bias=cfg.get("use_bias", True),
        # reset_after is absent before Keras 2.1.3 (False then); cuDNN's GRU resets after the matmul.
        reset_after=cell == "CuDNNGRU" or (cell == "GRU" and cfg.get("reset_after", False)),
        recurrent_activation="sigmoid" if cell == "SimpleRNN" else recurrent_activation,
        dropout=float(cfg.get("dropout", 0.0)),
        recurrent_dropout=float(cfg.get("recurrent_dropout", 0.0)),
        return_sequences=cfg.get("return_sequences", False),
    )


def _add_recurrent(arch: KerasArchitecture, layer: KerasLayer, label: str, keras_major: int) -> str:
    spec = _recurrent_spec(layer, label, keras_major)
    arch.recurrent.append(spec)
    return "sequence" if spec.return_sequences else "pooled"


def _add_dropout(arch: KerasArchitecture, layer: KerasLayer, stage: str, label: str) -> None:
    if layer.class_name == "SpatialDropout1D" and stage == "embedded" and arch.embedding_dropout == 0.0:
        arch.embedding_dropout = float(layer.config["rate"])
    else:  # inference is unaffected; only training would differ
        message = f"{label}: {layer.name!r} ({layer.class_name}) has no equivalent here; it is left out."
        warnings.warn(message, stacklevel=3)


def _add_pooling(arch: KerasArchitecture, layer: KerasLayer, mask_zero: bool, label: str) -> None:
    poolings = layer.config["poolings"] if layer.class_name == "ConcatenatedPooling" else [layer.config]
    kinds = []
    for pooling in poolings:
        cfg = pooling.get("config", pooling)
        _check_option(layer, cfg, "data_format", "channels_last", label)
        _check_option(layer, cfg, "keepdims", False, label)
        kinds.append(
            POOLINGS[pooling["class_name"]] if "class_name" in pooling else POOLINGS[layer.class_name]
        )
    if mask_zero and "max" in kinds:  # Keras max-pools the padding steps' outputs too
        raise layer.error(
            label, "ignores the mask of mask_zero=True", "GlobalAveragePooling1D with mask_zero=True"
        )
    arch.pooling = "max_mean" if len(kinds) == 2 else kinds[0]
    arch.pooled_order = tuple(kinds)


def _first_layer(layers: list[KerasLayer], label: str) -> KerasLayer:
    if not layers or layers[0].class_name != "Embedding":
        first = f"layer {layers[0].name!r} ({layers[0].class_name})" if layers else "no layer"
        raise ValueError(f"{label}: the model starts with {first}; supported: an Embedding first layer.")
    return layers[0]


def _check_supported(layer: KerasLayer, stage: str, label: str) -> None:
    kind = layer.class_name
    if kind not in SUPPORTED_LAYERS and kind not in _POOLING_LAYERS:
        raise ValueError(
            f"{label}: layer {layer.name!r} ({kind}) is not supported; "
            f"supported layers: {', '.join(SUPPORTED_LAYERS)}."
        )
    sequence_part = kind in _RECURRENT or kind in _POOLING_LAYERS or kind == "SpatialDropout1D"
    head_part = (
        kind in HEAD_CLASSES and kind != "Dropout"
    ) or kind == "Flatten"  # Flatten of steps: a new width
    if (stage == "pooled" and sequence_part) or (stage != "pooled" and head_part):
        raise layer.error(label, f"cannot follow {_STAGES[stage]}", _CHAIN)


def parse_architecture(
    config: dict[str, Any], label: str = "model", keras_major: int = 3
) -> KerasArchitecture:
    """Checks a Keras model config against the supported chain and reduces it to a `KerasArchitecture`.

    ``keras_major`` (2 or 3, `keras_major_version`) is the Keras that saved it, whose ``hard_sigmoid`` the
    recurrent layers use. Anything else raises ``ValueError("{label}: layer 'x' (Class) ...; supported: ...")``.
    """
    layers = layer_chain(config, label)
    arch = KerasArchitecture(
        embedding=_first_layer(layers, label), input_length=recorded_input_length(config, label)
    )
    mask_zero = bool(layers[0].config.get("mask_zero", False))
    stage, rest = "embedded", layers[1:]  # -> "sequence" (one vector per step) -> "pooled" (one per text)
    while rest and stage != "pooled":
        layer, rest = rest[0], rest[1:]
        _check_supported(layer, stage, label)
        if layer.class_name in _RECURRENT:
            stage = _add_recurrent(arch, layer, label, keras_major)
        elif layer.class_name in _POOLING_LAYERS and stage == "sequence":
            _add_pooling(arch, layer, mask_zero, label)
            stage = "pooled"
        elif layer.class_name in _POOLING_LAYERS:
            raise layer.error(label, f"cannot follow {_STAGES[stage]}", _CHAIN)
        else:
            _add_dropout(arch, layer, stage, label)
    for layer in rest:
        _check_supported(layer, stage, label)
    arch.head = parse_head(rest, label)
    if stage != "pooled" or arch.head.output is None:
        last = layers[-1]
        raise ValueError(
            f"{label}: the model ends with layer {last.name!r} ({last.class_name}); supported: {_CHAIN}."
        )
    return arch


def _recurrent_fields(arch: KerasArchitecture) -> dict[str, Any]:
    """The top-level fields of the first layer; ``recurrent_layers`` too when the layers differ."""
    layers = [spec.as_layer_fields() for spec in arch.recurrent]
    fields = {**layers[0], "num_layers": len(layers)}
    if any(layer != layers[0] for layer in layers):
        fields["recurrent_layers"] = layers
    return fields


def _label_fields(units: int, activation: str, labels: Sequence[str] | None, label: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"num_labels": units, "problem_type": None}
    if labels is not None:
        if len(labels) != units:
            raise ValueError(f"{label}: {len(labels)} labels given for a Dense layer of {units} units.")
        fields |= {
            "id2label": dict(enumerate(labels)),
            "label2id": {name: i for i, name in enumerate(labels)},
        }
    if activation == "softmax":
        fields["problem_type"] = "single_label_classification"
    elif activation == "sigmoid" and units > 1:
        fields["problem_type"] = "multi_label_classification"
    return fields


def to_rnn_config(
    arch: KerasArchitecture, labels: Sequence[str] | None = None, label: str = "model"
) -> RNNConfig:
    """The `RNNConfig` of a parsed Keras model (``labels`` name the Dense outputs; default ``LABEL_i``)."""
    embedding = arch.embedding.config
    mask_zero = bool(embedding.get("mask_zero", False))
    return RNNConfig(
        vocab_size=embedding["input_dim"],
        embedding_dim=embedding["output_dim"],
        pad_token_id=0,  # the Keras tokenizer reserves index 0 for padding
        freeze_embeddings=not embedding.get("trainable", True),
        embedding_dropout=arch.embedding_dropout,
        classifier_dropout=arch.head.classifier_dropout,
        pooling=arch.pooling,
        max_length=arch.input_length or DEFAULT_MAX_LENGTH,
        keras_compatible=not mask_zero,  # a Keras mask skips padding: packing does the same
        head_layers=arch.head.head_layers(),
        **_recurrent_fields(arch),
        **_label_fields(arch.dense.config["units"], arch.head.output_activation, labels, label),
    )
