"""Keras 2 models as users saved them (tf.keras 2.15 ``.h5`` / ``.keras``) against Keras's own predictions stored
beside them (``scripts/make_keras2_fixtures.py``). Neither TensorFlow nor Keras runs here."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import run_without_rnn_models

import rnn_models.keras.convert
from rnn_models.commands.cli import main
from rnn_models.hub.converted_card import CONVERTED_FROM_FILE, render_converted_card
from rnn_models.keras import convert_keras, from_keras

FIXTURES = Path(__file__).parents[1] / "data" / "keras2"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
TEXTS = json.loads((FIXTURES / "texts.json").read_text())
TOKENIZERS = ["tokenizer_tf215.pickle", "tokenizer_keras_preprocessing.pkl", "tokenizer_keras3.pkl"]
TOLERANCE = 1e-5
SIX_LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def probabilities(model, ids, attention_mask=None):
    with torch.no_grad():
        logits = model(torch.as_tensor(ids), attention_mask=attention_mask).logits
    if model.config.problem_type == "single_label_classification":
        return torch.softmax(logits, dim=-1).numpy()
    return torch.sigmoid(logits).numpy()


@pytest.mark.filterwarnings("ignore:.*has no equivalent here:UserWarning")
@pytest.mark.parametrize(("padding_side", "padded"), [("left", "pre"), ("right", "post")])
@pytest.mark.parametrize("name", sorted(EXPECTED["models"]))
def test_keras2_files_convert_and_match_keras_predict(name, padding_side, padded):
    model, _ = from_keras(FIXTURES / name, padding_side=padding_side)
    ids = EXPECTED["ids" if padded == "pre" else "post_ids"]
    expected = np.array(EXPECTED["models"][name][padded])
    assert np.abs(probabilities(model, ids) - expected).max() <= TOLERANCE
    # Unpadded rows with a mask, as a pipeline sends them: the model pads as the Keras app did.
    real = [[i for i in row if i] for row in EXPECTED["ids"]]
    width = max(map(len, real))
    unpadded = torch.tensor([row + [0] * (width - len(row)) for row in real])
    scores = probabilities(model, unpadded, attention_mask=(unpadded != 0).long())
    assert np.abs(scores - expected).max() <= TOLERANCE


def test_keras2_stacked_bilstm_with_dense_batchnorm_head_maps_to_the_config():
    with warnings.catch_warnings(record=True) as notes:
        warnings.simplefilter("always")
        model, _ = from_keras(FIXTURES / "bilstm_stack_dense_bn.h5")
    config = model.config
    assert (config.cell, config.hidden_size, config.num_layers, config.bidirectional) == ("lstm", 3, 2, True)
    assert config.recurrent_layers is None  # identical layers: the plain fields say it all
    assert config.head_layers == [
        {"type": "dense", "units": 8, "activation": "relu"},
        {"type": "batch_norm", "epsilon": 0.001, "momentum": pytest.approx(0.01)},
    ]
    assert (config.classifier_dropout, config.embedding_dropout, config.max_length) == (0.5, 0.2, 7)
    assert (config.keras_compatible, config.keras_padding, config.keras_truncating) == (True, "pre", "pre")
    assert ["'dropout' (Dropout) has no equivalent here" in str(note.message) for note in notes] == [True]
    mixed, _ = from_keras(FIXTURES / "gru_mix_max_pool_six_labels.h5")
    assert [(s["cell"], s["hidden_size"], s["gru_reset_after"]) for s in mixed.config.layer_specs()] == [
        ("gru", 5, True),
        ("gru", 3, False),
        ("rnn", 2, True),
    ]
    assert mixed.config.head_layers == [{"type": "dense", "units": 5, "activation": "selu"}]
    cudnn, _ = from_keras(FIXTURES / "cudnn_bigru_lstm.h5")  # Keras 2's GPU-only CuDNNGRU and CuDNNLSTM
    specs = [(s["cell"], s["bidirectional"], s["gru_reset_after"]) for s in cudnn.config.layer_specs()]
    assert specs == [("gru", True, True), ("lstm", False, True)]
    old_default, _ = from_keras(
        FIXTURES / "hard_sigmoid_lstm_gru.h5"
    )  # Keras 2's hard_sigmoid, not Keras 3's
    assert [s["recurrent_activation"] for s in old_default.config.layer_specs()] == [
        "hard_sigmoid_keras2"
    ] * 2


def test_a_savedmodel_folder_is_refused_saying_how_to_get_an_h5(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"graph")
    with pytest.raises(
        ValueError, match=r"a TensorFlow SavedModel folder, .* save it with model.save\('model.h5'\)"
    ):
        from_keras(tmp_path)


PIPELINE_CHILD = """
import json
from transformers import pipeline
classify = pipeline("text-classification", model=REPO, trust_remote_code=True, top_k=None)
print(json.dumps([[round(r["score"], 7) for r in sorted(rows, key=lambda r: r["label"])] for rows in classify(TEXTS)]))
"""


def test_a_converted_keras2_model_with_its_pickled_tokenizer_is_pushed_and_scored_without_the_package(
    local_hub, tmp_path
):
    folder = convert_keras(
        FIXTURES / "gru_mix_max_pool_six_labels.h5",
        tmp_path / "converted",
        tokenizer=FIXTURES / "tokenizer_tf215.pickle",
        padding_side="right",
        truncation_side="right",
        labels=SIX_LABELS,
    )
    assert main(["push", "--model", str(folder), "--repo_id", "tester/keras2-gru"]) == 0
    card = local_hub.files("tester/keras2-gru")["README.md"].decode()
    assert 'model="tester/keras2-gru"' in card and "GRU(5) -> GRU(3) -> SimpleRNN(2)" in card
    code = f"REPO = 'tester/keras2-gru'\nTEXTS = {TEXTS!r}\n" + PIPELINE_CHILD
    scores = json.loads(run_without_rnn_models(code, env=local_hub.env()).strip().splitlines()[-1])
    # The Keras recipe on the same texts: the pickled tokenizer's sequences, pad_sequences(7, "post", "post").
    sequences = json.loads((FIXTURES / "tokenizer_tf215.sequences.json").read_text())
    ids = [row[:7] + [0] * (7 - len(row[:7])) for row in sequences]
    model, _ = from_keras(FIXTURES / "gru_mix_max_pool_six_labels.h5", padding_side="right")
    by_label = sorted(range(len(SIX_LABELS)), key=SIX_LABELS.__getitem__)  # the child sorts by label
    assert np.abs(np.array(scores) - probabilities(model, ids)[:, by_label]).max() <= TOLERANCE


def test_convert_keras_command_writes_a_card_that_push_uploads(tmp_path, capsys):
    out = tmp_path / "converted"
    argv = ["convert-keras", "--model", str(FIXTURES / "bilstm_stack_dense_bn.h5"), "--output_dir", str(out)]
    tokenizer = ["--tokenizer", str(FIXTURES / "tokenizer_tf215.pickle"), "--padding_side", "right"]
    assert main([*argv, *tokenizer, "--labels", "toxic"]) == 0
    card = (out / "README.md").read_text()
    assert card.startswith("---\n") and "converted-from-keras" in card.split("---")[1]
    assert "converted from the Keras 2 model `bilstm_stack_dense_bn.h5`" in card
    assert "padding on the right and truncating on the left to 7 tokens" in card
    assert "2 x BiLSTM(3), then Dense(8, relu) -> BatchNormalization. Outputs: `toxic` (sigmoid" in card
    assert "re-pads any input to 7 tokens on the right" in card
    assert not any(path.name.startswith(".") for path in out.iterdir())
    assert json.loads((out / CONVERTED_FROM_FILE).read_text()) == {
        "keras_file": "bilstm_stack_dense_bn.h5",
        "keras_version": 2,
    }
    assert CONVERTED_FROM_FILE == rnn_models.keras.convert.CONVERTED_FROM_FILE
    # push renders it again with the repository in the usage snippet
    assert 'model="me/toxic-keras"' in render_converted_card(out, "me/toxic-keras")
