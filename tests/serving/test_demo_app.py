"""The Gradio demo: leave-one-word-out weights, and the app called over HTTP with gradio_client."""

import socket

import numpy as np
import pytest
import torch
from builders import SCORING_CASES, SCORING_TEXTS, pipeline_scores, scoring_model

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.serving.demo_app import explain, scores
from rnn_models.serving.inference import predict_scores

TEXTS = ["thanks for the fix", "you idiot stop this", "a fine source thanks", "stupid idiot edit"]
LABELS = ["toxic", "insult"]


@pytest.fixture(scope="module")
def model_and_tokenizer():
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=20)
    torch.manual_seed(0)
    config = tiny_config(
        "bilstm", vocab_size=len(tokenizer), id2label=dict(enumerate(LABELS)), max_length=20,
        problem_type="multi_label_classification",
    )  # fmt: skip
    return RNNForSequenceClassification(config).eval(), tokenizer


def test_a_word_weighs_the_score_minus_the_score_without_it(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    scores, words = explain(model, tokenizer, "You IDIOT, stop this nonsenseword!", label="insult")
    assert [word for word, _ in words] == ["you", "idiot", "stop", "this"]  # unknown words: never seen
    full = predict_scores(model, tokenizer, ["you idiot stop this"])[0]
    without = predict_scores(
        model, tokenizer, ["idiot stop this", "you stop this", "you idiot this", "you idiot stop"]
    )
    assert [scores[name] for name in LABELS] == pytest.approx(full.tolist(), abs=1e-6)
    assert [weight for _, weight in words] == pytest.approx((full[1] - without[:, 1]).tolist(), abs=1e-6)


def test_empty_and_unknown_texts_score_without_words(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    for text in ("", "zzz qqq"):
        scores, words = explain(model, tokenizer, text)
        assert words == [] and set(scores) == set(LABELS)


@pytest.mark.parametrize("overrides", [case for case, _ in SCORING_CASES.values()], ids=list(SCORING_CASES))
def test_the_demo_shows_the_pipeline_scores(overrides):
    model, tokenizer = scoring_model(overrides)
    expected = pipeline_scores(model, tokenizer, SCORING_TEXTS)
    for text, row in zip(SCORING_TEXTS, expected, strict=True):
        assert list(scores(model, tokenizer, text).values()) == pytest.approx(row, abs=1e-6)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_app_over_http_gives_predicts_scores(model_and_tokenizer, monkeypatch):
    pytest.importorskip("gradio")
    from gradio_client import Client

    from rnn_models.serving.demo_app import build_demo

    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    model, tokenizer = model_and_tokenizer
    app = build_demo(model, tokenizer, title="test")
    app.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(app.local_url, verbose=False, download_files=False)
        label_output, highlighted = client.predict("you idiot stop this", "toxic", api_name="/predict")
    finally:
        app.close()
    served = {item["label"]: item["confidence"] for item in label_output["confidences"]}
    expected = predict_scores(model, tokenizer, ["you idiot stop this"])[0]
    assert [served[name] for name in LABELS] == pytest.approx(expected.tolist(), abs=1e-6)
    words = [(item["token"], item["class_or_confidence"]) for item in highlighted]
    assert [word for word, _ in words] == ["you", "idiot", "stop", "this"]
    assert np.allclose(
        [w for _, w in words], [w for _, w in explain(model, tokenizer, "you idiot stop this")[1]]
    )


def test_demo_command_builds_the_app_for_a_model_folder(model_and_tokenizer, tmp_path, monkeypatch):
    gradio = pytest.importorskip("gradio")
    from rnn_models.commands.cli import main

    model, tokenizer = model_and_tokenizer
    model.save_pretrained(tmp_path / "toxic-tiny")
    tokenizer.save_pretrained(tmp_path / "toxic-tiny")
    launched = []
    monkeypatch.setattr(gradio.Blocks, "launch", lambda app, **options: launched.append((app.title, options)))
    assert main(["demo", "--model", str(tmp_path / "toxic-tiny"), "--port", "7999"]) == 0
    assert launched == [("toxic-tiny", {"server_name": "127.0.0.1", "server_port": 7999, "share": False})]


def test_a_model_reading_the_raw_text_weighs_its_words_symbols_kept():
    tokenizer = RNNTokenizerFast.from_texts(TEXTS * 3, max_length=20, text_features=True)
    vocabulary = tokenizer.text_features
    config = tiny_config(
        "bilstm", vocab_size=len(tokenizer), max_length=20, text_feature_size=vocabulary.size,
        text_feature_groups=vocabulary.group_starts, recurrent_logit_scale=0.5,
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    with torch.no_grad():
        model.text_features.weight.weight.normal_()
    text = "you id1ot, stop this"
    label_scores, words = explain(model, tokenizer, text)

    def score(t: str) -> float:  # the model's own sigmoid, from the raw text
        with torch.no_grad():
            return torch.sigmoid(model(**tokenizer([t], return_tensors="pt")).logits)[0, 0].item()

    assert [word for word, _ in words] == ["you", "id1ot,", "stop", "this"]
    assert label_scores["LABEL_0"] == pytest.approx(score(text), abs=1e-6)
    without = [" ".join(w for j, w in enumerate(text.split()) if j != i) for i in range(4)]
    assert [w for _, w in words] == pytest.approx([score(text) - score(t) for t in without], abs=1e-6)
    assert scores(model, tokenizer, text)["LABEL_0"] == pytest.approx(score(text), abs=1e-6)
