"""ONNX Runtime serving gives the packed PyTorch model's scores, for every preset and mode."""

import json
import os

import numpy as np
import pytest
import torch

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.cli import main
from rnn_models.serving.inference import predict_scores
from rnn_models.serving.onnx_serving import OnnxClassifier, exact_length_batches, export_onnx

pytest.importorskip("onnxruntime")

TEXTS = [
    "thanks for the fix",
    "you idiot stop this now you idiot",
    "",
    "fine",
    "a fine source thanks for the fix",
    "stupid idiot edit",
    "thanks",
    "you idiot",
]


@pytest.fixture(scope="module")
def tokenizer():
    return RNNTokenizerFast.from_texts(TEXTS, max_length=6)  # several texts are cut to 6 tokens


def tiny_model(tokenizer, preset: str, **overrides) -> RNNForSequenceClassification:
    torch.manual_seed(0)
    config = tiny_config(preset, vocab_size=len(tokenizer), max_length=6, **overrides)
    return RNNForSequenceClassification(config).eval()


@pytest.mark.parametrize(
    ("preset", "overrides"),
    [
        ("lstm", {}),
        ("gru", {}),
        ("bilstm", {}),
        ("bilstm", {"pooling": "max"}),
        ("gru", {"pooling": "mean"}),
        ("lstm", {"num_labels": 3, "problem_type": "multi_label_classification"}),
        ("lstm", {"keras_compatible": True}),
        # A converted Keras model: a hidden head, re-padding as its app did (the tokenizer pads the same way).
        (
            "bilstm",
            {
                "keras_compatible": True,
                "keras_padding": "pre",
                "pooling": "max_mean",
                "head_layers": [
                    {"type": "dense", "units": 5, "activation": "gelu"},
                    {"type": "batch_norm"},
                    {"type": "activation", "activation": "leaky_relu", "negative_slope": 0.3},
                ],
            },
        ),
    ],
)
def test_onnx_scores_equal_the_pytorch_scores(tokenizer, preset, overrides):
    model = tiny_model(tokenizer, preset, **overrides)
    expected = predict_scores(model, tokenizer, TEXTS, batch_size=3)
    got = OnnxClassifier.from_model(model).predict_scores(tokenizer, TEXTS, batch_size=3)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert model.config.keras_compatible == overrides.get("keras_compatible", False)  # export copies


def test_the_default_presets_bag_of_ngrams_exports_with_equal_scores(tokenizer):
    model = tiny_model(tokenizer, "bigru_ngrams", ngram_buckets=97)
    model.set_vocabulary(tokenizer)
    for table in (model.ngrams.char_ngram_weights, model.ngrams.word_weights, model.ngrams.word_pair_weights):
        torch.nn.init.normal_(table.weight)
    expected = predict_scores(model, tokenizer, TEXTS, batch_size=3)
    got = OnnxClassifier.from_model(model).predict_scores(tokenizer, TEXTS, batch_size=3)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_exact_length_batches_never_mix_lengths_and_cover_every_row():
    lengths = [5, 1, 5, 2, 5, 5, 1]
    batches = [b.tolist() for b in exact_length_batches(lengths, batch_size=3)]
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len({lengths[i] for i in b}) == 1 and len(b) <= 3 for b in batches)


@pytest.mark.parametrize(
    ("preset", "overrides", "message"),
    [
        ("gru", {"gru_reset_after": False}, "gru_reset_after=False.*predict_scores"),
        ("lstm", {"num_layers": 2}, "num_layers=2 is not exportable.*predict_scores"),
    ],
)
def test_unexportable_models_are_refused_with_a_reason(tokenizer, tmp_path, preset, overrides, message):
    model = tiny_model(tokenizer, preset, **overrides)
    with pytest.raises(ValueError, match=message):
        export_onnx(model, tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()


@pytest.fixture()
def model_dir(tokenizer, tmp_path):
    model = tiny_model(tokenizer, "bilstm", id2label={0: "toxic"})
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    return tmp_path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_export_then_predict_with_onnx_prints_the_same_scores(model_dir, capsys):
    code, out, _ = run(capsys, "export-onnx", "--model", model_dir)
    assert code == 0 and (model_dir / "model.onnx").is_file() and "model.onnx" in out
    _, torch_out, _ = run(capsys, "predict", "--model", model_dir, *TEXTS[:4])
    _, onnx_out, _ = run(capsys, "predict", "--model", model_dir, "--backend", "onnx", *TEXTS[:4])
    for want, got in zip(torch_out.splitlines(), onnx_out.splitlines(), strict=True):
        assert json.loads(got)["toxic"] == pytest.approx(json.loads(want)["toxic"], abs=1e-5)


def test_cli_export_does_not_overwrite_and_a_stale_export_is_refused(model_dir, capsys):
    (model_dir / "model.onnx").write_text("an older export")
    code, _, err = run(capsys, "export-onnx", "--model", model_dir)
    assert code == 1 and "exists; pass --overwrite" in err
    assert (model_dir / "model.onnx").read_text() == "an older export"
    weights = model_dir / "model.safetensors"
    os.utime(weights, (weights.stat().st_atime, (model_dir / "model.onnx").stat().st_mtime + 10))
    code, out, err = run(capsys, "predict", "--model", model_dir, "--backend", "onnx", "hi")
    assert code == 1 and out == "" and "model.onnx is older than" in err and "--overwrite" in err
