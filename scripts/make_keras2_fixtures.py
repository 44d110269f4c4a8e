"""Builds ``tests/data/keras2/``: small Keras 2 (tf.keras) models and pickled Keras tokenizers, as users saved them.

What real projects saved (docs/keras.md, "Converting a saved Keras model"): tf.keras 2.x ``model.save("x.h5")`` (configs with
``time_major``, ``batch_input_shape``, old initializer names, ``input_length``), hidden Dense heads with
BatchNormalization and Dropout, stacked recurrent layers, and the tokenizer pickled (``pickle.dump(tokenizer,
f)``). Each model has random weights (biases and BatchNormalization statistics included), and Keras's own
``predict`` on pre- and post-padded ids is stored beside it, so the tests check the conversion against Keras
without TensorFlow. The CuDNNGRU / CuDNNLSTM model (2018 Kaggle kernels) runs on a GPU only: its figures are
its CPU twin's, the same weights in GRU / LSTM layers.

Run once per environment; each writes its part (the tests read the committed files only):

    # tf.keras 2.15 models, its pickled tokenizer (keras.src.preprocessing.text.Tokenizer) and keras_preprocessing's
    python3.11 -m venv /tmp/tf2 && /tmp/tf2/bin/pip install tensorflow==2.15.0 keras-preprocessing==1.1.2
    /tmp/tf2/bin/python scripts/make_keras2_fixtures.py --part tf2
    # Keras 3's tokenizer (keras.src.legacy.preprocessing.text.Tokenizer), from the project's own environment
    python scripts/make_keras2_fixtures.py --part keras3
"""

import argparse
import json
import pickle
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "keras2"
VOCAB, DIM, MAXLEN = 20, 4, 7
IDS = [
    [0, 0, 0, 0, 0, 0, 5],
    [0, 0, 0, 3, 17, 9, 1],
    [0, 12, 4, 4, 8, 19, 2],
    [7, 1, 15, 6, 11, 3, 10],
    [19, 18, 17, 16, 15, 14, 13],
]
CORPUS = [
    "You are a great person!",
    "what a terrible, terrible idea",
    "Great idea:\tyou win",
    "a b c d e f g h i j k l",
    "the the the cat",
]
TEXTS = ["a great, great idea", "unknown words are dropped", "", "you are a terrible person and a b c d e"]


def post_padded(ids: list[list[int]]) -> list[list[int]]:
    """The same real tokens, padded after them (``pad_sequences(padding="post")``)."""
    rows = [[i for i in row if i != 0] for row in ids]
    return [row + [0] * (MAXLEN - len(row)) for row in rows]


