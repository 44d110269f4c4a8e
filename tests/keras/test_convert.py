"""Keras -> rnn-models conversion: tiny Keras models with random weights, saved, converted, compared.

Keras runs on its torch backend (no TensorFlow); legacy Keras 2 files are written with h5py in the
layout Keras 2 / tf.keras ``model.save("x.h5")`` and ``save_weights("x.h5")`` produce.
"""

import itertools
import json
import os
import pickle

os.environ["KERAS_BACKEND"] = "torch"  # before keras is imported

import h5py
import numpy as np
import pytest
import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    Trainer,
    TrainingArguments,
    pipeline,
)

from rnn_models.commands.cli import main
from rnn_models.keras import SUPPORTED_LAYERS, convert_keras, from_keras

keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("keras was imported earlier with another backend", allow_module_level=True)
layers = keras.layers

VOCAB, DIM, UNITS, MAXLEN = 20, 4, 3, 7
# Pre-padded ids: no tokens, one token, partial rows, full rows, and a 0 inside a sequence.
IDS = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 5],
        [0, 0, 0, 3, 17, 9, 1],
        [0, 12, 4, 4, 8, 19, 2],
        [7, 1, 15, 6, 11, 3, 10],
        [19, 18, 17, 16, 15, 14, 13],
        [0, 0, 6, 2, 0, 9, 14],
    ]
)
TOLERANCE = 1e-5


def fresh(build):
    """Builds a Keras model with Keras's automatic layer names starting afresh ('lstm', not 'lstm_12')."""
    keras.utils.clear_session()
    return build()


def sequential(*middle, dense=None, mask_zero=False, trainable=True):
    return keras.Sequential(
        [
            keras.Input((MAXLEN,), dtype="int32"),
            layers.Embedding(VOCAB, DIM, mask_zero=mask_zero, trainable=trainable),
            *middle,
            dense or layers.Dense(1, activation="sigmoid"),
        ]
    )


def dense(units, activation="sigmoid"):
    return layers.Dense(units, activation=activation)


