"""The Gradio demo: the text as segments that rebuild it, each word with `explanations.explain`'s contribution,
and the app called over HTTP with gradio_client."""

import socket
from itertools import pairwise

import pytest
import torch
from builders import SCORING_CASES, SCORING_TEXTS, pipeline_scores, scoring_model

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.serving import explanations
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


# Whitespace as typed: runs, tabs, newlines, at either end; words the tokenizer does not know; punctuation attached.
SEGMENT_TEXTS = [
    "You IDIOT, stop this nonsenseword!",
    "  you\tidiot\n\nstop  this ",
    "thanks",
    "zzz qqq",
    "   ",
    "",
]


def explained_words(model, tokenizer, text: str, label: str) -> list[tuple[str, float]]:
    [result] = explanations.explain(model, [text], tokenizer, labels=[label])
    return [(word.word, word.contribution) for word in result.labels[label].words]


def assert_segments_show(segments, text: str, words: list[tuple[str, float]]) -> None:
    """The segments are the text, cut into its words (valued as ``words``) and the whitespace between (None)."""
    assert "".join(piece for piece, _ in segments) == text
    assert all(piece for piece, _ in segments)  # no empty segment
    # whitespace None, words valued
    assert all((value is None) == piece.isspace() for piece, value in segments)
    kinds = [value is None for _, value in segments]
    assert all(a != b for a, b in pairwise(kinds))  # words and gaps alternate
    shown = [(piece, value) for piece, value in segments if value is not None]
    assert [piece for piece, _ in shown] == [word for word, _ in words]
    assert [value for _, value in shown] == pytest.approx([value for _, value in words], abs=1e-6)


@pytest.mark.parametrize("text", SEGMENT_TEXTS)
@pytest.mark.parametrize("label", LABELS)
def test_the_segments_rebuild_the_text_with_explains_contributions(model_and_tokenizer, text, label):
    model, tokenizer = model_and_tokenizer
    label_scores, segments = explain(model, tokenizer, text, label=label)
    assert_segments_show(segments, text, explained_words(model, tokenizer, text, label))
    assert [label_scores[name] for name in LABELS] == pytest.approx(
        predict_scores(model, tokenizer, [text])[0].tolist(), abs=1e-6
    )


def test_the_first_label_is_explained_by_default(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    text = "you idiot stop this"
    assert_segments_show(
        explain(model, tokenizer, text)[1], text, explained_words(model, tokenizer, text, "toxic")
    )
    with pytest.raises(ValueError, match=r"no label\(s\) \['severe'\]"):
        explain(model, tokenizer, text, "severe")


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
    text = "you idiot  stop"
    app = build_demo(model, tokenizer, title="test")
    app.launch(server_name="127.0.0.1", server_port=_free_port(), prevent_thread_lock=True, quiet=True)
    try:
        client = Client(app.local_url, verbose=False, download_files=False)
        label_output, highlighted = client.predict(text, "toxic", api_name="/predict")
    finally:
        app.close()
    served = {item["label"]: item["confidence"] for item in label_output["confidences"]}
    assert [served[name] for name in LABELS] == pytest.approx(
        predict_scores(model, tokenizer, [text])[0].tolist(), abs=1e-6
    )
    shown = [(item["token"], item["class_or_confidence"]) for item in highlighted]
    segments = explain(model, tokenizer, text, "toxic")[1]
    assert (
        [piece for piece, _ in shown]
        == [piece for piece, _ in segments]
        == ["you", " ", "idiot", "  ", "stop"]
    )
    largest = max(abs(value) for _, value in segments if value is not None)
    expected = [None if value is None else value / largest for _, value in segments]
    assert [value for _, value in shown] == pytest.approx(expected, abs=1e-6)  # gradio colours [-1, 1]
    assert max(abs(value) for value in expected if value is not None) == pytest.approx(1.0)


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


def test_a_model_reading_the_raw_text_shows_its_words_symbols_kept():
    tokenizer = RNNTokenizerFast.from_texts(TEXTS * 3, max_length=20, text_features=True)
    vocabulary = tokenizer.text_features
    config = tiny_config(
        "bilstm", vocab_size=len(tokenizer), max_length=20, text_feature_size=vocabulary.size,
        text_feature_groups=vocabulary.group_starts, recurrent_logit_scale=0.5,
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    with torch.no_grad():
        model.text_features.feature_weights.weight.normal_()
    text = "you id1ot, stop this"
    label_scores, segments = explain(model, tokenizer, text)
    with torch.no_grad():  # the model's own sigmoid, from the raw text
        score = torch.sigmoid(model(**tokenizer([text], return_tensors="pt")).logits)[0, 0].item()

    assert [piece for piece, _ in segments] == ["you", " ", "id1ot,", " ", "stop", " ", "this"]
    assert_segments_show(segments, text, explained_words(model, tokenizer, text, "LABEL_0"))
    assert any(value for _, value in segments)  # the n-grams' weights reach the words
    assert label_scores["LABEL_0"] == pytest.approx(score, abs=1e-6)
    assert scores(model, tokenizer, text)["LABEL_0"] == pytest.approx(score, abs=1e-6)