def randomize(model, seed: int) -> None:
    """Random weights, large enough that every gate matters; BatchNormalization variances stay positive."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        value = rng.normal(0.0, 0.5, weight.shape).astype("float32")
        values.append(np.abs(value) + 0.5 if "moving_variance" in weight.name else value)
    model.set_weights(values)


def tf2_models(keras):
    layers = keras.layers

    def embedding():
        return layers.Embedding(VOCAB, DIM, input_length=MAXLEN)

    def functional_bigru_mean_head():
        inputs = keras.Input((MAXLEN,))
        x = layers.Embedding(VOCAB, DIM)(inputs)
        x = layers.SpatialDropout1D(0.2)(x)
        x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
        x = layers.GlobalAveragePooling1D()(x)
        x = layers.Dense(4, activation="elu")(x)
        return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))

    def pooled_bigru_jigsaw():
        # The 2018 competition's kernel: average and max pooling of a BiGRU, concatenated, six sigmoid outputs.
        inputs = keras.Input((MAXLEN,))
        x = layers.Embedding(VOCAB, DIM)(inputs)
        x = layers.SpatialDropout1D(0.2)(x)
        x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
        x = layers.concatenate([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)])
        return keras.Model(inputs, layers.Dense(6, activation="sigmoid")(x))

    return {
        # The tutorial's stacked BiLSTM with a hidden Dense, BatchNormalization and Dropout head.
        "bilstm_stack_dense_bn": lambda: keras.Sequential(
            [
                embedding(),
                layers.SpatialDropout1D(0.2),
                layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
                layers.Dropout(0.3),
                layers.Bidirectional(layers.LSTM(3)),
                layers.Dense(8, activation="relu"),
                layers.BatchNormalization(),
                layers.Dropout(0.5),
                layers.Dense(1, activation="sigmoid"),
            ]
        ),
        "four_bilstm": lambda: keras.Sequential(
            [
                embedding(),
                *[layers.Bidirectional(layers.LSTM(2, return_sequences=True)) for _ in range(3)],
                layers.Bidirectional(layers.LSTM(2)),
                layers.Dense(6, activation="tanh"),
                layers.Dense(3, activation="softmax"),
            ]
        ),
        "gru_mix_max_pool_six_labels": lambda: keras.Sequential(
            [
                embedding(),
                layers.GRU(5, return_sequences=True),
                layers.GRU(3, return_sequences=True, reset_after=False),
                layers.SimpleRNN(2, return_sequences=True),
                layers.GlobalMaxPooling1D(),
                layers.Dense(5, activation="selu"),
                layers.Dropout(0.1),
                layers.Dense(6, activation="sigmoid"),
            ]
        ),
        "functional_bigru_mean_head": functional_bigru_mean_head,
        "pooled_bigru_jigsaw": pooled_bigru_jigsaw,
        # Standalone Keras <= 2.2's LSTM / GRU default: Keras 2's hard_sigmoid gates.
        "hard_sigmoid_lstm_gru": lambda: keras.Sequential(
            [
                embedding(),
                layers.LSTM(3, recurrent_activation="hard_sigmoid", return_sequences=True),
                layers.GRU(2, recurrent_activation="hard_sigmoid", reset_after=False),
                layers.Dense(1, activation="sigmoid"),
            ]
        ),
    }


def cudnn_model_and_twin(keras, layers, cudnn):
    """A Keras 2 CuDNNGRU / CuDNNLSTM model (GPU-only to run) and its CPU twin with the same weights.

    CuDNNGRU is GRU(reset_after=True) with its (6u,) bias as (2, 3u); CuDNNLSTM is LSTM with the input and
    recurrent biases (8u,) summed: the twin's predictions are the CuDNN model's.
    """

    def build(gru, lstm):
        return keras.Sequential(
            [
                layers.Embedding(VOCAB, DIM, input_length=MAXLEN),
                layers.Bidirectional(gru(3, return_sequences=True)),
                lstm(2),
                layers.Dense(1, activation="sigmoid"),
            ]
        )

    model, twin = build(cudnn.CuDNNGRU, cudnn.CuDNNLSTM), build(layers.GRU, layers.LSTM)
    return model, twin


def twin_weights(model) -> list[np.ndarray]:
    values = []
    for weight, value in zip(model.weights, model.get_weights(), strict=True):
        if "cu_dnngru" in weight.name and "bias" in weight.name:
            value = value.reshape(2, -1)
        elif "cu_dnnlstm" in weight.name and "bias" in weight.name:
            value = value[: len(value) // 2] + value[len(value) // 2 :]
        values.append(value)
    return values


def make_tf2(out: Path) -> None:
    import tensorflow as tf
    from keras_preprocessing.text import Tokenizer as PreprocessingTokenizer
    from tensorflow import keras

    expected = {"keras_version": tf.__version__, "ids": IDS, "post_ids": post_padded(IDS), "models": {}}
    for seed, (name, build) in enumerate(tf2_models(keras).items()):
        keras.backend.clear_session()
        tf.random.set_seed(seed)
        model = build()
        randomize(model, seed)
        suffix = ".keras" if name.startswith("functional") else ".h5"
        model.save(out / f"{name}{suffix}")
        expected["models"][f"{name}{suffix}"] = {
            "pre": model.predict(np.array(IDS), verbose=0).tolist(),
            "post": model.predict(np.array(post_padded(IDS)), verbose=0).tolist(),
        }
    keras.backend.clear_session()
    model, twin = cudnn_model_and_twin(keras, keras.layers, tf.compat.v1.keras.layers)
    randomize(model, 99)
    twin.set_weights(twin_weights(model))
    model.save(out / "cudnn_bigru_lstm.h5")
    expected["models"]["cudnn_bigru_lstm.h5"] = {
        "pre": twin.predict(np.array(IDS), verbose=0).tolist(),
        "post": twin.predict(np.array(post_padded(IDS)), verbose=0).tolist(),
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    write_tokenizer(
        keras.preprocessing.text.Tokenizer(num_words=12, oov_token="<unk>"), out / "tokenizer_tf215.pickle", 4
    )
    write_tokenizer(PreprocessingTokenizer(), out / "tokenizer_keras_preprocessing.pkl", 2)


def write_tokenizer(tokenizer, path: Path, protocol: int) -> None:
    """Pickles a fitted tokenizer as its owner did; its ``texts_to_sequences(TEXTS)`` goes beside it."""
    tokenizer.fit_on_texts(CORPUS)
    path.write_bytes(pickle.dumps(tokenizer, protocol=protocol))
    path.with_suffix(".sequences.json").write_text(json.dumps(tokenizer.texts_to_sequences(TEXTS)) + "\n")


def make_keras3(out: Path) -> None:
    from keras.src.legacy.preprocessing.text import Tokenizer

    write_tokenizer(Tokenizer(num_words=40), out / "tokenizer_keras3.pkl", pickle.HIGHEST_PROTOCOL)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["tf2", "keras3"], required=True)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (make_tf2 if args.part == "tf2" else make_keras3)(args.out)
    (args.out / "texts.json").write_text(json.dumps(TEXTS) + "\n")


if __name__ == "__main__":
    main()
