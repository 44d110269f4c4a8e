"""A Keras model config -> the supported layer chain (`KerasArchitecture`) -> its `RNNConfig`.

Supported: the notebooks' single chain ``Embedding -> [SpatialDropout1D] -> LSTM | GRU | SimpleRNN |
Bidirectional(one of those) (stacked if equal in size) -> [GlobalMaxPooling1D | GlobalAveragePooling1D]
-> [Dropout] -> Dense`` with a sigmoid, softmax or linear output, as a ``Sequential`` or a chain-shaped
functional model. Anything else raises a ``ValueError`` naming the layer and listing what is supported.
"""

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..configuration_rnn import RNNConfig
from .files import KerasWeightRef, keras3_layer_paths

__all__ = [
    "SUPPORTED_LAYERS",
    "KerasArchitecture",
    "KerasLayer",
    "RecurrentSpec",
    "parse_architecture",
    "to_rnn_config",
]


SUPPORTED_LAYERS = (
    "Embedding", "SpatialDropout1D", "Dropout", "LSTM", "GRU", "SimpleRNN", "Bidirectional",
    "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Dense",
)  # fmt: skip
_POOLINGS = {"GlobalMaxPooling1D": "max", "GlobalMaxPool1D": "max", "GlobalAveragePooling1D": "mean"}
_POOLINGS["GlobalAvgPool1D"] = "mean"
_SKIPPED = ("InputLayer", "NotEqual")  # NotEqual: the mask op Keras 3 records for mask_zero=True
_CELLS = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}
DEFAULT_MAX_LENGTH = 1500
_CHAIN = "Embedding -> [SpatialDropout1D] -> recurrent layers -> [global pooling] -> [Dropout] -> Dense"
_STAGES = {
    "embedded": "the embeddings",
    "sequence": "a sequence output (return_sequences=True)",
    "pooled": "a vector per text (return_sequences=False or pooling)",
    "done": "the output Dense layer",
}


@dataclass(frozen=True)
class KerasLayer:
    """One layer of the Keras config: its name, class, config dict and Keras 3 weights path."""

    name: str
    class_name: str
    config: dict[str, Any]
    keras3_path: str

    def ref(self) -> KerasWeightRef:
        return KerasWeightRef(self.name, self.class_name, self.keras3_path)

    def error(self, label: str, problem: str, supported: str) -> ValueError:
        return ValueError(
            f"{label}: layer {self.name!r} ({self.class_name}) {problem}; supported: {supported}."
        )


@dataclass(frozen=True)
class RecurrentSpec:
    """A recurrent layer (plain or `Bidirectional`) with the options the conversion depends on."""

    layer: KerasLayer
    cell: str  # Keras class of the (wrapped) layer: LSTM, GRU or SimpleRNN
    bidirectional: bool
    units: int
    use_bias: bool
    reset_after: bool
    dropout: float
    recurrent_dropout: float
    return_sequences: bool


@dataclass
class KerasArchitecture:
    """The supported Keras chain, reduced to what `RNNConfig` and the weight mapping need."""

    embedding: KerasLayer
    recurrent: list[RecurrentSpec] = field(default_factory=list)
    dense: KerasLayer | None = None
    input_length: int | None = None
    embedding_dropout: float = 0.0
    classifier_dropout: float = 0.0
    pooling: str = "last"

    def weight_refs(self) -> list[KerasWeightRef]:
        return [layer.ref() for layer in (self.embedding, *(s.layer for s in self.recurrent), self.dense)]


def _activation(value: Any) -> str:
    if value is None:
        return "linear"
    if isinstance(value, dict):  # serialized function: {"class_name": "function", "config": "sigmoid", ...}
        names = (value.get("config"), value.get("registered_name"), value.get("class_name"))
        value = next((name for name in names if isinstance(name, str)), "unknown")
    return str(value).lower()


def _inbound_names(layer: dict[str, Any]) -> list[list[str]]:
    """Names of the layers feeding each call of ``layer`` (Keras 3 and Keras 2 functional formats)."""
    calls = []
    for node in layer.get("inbound_nodes") or []:
        if isinstance(node, dict):  # Keras 3: {"args": [{"config": {"keras_history": [name, 0, 0]}}], ...}
            args = [a for a in node.get("args", []) if isinstance(a, dict) and "config" in a]
            calls.append([a["config"]["keras_history"][0] for a in args if "keras_history" in a["config"]])
        else:  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            calls.append([inbound[0] for inbound in node])
    return calls


def _raw_layers(config: dict[str, Any], label: str) -> list[dict[str, Any]]:
    class_name, inner = config.get("class_name"), config.get("config")
    if class_name not in ("Sequential", "Functional", "Model"):
        raise ValueError(
            f"{label}: model class {class_name!r} is not supported; supported: Sequential, Functional."
        )
    return inner if isinstance(inner, list) else inner["layers"]  # Keras 2.1 Sequential: a bare list