def functional_bilstm_mask_zero():
    inputs = keras.Input((MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB, DIM, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(UNITS))(x)
    return keras.Model(inputs, dense(2)(x))


def pooled_bigru(order=("mean", "max"), head=()):
    """The 2018 competition's pooled BiGRU: average and max pooling of one sequence, concatenated."""
    inputs = keras.Input((MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB, DIM)(inputs)
    x = layers.SpatialDropout1D(0.2)(x)
    x = layers.Bidirectional(layers.GRU(UNITS, return_sequences=True))(x)
    pools = {"mean": layers.GlobalAveragePooling1D()(x), "max": layers.GlobalMaxPooling1D()(x)}
    x = layers.concatenate([pools[kind] for kind in order])
    for layer in head:
        x = layer(x)
    return keras.Model(inputs, dense(6)(x))


CASES = {
    "lstm": lambda: sequential(layers.LSTM(UNITS, dropout=0.3, recurrent_dropout=0.3), trainable=False),
    "gru": lambda: sequential(layers.SpatialDropout1D(0.3), layers.GRU(UNITS)),
    "gru_reset_before": lambda: sequential(
        layers.SpatialDropout1D(0.3), layers.GRU(UNITS, reset_after=False)
    ),
    "simple_rnn": lambda: sequential(layers.SimpleRNN(UNITS)),
    "bilstm": lambda: sequential(
        layers.SpatialDropout1D(0.2), layers.Bidirectional(layers.LSTM(UNITS)), dense=dense(3)
    ),
    "bigru": lambda: sequential(layers.Bidirectional(layers.GRU(UNITS)), dense=dense(3)),
    "bigru_reset_before": lambda: sequential(layers.Bidirectional(layers.GRU(UNITS, reset_after=False))),
    "stacked_lstm": lambda: sequential(layers.LSTM(UNITS, return_sequences=True), layers.LSTM(UNITS)),
    "bigru_max_pool": lambda: sequential(
        layers.Bidirectional(layers.GRU(UNITS, return_sequences=True)),
        layers.GlobalMaxPooling1D(),
        layers.Dropout(0.2),
        dense=dense(3),
    ),
    "lstm_mean_pool": lambda: sequential(
        layers.LSTM(UNITS, return_sequences=True), layers.GlobalAveragePooling1D()
    ),
    "lstm_softmax": lambda: sequential(layers.LSTM(UNITS), dense=dense(3, "softmax")),
    "lstm_no_bias": lambda: sequential(
        layers.LSTM(UNITS, use_bias=False), dense=layers.Dense(1, use_bias=False)
    ),
    "bigru_no_bias": lambda: sequential(layers.Bidirectional(layers.GRU(UNITS, use_bias=False))),
    "lstm_linear": lambda: sequential(layers.LSTM(UNITS), dense=dense(1, "linear")),
    # mask_zero=True: Keras skips padding steps; the converted model packs sequences instead.
    "bilstm_mask_zero": lambda: sequential(layers.Bidirectional(layers.LSTM(UNITS)), mask_zero=True),
    "gru_reset_before_mask_zero": lambda: sequential(layers.GRU(UNITS, reset_after=False), mask_zero=True),
    "stacked_bigru_mean_mask_zero": lambda: sequential(
        layers.Bidirectional(layers.GRU(UNITS, return_sequences=True)),
        layers.Bidirectional(layers.GRU(UNITS, return_sequences=True)),
        layers.GlobalAveragePooling1D(),
        mask_zero=True,
    ),
    "functional_bilstm_mask_zero": functional_bilstm_mask_zero,
    # What public projects saved: stacks that differ per layer and hidden Dense heads.
    "bilstm_stack_dense_bn_head": lambda: sequential(
        layers.Bidirectional(layers.LSTM(UNITS, return_sequences=True)),
        layers.Dropout(0.3),
        layers.Bidirectional(layers.LSTM(UNITS + 1)),
        layers.Dense(8, activation="relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
    ),
    "mixed_stack_max_pool": lambda: sequential(
        layers.LSTM(5, return_sequences=True),
        layers.GRU(UNITS, return_sequences=True, reset_after=False),
        layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True)),
        layers.GlobalMaxPooling1D(),
        dense=dense(2),
    ),
    "four_stacked_bilstm": lambda: sequential(
        *[layers.Bidirectional(layers.LSTM(2, return_sequences=True)) for _ in range(3)],
        layers.Bidirectional(layers.LSTM(2)),
    ),
    "head_activations": lambda: sequential(
        layers.GRU(UNITS),
        *[layers.Dense(4, activation=name) for name in ("tanh", "elu", "selu", "gelu", "swish", "softplus")],
        *[
            layers.Dense(4, activation=name)
            for name in ("softsign", "relu6", "leaky_relu", "mish", "sigmoid")
        ],
        dense=dense(3, "softmax"),
    ),
    "head_activation_layers": lambda: sequential(
        layers.LSTM(UNITS),
        layers.Dense(4),
        layers.Activation("tanh"),
        layers.LeakyReLU(0.1),
        layers.Dense(4, use_bias=False),
        layers.ReLU(),
        layers.BatchNormalization(center=False, scale=False, epsilon=0.01),
        layers.GaussianNoise(0.1),
        layers.Dense(4),
        layers.ELU(),
        layers.Dense(1),
        dense=layers.Activation("sigmoid"),
    ),
    "pooled_bigru_mean_max": pooled_bigru,
    "pooled_bigru_max_mean_bn_head": lambda: pooled_bigru(
        ("max", "mean"), (layers.BatchNormalization(), layers.Dense(5, activation="relu"))
    ),
    "pooled_bigru_mean_max_bn_head": lambda: pooled_bigru(
        ("mean", "max"),
        (layers.BatchNormalization(), layers.Dropout(0.1), layers.Dense(5, activation="relu")),
    ),
    # Keras 3's hard_sigmoid gates (Keras 2's are checked against tf.keras 2.15 files).
    "lstm_hard_sigmoid": lambda: sequential(layers.LSTM(UNITS, recurrent_activation="hard_sigmoid")),
    "bigru_hard_sigmoid_stack": lambda: sequential(
        layers.Bidirectional(layers.GRU(UNITS, recurrent_activation="hard_sigmoid", return_sequences=True)),
        layers.GRU(UNITS, recurrent_activation="hard_sigmoid", reset_after=False),
    ),
    "bilstm_hard_sigmoid_mask_zero": lambda: sequential(
        layers.Bidirectional(layers.LSTM(UNITS, recurrent_activation="hard_sigmoid")), mask_zero=True
    ),
    "bigru_mask_zero_dense_head": lambda: sequential(
        layers.Bidirectional(layers.GRU(UNITS)), layers.Dense(4, activation="relu"), mask_zero=True
    ),
}


def randomize(model, seed=0):
    """Random weights everywhere, biases and BatchNormalization statistics included, large enough to make
    every gate matter; variances stay positive."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        value = rng.normal(0.0, 0.5, weight.shape).astype("float32")
        weight.assign(np.abs(value) + 0.5 if "moving_variance" in weight.path else value)
    return model


def keras_outputs(model, ids=IDS):
    return np.asarray(model.predict(ids, verbose=0))


def compared_rows(name):
    # A row without tokens: Keras returns the initial state (NaN for a masked mean); packed mode runs
    # one padding step instead (see RNNModel.encode), so such rows are compared only without a mask.
    return slice(1, None) if "mask_zero" in name else slice(None)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Each case built once: (keras model, its outputs, {format: path})."""
    cache = {}

    def get(name):
        if name not in cache:
            folder = tmp_path_factory.mktemp(name)
            model = randomize(fresh(CASES[name]))
            paths = {"keras": folder / "model.keras", "h5": folder / "model.h5"}
            for path in paths.values():
                model.save(path)
            cache[name] = model, keras_outputs(model), paths
        return cache[name]

    return get


def probabilities(model, keras_model, ids=IDS):
    with torch.no_grad():
        logits = model(torch.tensor(ids)).logits
    activation = keras_model.layers[-1].get_config()["activation"]
    if activation == "softmax":
        return torch.softmax(logits, dim=-1).numpy()
    return torch.sigmoid(logits).numpy() if activation == "sigmoid" else logits.numpy()


@pytest.mark.parametrize("fmt", ["keras", "h5"])
@pytest.mark.parametrize("name", list(CASES))
def test_converted_model_reproduces_keras_predict(saved, name, fmt):
    keras_model, expected, paths = saved(name)
    model, tokenizer = from_keras(paths[fmt])
    rows = compared_rows(name)
    difference = np.abs(probabilities(model, keras_model)[rows] - expected[rows]).max()
    assert difference <= TOLERANCE, f"{name} ({fmt}): max abs difference {difference:.2e}"
    assert tokenizer is None and not model.training
    assert model.config.keras_compatible == ("mask_zero" not in name)


CONFIGS = [
    ("lstm", {"cell": "lstm", "dropout": 0.3, "recurrent_dropout": 0.3, "freeze_embeddings": True}),
    (
        "gru_reset_before",
        {"cell": "gru", "gru_reset_after": False, "embedding_dropout": 0.3, "num_labels": 1},
    ),
    ("gru", {"cell": "gru", "gru_reset_after": True, "freeze_embeddings": False, "problem_type": None}),
    ("simple_rnn", {"cell": "rnn", "hidden_size": UNITS, "vocab_size": VOCAB, "embedding_dim": DIM}),
    ("bilstm", {"bidirectional": True, "num_labels": 3, "problem_type": "multi_label_classification"}),
    ("stacked_lstm", {"num_layers": 2, "pooling": "last", "max_length": MAXLEN}),
    ("bigru_max_pool", {"pooling": "max", "classifier_dropout": 0.2, "bidirectional": True}),
    ("lstm_softmax", {"num_labels": 3, "problem_type": "single_label_classification"}),
    ("stacked_bigru_mean_mask_zero", {"num_layers": 2, "pooling": "mean", "keras_compatible": False}),
    ("pooled_bigru_mean_max", {"pooling": "max_mean", "embedding_dropout": 0.2, "head_layers": None}),
]


@pytest.mark.parametrize(("name", "expected"), CONFIGS)
def test_config_follows_the_keras_layers(saved, name, expected):
    model, _ = from_keras(saved(name)[2]["keras"])
    assert {key: getattr(model.config, key) for key in expected} == expected
    assert model.config.pad_token_id == 0
    assert model.rnn.embeddings.weight.requires_grad == (not model.config.freeze_embeddings)


def test_labels_name_the_outputs(saved):
    model, _ = from_keras(saved("bilstm")[2]["h5"], labels=["toxic", "obscene", "insult"])
    assert model.config.id2label == {0: "toxic", 1: "obscene", 2: "insult"}
    assert model.config.label2id["insult"] == 2
    with pytest.raises(ValueError, match="2 labels given for a Dense layer of 3 units"):
        from_keras(saved("bilstm")[2]["h5"], labels=["a", "b"])


def test_separate_weights_file_with_a_json_or_keras_model(saved, tmp_path):
    paths = saved("bigru")[2]
    other = randomize(fresh(CASES["bigru"]), seed=1)
    other.save_weights(tmp_path / "other.weights.h5")
    (tmp_path / "model.json").write_text(other.to_json())
    expected = keras_outputs(other)
    for model_path in (tmp_path / "model.json", paths["keras"], paths["h5"]):
        model, _ = from_keras(model_path, weights=tmp_path / "other.weights.h5")
        assert np.abs(probabilities(model, other) - expected).max() <= TOLERANCE
    with pytest.raises(ValueError, match=r"model\.json: a model config without weights; pass weights="):
        from_keras(tmp_path / "model.json")
    with pytest.raises(ValueError, match=r"other\.weights\.h5: no model config"):
        from_keras(tmp_path / "other.weights.h5")


# ---- Keras 2 / tf.keras legacy HDF5, written the way Keras 2 writes it (bytes attributes, ":0" names).


def keras2_config(class_name, config):
    return {"class_name": class_name, "config": config}


def keras2_rnn(cell, name, **options):
    config = {"name": name, "trainable": True, "units": UNITS, "activation": "tanh", "use_bias": True}
    config |= {"recurrent_activation": "sigmoid", "return_sequences": False, "return_state": False}
    config |= {
        "go_backwards": False,
        "stateful": False,
        "unroll": False,
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
    }
    return keras2_config(cell, config | options)


def write_keras2_h5(path, model_config, weights, *, full_model=True):
    """``weights``: {layer name: [(weight name, array), ...]} in Keras order."""
    with h5py.File(path, "w") as file:
        root = file
        if full_model:
            file.attrs["model_config"] = json.dumps(model_config).encode("utf-8")
            root = file.create_group("model_weights")
        for group in {file, root}:
            group.attrs["keras_version"] = b"2.2.4"
            group.attrs["backend"] = b"tensorflow"
        root.attrs["layer_names"] = [name.encode("utf-8") for name in weights]
        for layer, named_arrays in weights.items():
            group = root.create_group(layer)
            group.attrs["weight_names"] = np.array([n.encode("utf-8") for n, _ in named_arrays], dtype="S")
            for weight_name, array in named_arrays:
                group.create_dataset(weight_name, data=array)


def keras2_gru_reset_before_reference(
    ids, embeddings, kernel, recurrent_kernel, bias, dense_kernel, dense_bias
):
    """Keras 2 ``GRUCell.call`` with ``reset_after=False`` (keras/layers/recurrent.py), in NumPy."""

    def sigmoid(v):
        return 1.0 / (1.0 + np.exp(-v))

    x = embeddings[ids].astype(np.float64)  # (batch, steps, dim)
    u = recurrent_kernel.shape[0]
    h = np.zeros((ids.shape[0], u))
    for t in range(ids.shape[1]):
        x_z, x_r, x_h = np.split(x[:, t] @ kernel + bias, 3, axis=-1)
        z = sigmoid(x_z + h @ recurrent_kernel[:, :u])
        r = sigmoid(x_r + h @ recurrent_kernel[:, u : 2 * u])
        hh = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * u :])
        h = z * h + (1.0 - z) * hh
    return sigmoid(h @ dense_kernel + dense_bias)


