"""The Keras layers after the pooled features -> ``RNNConfig.head_layers`` and the output ``Dense``.

Hidden ``Dense`` layers (any Keras activation of `ACTIVATIONS`), ``BatchNormalization``, ``Dropout``,
``Activation`` / ``LeakyReLU`` / ``ReLU`` / ``ELU`` / ``Softmax`` layers, in any order, then the output
``Dense`` (sigmoid, softmax or linear; a linear one may be followed by an ``Activation`` giving that).
Layers that change training only (``GaussianNoise``, ``ActivityRegularization``...) are left out with a
warning; anything else is refused naming the layer.
"""

import warnings
from dataclasses import dataclass, field
from typing import Any

from ..model.configuration_rnn import ACTIVATIONS
from .layers import KerasLayer, keras_activation

__all__ = ["HEAD_CLASSES", "OUTPUT_ACTIVATIONS", "TRAINING_ONLY", "KerasHead", "parse_head"]

OUTPUT_ACTIVATIONS = ("sigmoid", "linear", "softmax")
TRAINING_ONLY = ("GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Flatten")
HEAD_CLASSES = ("Dense", "BatchNormalization", "Dropout", "Activation", "LeakyReLU", "ReLU", "ELU", "Softmax")


@dataclass
class KerasHead:
    """The head of a Keras model: ``(layer, head_layers entry)`` pairs, then the output layer."""

    layers: list[tuple[KerasLayer, dict[str, Any]]] = field(default_factory=list)
    output: KerasLayer | None = None
    output_activation: str = "linear"
    classifier_dropout: float = 0.0

    def head_layers(self) -> list[dict[str, Any]] | None:
        return [entry for _, entry in self.layers] or None


def _checked_activation(layer: KerasLayer, name: str, label: str) -> str:
    if name not in ACTIVATIONS:
        raise layer.error(label, f"has activation {name!r}, which is not supported", ", ".join(ACTIVATIONS))
    return name


def _batch_norm(layer: KerasLayer, label: str) -> dict[str, Any]:
    cfg = layer.config
    axis = cfg.get("axis", -1)
    if axis not in (-1, 1, [-1], [1]) or cfg.get("renorm", False):
        raise layer.error(label, f"normalises axis {axis!r} (renorm={cfg.get('renorm', False)})", "axis=-1")
    return {
        "type": "batch_norm",
        "epsilon": float(cfg.get("epsilon", 1e-3)),
        "momentum": 1.0 - cfg.get("momentum", 0.99),
    }


def _activation_layer(layer: KerasLayer, label: str) -> dict[str, Any]:
    cfg, kind = layer.config, layer.class_name
    if kind == "Activation":
        return {
            "type": "activation",
            "activation": _checked_activation(layer, keras_activation(cfg.get("activation")), label),
        }
    if kind == "LeakyReLU":  # Keras 3 names it negative_slope, Keras 2 alpha; both default to 0.3
        slope = cfg.get("negative_slope", cfg.get("alpha", 0.3))
        return {"type": "activation", "activation": "leaky_relu", "negative_slope": float(slope)}
    if kind == "Softmax" and cfg.get("axis", -1) in (-1, 1):
        return {"type": "activation", "activation": "softmax"}
    if kind == "ELU" and float(cfg.get("alpha", 1.0)) == 1.0:
        return {"type": "activation", "activation": "elu"}
    if kind == "ReLU" and cfg.get("threshold", 0.0) == 0.0:
        slope, max_value = float(cfg.get("negative_slope", 0.0)), cfg.get("max_value")
        if max_value is None:
            return (
                {"type": "activation", "activation": "leaky_relu", "negative_slope": slope}
                if slope
                else {"type": "activation", "activation": "relu"}
            )
        if float(max_value) == 6.0 and slope == 0.0:
            return {"type": "activation", "activation": "relu6"}
    raise layer.error(
        label,
        "has options without an equivalent",
        "Activation, LeakyReLU, ReLU (max_value None or 6), ELU (alpha=1), Softmax (last axis)",
    )


def _dense(layer: KerasLayer, label: str) -> dict[str, Any]:
    activation = _checked_activation(layer, keras_activation(layer.config.get("activation")), label)
    entry = {"type": "dense", "units": int(layer.config["units"]), "activation": activation}
    return entry | ({} if layer.config.get("use_bias", True) else {"use_bias": False})


def _output_activation(output: KerasLayer, after: list[KerasLayer], label: str) -> str:
    activation, units = keras_activation(output.config.get("activation")), output.config["units"]
    if after:  # Dense(units) -> Activation("sigmoid" | "softmax")
        extra = after[0]
        if len(after) > 1 or extra.class_name != "Activation" or activation != "linear":
            raise extra.error(label, "cannot follow the output Dense layer", "the output Dense layer last")
        activation = keras_activation(extra.config.get("activation"))
    if activation not in OUTPUT_ACTIVATIONS or (activation == "softmax" and units < 2):
        raise output.error(
            label,
            f"has activation {activation!r} with {units} unit(s), which is not supported",
            "sigmoid, linear, softmax (2+ units)",
        )
    return activation


def parse_head(layers: list[KerasLayer], label: str) -> KerasHead:
    """Splits the layers after the pooled features into head layers and the output ``Dense``.

    The last ``Dense`` is the output layer; a ``Dropout`` right before it is ``classifier_dropout``.
    """
    dense_positions = [i for i, layer in enumerate(layers) if layer.class_name == "Dense"]
    if not dense_positions:
        return KerasHead()
    last = dense_positions[-1]
    head = KerasHead(output=layers[last])
    head.output_activation = _output_activation(layers[last], layers[last + 1 :], label)
    middle = layers[:last]
    if middle and middle[-1].class_name == "Dropout":
        head.classifier_dropout = float(middle[-1].config["rate"])
        middle = middle[:-1]
    for layer in middle:
        kind = layer.class_name
        if kind in TRAINING_ONLY:
            message = f"{label}: {layer.name!r} ({kind}) does nothing at inference here; it is left out."
            warnings.warn(message, stacklevel=3)
        elif kind == "Dense":
            head.layers.append((layer, _dense(layer, label)))
        elif kind == "BatchNormalization":
            head.layers.append((layer, _batch_norm(layer, label)))
        elif kind == "Dropout":
            head.layers.append((layer, {"type": "dropout", "rate": float(layer.config["rate"])}))
        else:
            head.layers.append((layer, _activation_layer(layer, label)))
    return head