def _chain(config: dict[str, Any], label: str) -> list[KerasLayer]:
    """The model's layers in order, without inputs and mask ops; a functional model must be a chain."""
    functional = config["class_name"] != "Sequential"
    raw_layers = _raw_layers(config, label)
    paths = keras3_layer_paths(raw["class_name"] for raw in raw_layers)
    layers, previous = [], None
    for raw, path in zip(raw_layers, paths, strict=True):
        layer = KerasLayer(raw["config"].get("name", path), raw["class_name"], raw["config"], path)
        if layer.class_name in _SKIPPED:
            previous = layer.name if layer.class_name == "InputLayer" else previous
            continue
        if functional and previous is not None and _inbound_names(raw) != [[previous]]:
            raise layer.error(
                label, f"does not take its only input from {previous!r}", "a single chain of layers"
            )
        layers.append(layer)
        previous = layer.name
    return layers


def _input_length(config: dict[str, Any], label: str) -> int | None:
    """Keras ``maxlen`` when the model records it (Input shape, build shape or Keras 2 ``input_length``)."""
    inner = config.get("config")
    shapes = [inner.get("build_input_shape")] if isinstance(inner, dict) else []
    for raw in _raw_layers(config, label):
        cfg = raw["config"]
        shapes += [cfg.get("batch_shape"), cfg.get("batch_input_shape"), [None, cfg.get("input_length")]]
    for shape in shapes:
        if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], int):
            return shape[1]
    return None


def _check_option(layer: KerasLayer, cfg: dict[str, Any], key: str, accepted: Any, label: str) -> None:
    value = cfg.get(key, accepted)
    value = _activation(value) if "activation" in key else value
    if value != accepted:
        raise layer.error(label, f"has {key}={value!r}, which is not supported", f"{key}={accepted!r}")


def _recurrent_spec(layer: KerasLayer, label: str) -> RecurrentSpec:
    cfg, bidirectional = layer.config, layer.class_name == "Bidirectional"
    cell = layer.class_name
    if bidirectional:
        _check_option(layer, cfg, "merge_mode", "concat", label)
        wrapped, backward = cfg["layer"], cfg.get("backward_layer")
        cell, cfg = wrapped["class_name"], wrapped["config"]
        if cell not in _CELLS:
            raise layer.error(
                label, f"wraps {cell}, which is not supported", "Bidirectional(LSTM | GRU | SimpleRNN)"
            )
        if backward is not None and backward["class_name"] != cell:
            raise layer.error(label, "has a backward layer unlike its forward layer", "identical directions")
    _check_option(layer, cfg, "activation", "tanh", label)
    if cell != "SimpleRNN":
        _check_option(layer, cfg, "recurrent_activation", "sigmoid", label)
    for option in ("go_backwards", "stateful", "return_state", "time_major"):
        _check_option(layer, cfg, option, False, label)
    return RecurrentSpec(
        layer=layer,
        cell=cell,
        bidirectional=bidirectional,
        units=cfg["units"],
        use_bias=cfg.get("use_bias", True),
        reset_after=cell == "GRU" and cfg.get("reset_after", False),  # absent before Keras 2.1.3: False
        dropout=float(cfg.get("dropout", 0.0)),
        recurrent_dropout=float(cfg.get("recurrent_dropout", 0.0)),
        return_sequences=cfg.get("return_sequences", False),
    )


def _add_recurrent(arch: KerasArchitecture, layer: KerasLayer, label: str) -> str:
    spec = _recurrent_spec(layer, label)
    if arch.recurrent:
        first, shape = arch.recurrent[0], ("cell", "bidirectional", "units", "reset_after")
        differences = [key for key in shape if getattr(spec, key) != getattr(first, key)]
        if differences:
            raise layer.error(
                label,
                f"differs from {first.layer.name!r} in {', '.join(differences)}",
                "stacks of identical layers",
            )
        if (spec.dropout, spec.recurrent_dropout) != (first.dropout, first.recurrent_dropout):
            message = (
                f"{label}: {layer.name!r} has other dropouts than {first.layer.name!r}; using the first's."
            )
            warnings.warn(message, stacklevel=3)
    arch.recurrent.append(spec)
    return "sequence" if spec.return_sequences else "pooled"


def _add_dropout(arch: KerasArchitecture, layer: KerasLayer, stage: str, label: str) -> None:
    rate = float(layer.config["rate"])
    if layer.class_name == "SpatialDropout1D" and stage == "embedded" and arch.embedding_dropout == 0.0:
        arch.embedding_dropout = rate
    elif layer.class_name == "Dropout" and stage == "pooled" and arch.classifier_dropout == 0.0:
        arch.classifier_dropout = rate
    else:  # inference is unaffected; only training would differ
        message = f"{label}: {layer.name!r} ({layer.class_name}) has no equivalent here; it is left out."
        warnings.warn(message, stacklevel=3)