def test_keras2_sequential_gru_reset_before_h5_matches_keras_and_the_keras2_equations(saved, tmp_path):
    keras_model, expected, _ = saved("gru_reset_before")
    embedding, gru, output = (keras_model.get_layer(n).get_weights() for n in ("embedding", "gru", "dense"))
    config = keras2_config(
        "Sequential",
        {
            "name": "sequential_1",
            "layers": [
                keras2_config(
                    "Embedding",
                    {
                        "name": "embedding_1",
                        "trainable": False,
                        "batch_input_shape": [None, MAXLEN],
                        "input_dim": VOCAB,
                        "output_dim": DIM,
                        "mask_zero": False,
                        "input_length": MAXLEN,
                    },
                ),
                keras2_config(
                    "SpatialDropout1D", {"name": "spatial_dropout1d_1", "trainable": True, "rate": 0.3}
                ),
                keras2_rnn("GRU", "gru_1", implementation=1, reset_after=False),
                keras2_config(
                    "Dense", {"name": "dense_1", "units": 1, "activation": "sigmoid", "use_bias": True}
                ),
            ],
        },
    )
    weights = {
        "embedding_1": [("embedding_1/embeddings:0", embedding[0])],
        "spatial_dropout1d_1": [],
        "gru_1": [
            (f"gru_1/{n}:0", a) for n, a in zip(["kernel", "recurrent_kernel", "bias"], gru, strict=True)
        ],
        "dense_1": [("dense_1/kernel:0", output[0]), ("dense_1/bias:0", output[1])],
    }
    write_keras2_h5(tmp_path / "gru.h5", config, weights)
    model, _ = from_keras(tmp_path / "gru.h5")
    converted = probabilities(model, keras_model)
    reference = keras2_gru_reset_before_reference(IDS, embedding[0], *gru, *output)
    assert np.abs(reference - expected).max() <= TOLERANCE  # Keras 3 keeps the Keras 2 equations
    assert np.abs(converted - reference).max() <= TOLERANCE
    assert (model.config.max_length, model.config.freeze_embeddings, model.config.gru_reset_after) == (
        7,
        True,
        False,
    )


