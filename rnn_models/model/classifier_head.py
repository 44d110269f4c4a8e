"""The layers between the pooled features and the output layer: Keras hidden ``Dense`` heads.

Shipped next to the weights by ``save_pretrained`` (``modeling_rnn.py`` imports it): imports only the
standard library, torch and the configuration. ``config.head_layers`` lists the layers in order (see
`RNNConfig`); activations follow Keras's definitions, so a converted Keras head gives Keras's numbers.
"""

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .configuration_rnn import RNNConfig

__all__ = ["Activation", "ClassifierHead", "activation_function"]

# Keras 3 / tf.keras 2.x definitions: "gelu" is the exact (erf) one, "leaky_relu" slopes 0.2 unless a layer
# says otherwise, "softmax" and "log_softmax" act on the last axis.
_ACTIVATIONS = {
    "linear": lambda x, slope: x,
    "relu": lambda x, slope: F.relu(x),
    "relu6": lambda x, slope: F.relu6(x),
    "leaky_relu": lambda x, slope: F.leaky_relu(x, 0.2 if slope is None else slope),
    "elu": lambda x, slope: F.elu(x),
    "selu": lambda x, slope: F.selu(x),
    "gelu": lambda x, slope: F.gelu(x),
    "gelu_tanh": lambda x, slope: F.gelu(x, approximate="tanh"),
    "tanh": lambda x, slope: torch.tanh(x),
    "sigmoid": lambda x, slope: torch.sigmoid(x),
    "swish": lambda x, slope: F.silu(x),
    "silu": lambda x, slope: F.silu(x),
    "mish": lambda x, slope: F.mish(x),
    "softplus": lambda x, slope: F.softplus(x),
    "softsign": lambda x, slope: F.softsign(x),
    "exponential": lambda x, slope: torch.exp(x),
    "softmax": lambda x, slope: torch.softmax(x, dim=-1),
    "log_softmax": lambda x, slope: torch.log_softmax(x, dim=-1),
}


def activation_function(name: str, x: torch.Tensor, negative_slope: float | None = None) -> torch.Tensor:
    """Keras's activation ``name`` applied to ``x``.

    Example:
        >>> activation_function("leaky_relu", torch.tensor([-1.0, 2.0])).tolist()
        [-0.20000000298023224, 2.0]
    """
    return _ACTIVATIONS[name](x, negative_slope)


class Activation(nn.Module):
    """A named Keras activation as a module (Keras ``Activation``, ``LeakyReLU``, ``ReLU`` layers)."""

    def __init__(self, name: str, negative_slope: float | None = None):
        super().__init__()
        self.name, self.negative_slope = name, negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return activation_function(self.name, x, self.negative_slope)

    def extra_repr(self) -> str:
        return (
            self.name if self.negative_slope is None else f"{self.name}, negative_slope={self.negative_slope}"
        )


class Dense(nn.Linear):
    """Keras ``Dense(units, activation)``: a linear layer and its activation in one module."""

    def __init__(self, in_features: int, units: int, activation: str = "linear", use_bias: bool = True):
        super().__init__(in_features, units, bias=use_bias)
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return activation_function(self.activation, super().forward(x))


def _head_module(layer: dict[str, Any], width: int) -> tuple[nn.Module, int]:
    kind = layer["type"]
    if kind == "dense":
        units = layer["units"]
        return Dense(width, units, layer.get("activation", "linear"), layer.get("use_bias", True)), units
    if kind == "batch_norm":
        return nn.BatchNorm1d(
            width, eps=layer.get("epsilon", 1e-3), momentum=layer.get("momentum", 0.01)
        ), width
    if kind == "dropout":
        return nn.Dropout(layer["rate"]), width
    return Activation(layer["activation"], layer.get("negative_slope")), width


class ClassifierHead(nn.Sequential):
    """``config.head_layers`` as modules, from ``config.pooled_size`` features to ``classifier_input_size``.

    Example:
        >>> config = RNNConfig(head_layers=[{"type": "dense", "units": 8, "activation": "relu"},
        ...                                 {"type": "batch_norm"}, {"type": "dropout", "rate": 0.5}])
        >>> head = ClassifierHead(config).eval()
        >>> tuple(head(torch.ones(2, config.pooled_size)).shape), head[1].eps
        ((2, 8), 0.001)
    """

    def __init__(self, config: RNNConfig):
        modules, width = [], config.pooled_size
        for layer in config.head_layers or []:
            module, width = _head_module(layer, width)
            modules.append(module)
        super().__init__(*modules)
