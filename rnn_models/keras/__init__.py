"""Trained Keras models (and Keras tokenizers) -> `RNNForSequenceClassification` with the same predictions.

Reads Keras 3 ``.keras`` archives, legacy HDF5 ``.h5`` files (Keras 2 / tf.keras / Keras 3
``model.save("x.h5")``) and ``model.to_json()`` configs with h5py, json and zipfile only: neither
TensorFlow nor Keras is needed. Supported: the notebooks' single chain ``Embedding -> [SpatialDropout1D]
-> LSTM | GRU | SimpleRNN | Bidirectional(one of those) (stacked if equal in size) ->
[GlobalMaxPooling1D | GlobalAveragePooling1D] -> [Dropout] -> Dense`` with a sigmoid, softmax or linear
output, as a ``Sequential`` or a chain-shaped functional model. Weights come from the model file itself
or from ``weights=`` (a Keras 3 ``.weights.h5`` or a Keras 2 ``save_weights`` ``.h5``), which a ``.json``
config always needs.

One step per module: `files` reads the Keras files (config and arrays per layer), `architecture` checks
the layer chain and maps it to an `RNNConfig`, `weights` turns the arrays into a state dict, `convert`
puts the three together (`from_keras`, `convert_keras`).

Examples that run: `rnn_models.keras.convert.from_keras` and `rnn_models.keras.convert.convert_keras`.
"""

from .architecture import (
    SUPPORTED_LAYERS,
    KerasArchitecture,
    KerasLayer,
    RecurrentSpec,
    parse_architecture,
    to_rnn_config,
)
from .convert import convert_keras, from_keras

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