def test_keras2_functional_bilstm_h5_and_save_weights_with_json(saved, tmp_path):
    keras_model, expected, _ = saved("bilstm")
    embedding, bilstm, output = (
        keras_model.get_layer(n).get_weights() for n in ("embedding", "bidirectional", "dense")
    )
    names = [
        f"bidirectional_1/{direction}_lstm_1/{weight}:0"
        for direction in ("forward", "backward")
        for weight in ("kernel", "recurrent_kernel", "bias")
    ]
    layer_configs = [
        keras2_config(
            "InputLayer", {"name": "input_1", "batch_input_shape": [None, MAXLEN], "dtype": "int32"}
        ),
        keras2_config(
            "Embedding", {"name": "embedding_1", "input_dim": VOCAB, "output_dim": DIM, "trainable": False}
        ),
        keras2_config("SpatialDropout1D", {"name": "spatial_dropout1d_1", "rate": 0.2}),
        keras2_config(
            "Bidirectional",
            {"name": "bidirectional_1", "layer": keras2_rnn("LSTM", "lstm_1"), "merge_mode": "concat"},
        ),
        keras2_config("Dense", {"name": "dense_1", "units": 3, "activation": "sigmoid"}),
    ]
    for previous, layer in itertools.pairwise(layer_configs):
        layer["inbound_nodes"] = [[[previous["config"]["name"], 0, 0, {}]]]
    config = keras2_config(
        "Model", {"name": "model_1", "layers": layer_configs, "input_layers": [["input_1", 0, 0]]}
    )
    weights = {
        "input_1": [],
        "embedding_1": [("embedding_1/embeddings:0", embedding[0])],
        "spatial_dropout1d_1": [],
        "bidirectional_1": list(zip(names, bilstm, strict=True)),
        "dense_1": [("dense_1/kernel:0", output[0]), ("dense_1/bias:0", output[1])],
    }
    write_keras2_h5(tmp_path / "bilstm.h5", config, weights)
    # save_weights of the same architecture built in another session: other layer names, matched by position.
    renamed = {name.replace("_1", "_7"): arrays for name, arrays in weights.items()}
    write_keras2_h5(tmp_path / "bilstm.weights.h5", config, renamed, full_model=False)
    (tmp_path / "bilstm.json").write_text(json.dumps(config))
    for model_path, weights_path in (
        (tmp_path / "bilstm.h5", None),
        (tmp_path / "bilstm.json", tmp_path / "bilstm.weights.h5"),
    ):
        model, _ = from_keras(model_path, weights=weights_path)
        assert np.abs(probabilities(model, keras_model) - expected).max() <= TOLERANCE
        assert model.config.max_length == MAXLEN and model.config.bidirectional


