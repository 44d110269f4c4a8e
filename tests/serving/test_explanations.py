"""Explanations: every word's contribution to every label's logit, for every family of model, adding up to the
logit minus the stated baseline; spans in the raw text; the exact linear parts; the module without the package."""

import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from builders import SCORING_CASES, SCORING_TEXTS, scoring_model
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.model.text_features import TextFeatureVocabulary
from rnn_models.serving import explanations
from rnn_models.serving.explanations import explain
from rnn_models.serving.inference import load_model, predict_scores

RELEASE = Path(__file__).parents[1] / "data" / "release_0_1_0"
TEXTS = [
    "Hey, YOU are a stupid idiot!!! f*ck off",
    "thanks for the fix, a fine source",
    "",
    "zzz qqq",  # no known word
    "İstanbul café ¨ naïve ΟΔΟΣ\xa0the  end",  # spans survive case folding and accents
]


def text_feature_model(texts=TEXTS, scale: float | list[float] = 0.3, **overrides):
    """A default-preset model (raw-text n-grams + BiLSTM + Keras-id bag) with random weights everywhere."""
    tokenizer = RNNTokenizerFast.from_texts(texts * 3, max_length=40, text_features=True)
    vocabulary = tokenizer.text_features
    config = tiny_config(
        "bilstm", vocab_size=len(tokenizer), max_length=40, ngram_buckets=64, text_feature_size=vocabulary.size,
        text_feature_groups=vocabulary.group_starts, recurrent_logit_scale=scale, **overrides,
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    model.set_vocabulary(tokenizer)
    with torch.no_grad():
        for table in (
            model.text_features.feature_weights,
            model.ngrams.word_weights,
            model.ngrams.char_ngram_weights,
        ):
            table.weight.normal_()
        model.ngrams.word_pair_weights.weight.normal_()
        model.text_features.idf.uniform_(1.0, 3.0)
        model.text_features.bias.fill_(-1.0)
    return model, tokenizer


def assert_adds_up(model, tokenizer, texts, result):
    """Logits and scores as `predict` gives them; contributions sum to logit - baseline within 1% (of 0.1 when
    the logit is closer than that to the baseline's)."""
    assert [r.text for r in result] == list(texts)
    scores = predict_scores(model, tokenizer, texts)
    names = [model.config.id2label[i] for i in range(model.config.num_labels)]
    for row, explained in enumerate(result):
        assert list(explained.labels) == names
        for column, name in enumerate(names):
            label = explained.labels[name]
            assert label.score == pytest.approx(float(scores[row, column]), abs=1e-5)
            distance = label.logit - label.baseline_logit
            allowed = 0.01 * max(abs(distance), explanations.SMALL_DISTANCE) + 1e-6
            assert abs(label.residual) <= allowed, (explained.text, name, label.residual)


FAMILIES = {
    "lstm": lambda: tiny_config("lstm"),
    "gru": lambda: tiny_config("gru"),
    "bilstm": lambda: tiny_config("bilstm"),
    "bilstm with a bag of n-grams": lambda: tiny_config("bilstm", ngram_buckets=64),
    "keras_compatible, re-padded as Keras did": lambda: tiny_config(
        "gru", keras_compatible=True, keras_padding="pre", keras_truncating="post"
    ),
    "keras_compatible, padded by the tokenizer": lambda: tiny_config("lstm", keras_compatible=True),
    "stacked, head": lambda: tiny_config(
        "lstm", num_layers=2, head_layers=[{"type": "dense", "units": 4, "activation": "relu"}]
    ),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_notebook_families_add_up(family):
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=40)
    model = RNNForSequenceClassification(
        RNNConfig(**{**FAMILIES[family]().to_dict(), "vocab_size": len(tokenizer), "max_length": 40})
    ).eval()
    model.set_vocabulary(tokenizer)
    if model.ngrams is not None:
        with torch.no_grad():
            model.ngrams.word_weights.weight.normal_()
    texts = [*TEXTS, " ".join(["you stupid idiot, thanks for the fix"] * 8)]  # 56 words: max_length truncates
    assert_adds_up(model, tokenizer, texts, explain(model, texts, tokenizer))


@pytest.mark.parametrize("case", list(SCORING_CASES))
def test_every_problem_type_adds_up_for_every_label(case):
    model, tokenizer = scoring_model(SCORING_CASES[case][0])
    assert_adds_up(model, tokenizer, SCORING_TEXTS, explain(model, SCORING_TEXTS, tokenizer))


@pytest.mark.parametrize("family", ["converted_keras_head", "default_bilstm_ngrams", "notebook_lstm"])
def test_saved_folders_add_up_converted_keras_models_included(family):
    model, tokenizer = load_model(str(RELEASE / family))
    result = explain(RELEASE / family, TEXTS)  # a folder: loaded with its tokenizer
    assert_adds_up(model, tokenizer, TEXTS, result)
    assert sum(abs(w.contribution) for r in result for w in r.labels["LABEL_0"].words) > 0


def test_the_default_preset_reading_the_raw_text_adds_up():
    model, tokenizer = text_feature_model()
    assert_adds_up(model, tokenizer, TEXTS, explain(model, TEXTS, tokenizer))


def test_words_are_the_raw_texts_pieces_with_their_spans():
    model, tokenizer = text_feature_model()
    for result in explain(model, TEXTS, tokenizer):
        words = result.labels["LABEL_0"].words
        assert [w.word for w in words] == result.text.split()
        assert all(result.text[w.start : w.end] == w.word for w in words)
    [unknown] = explain(model, ["жжж щщщ"], tokenizer)
    assert [w.contribution for w in unknown.labels["LABEL_0"].words] == [0.0, 0.0]  # nothing known: no share


def test_the_baseline_is_the_text_read_with_the_padding_vector_at_every_word():
    """For a notebook model the baseline is the logit of the same number of words whose vector is the padding
    row: here the word "blank", given the padding row's (zero) vector."""
    tokenizer = RNNTokenizerFast.from_texts(["you idiot stop this blank"], max_length=20)
    model = RNNForSequenceClassification(tiny_config("gru", vocab_size=len(tokenizer), max_length=20)).eval()
    with torch.no_grad():
        model.get_input_embeddings().weight[tokenizer.convert_tokens_to_ids("blank")] = 0.0
    [result] = explain(model, ["you IDIOT, stop this"], tokenizer)
    with torch.no_grad():
        blank = model(**tokenizer(["blank blank blank blank"], return_tensors="pt")).logits[0, 0].item()
    assert result.labels["LABEL_0"].baseline_logit == pytest.approx(blank, abs=1e-6)


def test_the_linear_part_over_the_raw_text_is_exact():
    """With the recurrent part silenced, each word gets its n-grams' TF-IDF value x weight, computed by hand."""
    vocabulary = TextFeatureVocabulary(words=["you", "idiot", "you idiot"], chars=["qq"], char_range=(2, 2))
    tokenizer = RNNTokenizerFast.from_texts(["you idiot"], max_length=20)
    tokenizer.text_features = vocabulary
    tokenizer.model_input_names = [*tokenizer.model_input_names, "text_feature_ids", "text_feature_counts"]
    config = tiny_config(
        "lstm", vocab_size=len(tokenizer), max_length=20, text_feature_size=vocabulary.size,
        text_feature_groups=vocabulary.group_starts, recurrent_logit_scale=0.0,
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    weights = {1: 0.5, 2: 2.0, 3: 1.0}  # you, idiot, "you idiot"
    with torch.no_grad():
        model.text_features.feature_weights.weight.zero_()
        for i, w in weights.items():
            model.text_features.feature_weights.weight[i, 0] = w
        model.text_features.bias.fill_(-1.0)
    [result] = explain(model, ["You idiot, YOU"], tokenizer)
    label = result.labels["LABEL_0"]
    tf = {1: 1 + torch.log(torch.tensor(2.0)).item(), 2: 1.0, 3: 1.0}  # sublinear tf, idf 1
    norm = sum(v * v for v in tf.values()) ** 0.5
    term = {i: tf[i] / norm * weights[i] for i in tf}
    you, idiot, you_again = (w.contribution for w in label.words)
    assert you == pytest.approx(term[1] / 2 + term[3] / 2, abs=1e-5)  # one of two "you", half of the pair
    assert idiot == pytest.approx(term[2] + term[3] / 2, abs=1e-5)
    assert you_again == pytest.approx(term[1] / 2, abs=1e-5)
    assert label.baseline_logit == pytest.approx(-1.0, abs=1e-6) and label.residual == pytest.approx(
        0, abs=1e-5
    )


def test_labels_can_be_chosen_and_unknown_ones_are_named():
    model, tokenizer = scoring_model(SCORING_CASES["multi-label"][0])
    [result] = explain(model, ["you idiot"], tokenizer, labels=["insult"])
    assert list(result.labels) == ["insult"]
    with pytest.raises(ValueError, match=r"no label\(s\) \['rude'\] in this model; its labels are"):
        explain(model, ["you idiot"], tokenizer, labels=["rude"])
    with pytest.raises(ValueError, match="pass the model's tokenizer"):
        explain(model, ["you idiot"])
    with pytest.raises(ValueError, match=r"training mode .* call model.eval\(\) first"):
        explain(model.train(), ["you idiot"], tokenizer)


def test_integrated_gradients_takes_more_steps_until_the_sum_adds_up(monkeypatch):
    model, tokenizer = text_feature_model(scale=1.0)
    with torch.no_grad():  # large vectors: the recurrent part is far from linear between baseline and text
        model.get_input_embeddings().weight.normal_(0.0, 3.0)
    monkeypatch.setattr(explanations, "TOLERANCE", 1e-4)

    def relative_residual() -> float:
        [result] = explain(model, TEXTS[:1], tokenizer, n_steps=2)
        label = result.labels["LABEL_0"]
        return abs(label.residual) / abs(label.logit - label.baseline_logit)

    assert relative_residual() <= 1e-4
    monkeypatch.setattr(explanations, "MAX_STEPS", 2)  # two steps over the whole path, then cut into pieces
    assert relative_residual() <= 1e-4
    monkeypatch.setattr(explanations, "MIN_SEGMENT", 1.0)  # no pieces: two steps only, and the sum misses
    assert relative_residual() > 1e-4


def steps_integrated(monkeypatch) -> list[int]:
    """``(label column, number of steps)`` of every Integrated Gradients pass `explain` runs, in order."""
    calls, segment = [], explanations._RecurrentLogits._segment

    def counted(self, rows, column, low, high, steps):
        calls.append((column, steps))
        return segment(self, rows, column, low, high, steps)

    monkeypatch.setattr(explanations._RecurrentLogits, "_segment", counted)
    return calls


def test_a_logit_at_the_baseline_is_held_to_the_small_distance_not_integrated_again(monkeypatch):
    """The output layer is turned orthogonal to the pooled features' change from baseline to text: the logit
    equals the baseline's, while the path between them is not flat. 1% of nothing would be no budget at all."""
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=40)
    model = RNNForSequenceClassification(tiny_config("lstm", vocab_size=len(tokenizer), max_length=40)).eval()
    ids = tokenizer(TEXTS[:1], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        padding = model.get_input_embeddings()(torch.zeros_like(ids))
        change = (model.rnn.encode(ids)[1] - model.rnn.encode(ids, inputs_embeds=padding)[1])[0]  # (hidden,)
        weight = torch.randn_like(change)
        model.classifier.weight[0] = weight - (weight @ change) / (change @ change) * change
    calls = steps_integrated(monkeypatch)
    [result] = explain(model, TEXTS[:1], tokenizer, n_steps=16)
    label = result.labels["LABEL_0"]

    assert abs(label.logit - label.baseline_logit) < 1e-5
    assert sum(abs(word.contribution) for word in label.words) > 1e-3  # the words still moved the logit
    assert calls == [(0, 16)]  # within TOLERANCE x SMALL_DISTANCE at the first number of steps
    assert abs(label.residual) <= explanations.TOLERANCE * explanations.SMALL_DISTANCE


def test_a_zero_recurrent_scale_integrates_nothing_and_adds_up_exactly(monkeypatch):
    model, tokenizer = text_feature_model(scale=0.0)
    calls = steps_integrated(monkeypatch)
    result = explain(model, TEXTS, tokenizer)

    assert calls == []  # the recurrent part adds nothing: no budget to divide by 0
    for explained in result:
        label = explained.labels["LABEL_0"]
        assert all(math.isfinite(word.contribution) for word in label.words)
        assert label.residual == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("scale", [[0.2, 0.7], [0.0, 0.7]])
def test_a_recurrent_scale_per_label_blends_and_adds_up_label_by_label(monkeypatch, scale):
    model, tokenizer = text_feature_model(scale=scale, num_labels=2)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        recurrent, linear = model.part_logits(**batch)
        torch.testing.assert_close(model(**batch).logits, linear + torch.tensor(scale) * recurrent)
    calls = steps_integrated(monkeypatch)
    result = explain(model, TEXTS, tokenizer, n_steps=16)

    assert_adds_up(model, tokenizer, TEXTS, result)
    assert {column for column, _ in calls} == {column for column in (0, 1) if scale[column] > 0}
    with torch.no_grad():  # the baseline blends each label's own scale
        reference = model.get_input_embeddings()(torch.zeros_like(batch["input_ids"]))
        rows = model.part_logits(**batch, inputs_embeds=reference)[0]
        bag = model.ngrams(batch["input_ids"], batch["attention_mask"])
        expected = model.text_features.bias + torch.tensor(scale) * (rows - bag)
    got = torch.tensor([[r.labels[name].baseline_logit for name in ("LABEL_0", "LABEL_1")] for r in result])
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=0)


def test_the_module_works_without_the_package_as_in_a_space(tmp_path):
    """A Space has explanations.py beside app.py and loads the model with trust_remote_code."""
    model, tokenizer = text_feature_model()
    model.save_pretrained(tmp_path / "model")
    tokenizer.save_pretrained(tmp_path / "model")
    shutil.copy(explanations.__file__, tmp_path / "explanations.py")
    expected = explain(model, TEXTS[:2], tokenizer)
    out = run_without_rnn_models(
        f"""
        import json, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from explanations import explain
        folder = {str(tmp_path / "model")!r}
        model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
        tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
        result = explain(model, {TEXTS[:2]!r}, tokenizer)
        print(json.dumps([[w.contribution for w in r.labels["LABEL_0"].words] for r in result]))
        """
    )
    got = json.loads(out.strip().splitlines()[-1])
    want = [[w.contribution for w in r.labels["LABEL_0"].words] for r in expected]
    for row_got, row_want in zip(got, want, strict=True):
        assert row_got == pytest.approx(row_want, abs=1e-4)