def _add_pooling(arch: KerasArchitecture, layer: KerasLayer, mask_zero: bool, label: str) -> None:
    _check_option(layer, layer.config, "data_format", "channels_last", label)
    _check_option(layer, layer.config, "keepdims", False, label)
    if mask_zero and _POOLINGS[layer.class_name] == "max":  # Keras max-pools the padding steps' outputs too
        raise layer.error(
            label, "ignores the mask of mask_zero=True", "GlobalAveragePooling1D with mask_zero=True"
        )
    arch.pooling = _POOLINGS[layer.class_name]


def _set_dense(arch: KerasArchitecture, layer: KerasLayer, label: str) -> None:
    activation, units = _activation(layer.config.get("activation")), layer.config["units"]
    if activation not in ("sigmoid", "linear", "softmax") or (activation == "softmax" and units < 2):
        raise layer.error(
            label,
            f"has activation {activation!r} with {units} unit(s), which is not supported",
            "sigmoid, linear, softmax (2+ units)",
        )
    arch.dense = layer


def parse_architecture(config: dict[str, Any], label: str = "model") -> KerasArchitecture:
    """Checks a Keras model config against the supported chain and reduces it to a `KerasArchitecture`.

    Anything else raises ``ValueError("{label}: layer 'x' (Class) ...; supported: ...")``.
    """
    layers = _chain(config, label)
    if not layers or layers[0].class_name != "Embedding":
        first = f"layer {layers[0].name!r} ({layers[0].class_name})" if layers else "no layer"
        raise ValueError(f"{label}: the model starts with {first}; supported: an Embedding first layer.")
    arch = KerasArchitecture(embedding=layers[0], input_length=_input_length(config, label))
    mask_zero = bool(layers[0].config.get("mask_zero", False))
    stage = "embedded"  # -> "sequence" (one vector per step) -> "pooled" (one per text) -> "done"
    for layer in layers[1:]:
        kind = layer.class_name
        if kind not in SUPPORTED_LAYERS and kind not in _POOLINGS:
            raise ValueError(
                f"{label}: layer {layer.name!r} ({kind}) is not supported; "
                f"supported layers: {', '.join(SUPPORTED_LAYERS)}."
            )
        if kind in ("Dropout", "SpatialDropout1D") and stage != "done":
            _add_dropout(arch, layer, stage, label)
        elif kind in ("LSTM", "GRU", "SimpleRNN", "Bidirectional") and stage in ("embedded", "sequence"):
            stage = _add_recurrent(arch, layer, label)
        elif kind in _POOLINGS and stage == "sequence":
            _add_pooling(arch, layer, mask_zero, label)
            stage = "pooled"
        elif kind == "Dense" and stage == "pooled":
            _set_dense(arch, layer, label)
            stage = "done"
        else:
            raise layer.error(label, f"cannot follow {_STAGES[stage]}", _CHAIN)
    if stage != "done":
        raise ValueError(
            f"{label}: the model ends with layer {layers[-1].name!r} ({layers[-1].class_name}); supported: {_CHAIN}."
        )
    return arch


def to_rnn_config(
    arch: KerasArchitecture, labels: Sequence[str] | None = None, label: str = "model"
) -> RNNConfig:
    """The `RNNConfig` of a parsed Keras model (``labels`` name the Dense outputs; default ``LABEL_i``)."""
    first, dense = arch.recurrent[0], arch.dense
    units, activation = dense.config["units"], _activation(dense.config.get("activation"))
    label_fields: dict[str, Any] = {"num_labels": units}
    if labels is not None:
        if len(labels) != units:
            raise ValueError(f"{label}: {len(labels)} labels given for a Dense layer of {units} units.")
        label_fields |= {
            "id2label": dict(enumerate(labels)),
            "label2id": {name: i for i, name in enumerate(labels)},
        }
    problem_type = None
    if activation == "softmax":
        problem_type = "single_label_classification"
    elif activation == "sigmoid" and units > 1:
        problem_type = "multi_label_classification"
    embedding = arch.embedding.config
    mask_zero = bool(embedding.get("mask_zero", False))
    return RNNConfig(
        vocab_size=embedding["input_dim"],
        embedding_dim=embedding["output_dim"],
        cell=_CELLS[first.cell],
        hidden_size=first.units,
        num_layers=len(arch.recurrent),
        bidirectional=first.bidirectional,
        pad_token_id=0,  # the Keras tokenizer reserves index 0 for padding
        freeze_embeddings=not embedding.get("trainable", True),
        embedding_dropout=arch.embedding_dropout,
        dropout=first.dropout,
        recurrent_dropout=first.recurrent_dropout,
        classifier_dropout=arch.classifier_dropout,
        pooling=arch.pooling,
        max_length=arch.input_length or DEFAULT_MAX_LENGTH,
        keras_compatible=not mask_zero,  # a Keras mask skips padding: packing does the same
        gru_reset_after=first.reset_after if first.cell == "GRU" else True,
        problem_type=problem_type,
        **label_fields,
    )