# ---- errors: one line naming the file and the layer, listing what is supported.


def keras_file(tmp_path, model, name="model.keras"):
    model.save(tmp_path / name)
    return tmp_path / name


def two_branches():
    inputs = keras.Input((MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB, DIM)(inputs)
    merged = layers.Concatenate()([layers.LSTM(UNITS)(x), layers.GRU(UNITS)(x)])
    return keras.Model(inputs, dense(1)(merged))


ERRORS = [
    (
        lambda: sequential(layers.Conv1D(2, 3), layers.LSTM(UNITS)),
        r"model\.keras: layer 'conv1d' \(Conv1D\) is not supported; supported layers: "
        + ", ".join(SUPPORTED_LAYERS),
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), dense=dense(1, "tanh")),
        r"layer 'dense' \(Dense\) has activation 'tanh' with 1 unit\(s\), which is not supported; supported: sigmoid",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), dense=dense(1, "softmax")),
        r"layer 'dense' \(Dense\) has activation 'softmax' with 1 unit",
    ),
    (
        lambda: sequential(layers.GRU(UNITS, recurrent_activation="relu")),
        r"layer 'gru' \(GRU\) has recurrent_activation='relu', which is not supported; "
        r"supported: recurrent_activation='sigmoid' or 'hard_sigmoid'",
    ),
    (
        lambda: sequential(layers.SimpleRNN(UNITS, activation="relu")),
        r"layer 'simple_rnn' \(SimpleRNN\) has activation='relu'",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS, go_backwards=True)),
        r"layer 'lstm' \(LSTM\) has go_backwards=True",
    ),
    (
        lambda: sequential(layers.Bidirectional(layers.LSTM(UNITS), merge_mode="sum")),
        r"layer 'bidirectional' \(Bidirectional\) has merge_mode='sum'",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS, return_sequences=True)),
        r"layer 'dense' \(Dense\) cannot follow a sequence output \(return_sequences=True\); supported: Embedding ->",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), layers.Dense(2, activation="hard_sigmoid"), dense=dense(1)),
        r"layer 'dense' \(Dense\) has activation 'hard_sigmoid', which is not supported; supported: linear, relu",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), dense(1), dense=layers.Dropout(0.1)),
        r"layer 'dropout' \(Dropout\) cannot follow the output Dense layer; supported: the output Dense layer last",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), layers.Dense(1), dense=layers.Activation("tanh")),
        r"layer 'dense' \(Dense\) has activation 'tanh' with 1 unit\(s\), which is not supported",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), layers.LayerNormalization()),
        r"layer 'layer_normalization' \(LayerNormalization\) is not supported; supported layers: Embedding",
    ),
    (
        lambda: sequential(
            layers.LSTM(UNITS, return_sequences=True), layers.BatchNormalization(), layers.LSTM(2)
        ),
        r"layer 'batch_normalization' \(BatchNormalization\) cannot follow a sequence output",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS, return_sequences=True), layers.Flatten()),
        r"layer 'flatten' \(Flatten\) cannot follow a sequence output \(return_sequences=True\)",
    ),
    (
        lambda: sequential(layers.LSTM(UNITS), dense=layers.PReLU()),
        r"layer 'p_re_lu' \(PReLU\) is not supported",
    ),
    (
        lambda: sequential(
            layers.LSTM(UNITS, return_sequences=True), layers.GlobalMaxPooling1D(), mask_zero=True
        ),
        r"layer 'global_max_pooling1d' \(GlobalMaxPooling1D\) ignores the mask of mask_zero=True",
    ),
    (
        lambda: keras.Sequential([keras.Input((MAXLEN, DIM)), layers.LSTM(UNITS), dense(1)]),
        r"model\.keras: the model starts with layer 'lstm' \(LSTM\); supported: an Embedding first layer",
    ),
    (
        lambda: keras.Sequential([keras.Input((MAXLEN,), dtype="int32"), layers.Embedding(VOCAB, DIM)]),
        r"the model ends with layer 'embedding' \(Embedding\); supported: Embedding -> .* -> Dense",
    ),
    (
        two_branches,
        r"layer 'gru' \(GRU\) does not take its only input from 'lstm'; supported: a single chain",
    ),
]


