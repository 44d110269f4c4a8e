"""Deprecated alias of `rnn_models.keras` (the Keras import moved there); kept for one release."""

from .keras import (
    SUPPORTED_LAYERS,
    KerasArchitecture,
    KerasLayer,
    RecurrentSpec,
    convert_keras,
    from_keras,
    parse_architecture,
    to_rnn_config,
)

__all__ = [
    "SUPPORTED_LAYERS",
    "KerasArchitecture",
    "KerasLayer",
    "RecurrentSpec",
    "convert_keras",
    "from_keras",
    "parse_architecture",
    "to_rnn_config",
]