@pytest.mark.filterwarnings("ignore:Layer 'global_max_pooling1d'.*does not support masking:UserWarning")
@pytest.mark.parametrize(("build", "message"), ERRORS)
def test_unsupported_models_raise_one_line_naming_file_and_layer(tmp_path, build, message):
    path = keras_file(tmp_path, fresh(build))
    with pytest.raises(ValueError, match=message) as error:
        from_keras(path)
    assert "\n" not in str(error.value)


def test_weights_of_another_shape_are_rejected(saved, tmp_path):
    bigger = sequential(layers.Bidirectional(layers.GRU(UNITS + 1)), dense=dense(3))
    bigger.save_weights(tmp_path / "bigger.weights.h5")
    with pytest.raises(
        ValueError,
        match=r"bigger\.weights\.h5: layer 'bidirectional' \(Bidirectional\) has weights of shapes",
    ):
        from_keras(saved("bigru")[2]["keras"], weights=tmp_path / "bigger.weights.h5")


# ---- saving


def test_convert_keras_saves_a_loadable_model_and_protects_existing_folders(saved, tmp_path):
    keras_model, expected, paths = saved("bigru_reset_before")
    out = convert_keras(paths["keras"], tmp_path / "converted")
    assert out == tmp_path / "converted" and (out / "config.json").exists()
    loaded = AutoModelForSequenceClassification.from_pretrained(out).eval()
    assert np.abs(probabilities(loaded, keras_model) - expected).max() <= TOLERANCE
    with pytest.raises(FileExistsError, match="converted: exists and is not empty; pass overwrite=True"):
        convert_keras(saved("lstm")[2]["h5"], out)
    assert AutoModelForSequenceClassification.from_pretrained(out).config.cell == "gru"
    convert_keras(saved("lstm")[2]["h5"], out, overwrite=True)
    assert AutoModelForSequenceClassification.from_pretrained(out).config.cell == "lstm"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["converted"]  # no temporary folders left
    with pytest.raises(ValueError, match=r"model\.keras: layer 'conv1d'"):
        convert_keras(
            keras_file(tmp_path, sequential(layers.Conv1D(2, 3), layers.LSTM(UNITS))), tmp_path / "bad"
        )
    assert not (tmp_path / "bad").exists()


# ---- tokenizer


def test_keras_tokenizer_converts_with_identical_sequences(tmp_path):
    text = pytest.importorskip("keras_preprocessing.text")
    corpus = [
        "You are a great person!",
        "what a terrible, terrible idea",
        "Great idea:\tyou win",
        "a b c d e",
    ]
    keras_tokenizer = text.Tokenizer()
    keras_tokenizer.fit_on_texts(corpus)
    assert len(keras_tokenizer.word_index) < VOCAB
    (tmp_path / "tokenizer.json").write_text(keras_tokenizer.to_json())
    keras_model = randomize(fresh(CASES["lstm"]))
    model_path = keras_file(tmp_path, keras_model)
    texts = [
        "a great, great idea",
        "unknown words are dropped",
        "",
        "you are a terrible person and a b c d e",
    ]
    # keras_preprocessing's own pad_sequences breaks on NumPy 2; Keras 3's is the same function.
    ids = keras.utils.pad_sequences(keras_tokenizer.texts_to_sequences(texts), maxlen=MAXLEN)

    model, tokenizer = from_keras(model_path, tmp_path / "tokenizer.json")
    assert tokenizer.model_max_length == MAXLEN
    encoded = tokenizer(texts, padding="max_length", truncation=True, max_length=MAXLEN)["input_ids"]
    np.testing.assert_array_equal(np.array(encoded), ids)
    assert np.abs(probabilities(model, keras_model, ids) - keras_outputs(keras_model, ids)).max() <= TOLERANCE

    out = convert_keras(model_path, tmp_path / "converted", tokenizer_json=tmp_path / "tokenizer.json")
    assert (out / "tokenizer_config.json").exists()


# ---- as its owner saved it: pickled tokenizer, post padding, pipeline


CORPUS = [
    "you are a great person",
    "what a terrible terrible idea",
    "great idea you win",
    "a b c d e f g h i j k l",
]
APP_TEXTS = ["a great great idea", "you are a terrible person and a b c d e f g h", "", "unknown words k l"]


def legacy_tokenizer(num_words=None):
    from keras.src.legacy.preprocessing.text import Tokenizer

    tokenizer = Tokenizer(num_words=num_words)
    tokenizer.fit_on_texts(CORPUS)
    return tokenizer


def test_pickled_tokenizer_and_post_padding_score_through_pipeline_as_the_keras_app(saved, tmp_path):
    keras_model = saved("bilstm_stack_dense_bn_head")[0]
    model_path = keras_file(tmp_path, keras_model, "model.h5")
    (tmp_path / "tokenizer.pickle").write_bytes(pickle.dumps(legacy_tokenizer(VOCAB)))
    # The app: texts_to_sequences, then pad_sequences(maxlen, padding="post", truncating="post").
    sequences = legacy_tokenizer(VOCAB).texts_to_sequences(APP_TEXTS)
    app_ids = keras.utils.pad_sequences(sequences, maxlen=MAXLEN, padding="post", truncating="post")
    app_scores = keras_outputs(keras_model, app_ids)[:, 0]
    out = convert_keras(
        model_path,
        tmp_path / "converted",
        tokenizer=tmp_path / "tokenizer.pickle",
        padding_side="right",
        truncation_side="right",
        labels=["toxic"],
    )
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert (tokenizer.padding_side, tokenizer.truncation_side, tokenizer.model_max_length) == (
        "right",
        "right",
        7,
    )
    encoded = tokenizer(APP_TEXTS, padding="max_length", truncation=True)["input_ids"]
    np.testing.assert_array_equal(np.array(encoded), app_ids)
    classify = pipeline("text-classification", model=str(out), function_to_apply="sigmoid")
    scores = [result["score"] for result in classify(APP_TEXTS)]
    assert np.abs(np.array(scores) - app_scores).max() <= TOLERANCE
    assert classify(APP_TEXTS[0])[0]["label"] == "toxic"


def test_num_words_beyond_the_embedding_is_capped_at_input_dim_and_said(saved, tmp_path):
    keras_model = saved("lstm")[0]
    (tmp_path / "tokenizer.pkl").write_bytes(pickle.dumps(legacy_tokenizer(num_words=VOCAB + 30)))
    assert len(legacy_tokenizer().word_index) >= VOCAB  # ids past the Embedding's rows exist
    with pytest.warns(UserWarning, match=rf"tokenizer\.pkl: num_words={VOCAB + 30} .* input_dim={VOCAB}"):
        _, tokenizer = from_keras(keras_file(tmp_path, keras_model), tmp_path / "tokenizer.pkl")
    ids = tokenizer(APP_TEXTS, padding="max_length", truncation=True)["input_ids"]
    assert max(map(max, ids)) < VOCAB
    np.testing.assert_array_equal(
        ids, keras.utils.pad_sequences(legacy_tokenizer(VOCAB).texts_to_sequences(APP_TEXTS), maxlen=MAXLEN)
    )


def test_cli_converts_a_pickled_tokenizer_with_notes_and_refuses_a_malicious_one(saved, tmp_path, capsys):
    model_path = keras_file(tmp_path, saved("bilstm_stack_dense_bn_head")[0], "model.h5")
    (tmp_path / "tokenizer.pkl").write_bytes(pickle.dumps(legacy_tokenizer(VOCAB)))
    argv = ["convert-keras", "--model", str(model_path), "--tokenizer", str(tmp_path / "tokenizer.pkl")]
    assert (
        main([*argv, "--output_dir", str(tmp_path / "out"), "--padding_side", "right", "--labels", "toxic"])
        == 0
    )
    captured = capsys.readouterr()
    assert "note: model.h5: 'dropout' (Dropout) has no equivalent here; it is left out." in captured.err
    assert AutoModelForSequenceClassification.from_pretrained(tmp_path / "out").config.keras_padding == "post"

    class RunsACommand:
        def __reduce__(self):
            return os.system, (f"touch {tmp_path / 'it-ran'}",)

    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(RunsACommand()))
    capsys.readouterr()
    argv = ["convert-keras", "--model", str(model_path), "--tokenizer", str(tmp_path / "evil.pkl")]
    assert main([*argv, "--output_dir", str(tmp_path / "evil-out")]) == 1
    error = capsys.readouterr().err
    assert error.startswith(
        f"rnn-models convert-keras: error: {tmp_path / 'evil.pkl'}: not loaded (it asks for "
    )
    assert error.count("\n") == 1 and "Traceback" not in error
    assert not (tmp_path / "it-ran").exists() and not (tmp_path / "evil-out").exists()


def test_a_converted_model_with_a_stack_and_a_dense_head_trains_with_the_trainer(saved, tmp_path):
    model, _ = from_keras(saved("bilstm_stack_dense_bn_head")[2]["h5"])
    rows = [{"input_ids": list(row), "labels": [float(i % 2)]} for i, row in enumerate(IDS.tolist() * 4)]
    before = {name: value.clone() for name, value in model.state_dict().items()}
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"), max_steps=3, per_device_train_batch_size=4, use_cpu=True,
        report_to=[], save_strategy="no", disable_tqdm=True, learning_rate=0.05,
    )  # fmt: skip
    Trainer(model=model, args=args, train_dataset=rows).train()
    after = model.state_dict()
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert {"head.0.weight", "head.1.weight", "head.1.running_mean", "classifier.weight"} <= changed
    assert "rnn.layers.1.rnn.weight_hh_l0_reverse" in changed
