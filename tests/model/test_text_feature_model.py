"""A model that reads the raw text's n-grams: the blend, the inputs it needs, and its folder with and without the
package (AutoTokenizer, pipeline, trust_remote_code), as a user of the default preset meets them."""

import json
import shutil

import pytest
import torch
from helpers import run_without_rnn_models
from safetensors.torch import load_file, save_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

from rnn_models import RNNConfig, RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.text.tables import DEMO_DATA, load_table

TEXTS = ["you are a great person, thank you", "shut up you stupid idiot", "", "f*ck off, id1ot!!"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    texts = list(load_table(DEMO_DATA, "comment_text", ["toxic"])["comment_text"])[:300]
    tokenizer = RNNTokenizerFast.from_texts(texts, text_features=True, max_length=200)
    vocabulary = tokenizer.text_features
    config = RNNConfig.from_preset(
        "bilstm_ngrams", vocab_size=len(tokenizer), embedding_dim=4, hidden_size=3, ngram_buckets=64,
        text_feature_size=vocabulary.size, text_feature_groups=vocabulary.group_starts, recurrent_logit_scale=0.3,
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    with torch.no_grad():
        model.text_features.feature_weights.weight.normal_()
        model.text_features.idf.uniform_(1.0, 3.0)
        model.text_features.bias.fill_(-2.0)
    out = tmp_path_factory.mktemp("text-features") / "model"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def logits(model, tokenizer, texts=TEXTS) -> torch.Tensor:
    with torch.no_grad():
        return model(**tokenizer(texts, padding=True, return_tensors="pt")).logits


def test_the_logit_is_the_linear_part_plus_the_scaled_recurrent_part(folder):
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        recurrent, linear = model.part_logits(**batch)
        torch.testing.assert_close(model(**batch).logits, linear + 0.3 * recurrent)
        model.train()
        torch.manual_seed(0)
        trained = model(**batch).logits
        torch.manual_seed(0)  # the same dropout masks
        torch.testing.assert_close(trained, model.part_logits(**batch)[0])  # the recurrent part learns alone


def test_a_recurrent_scale_per_label_weighs_each_labels_recurrent_logit():
    tokenizer = RNNTokenizerFast.from_texts(TEXTS * 2, text_features=True, max_length=50)
    vocabulary = tokenizer.text_features
    config = RNNConfig.from_preset(
        "bilstm_ngrams", vocab_size=len(tokenizer), embedding_dim=4, hidden_size=3, ngram_buckets=64,
        text_feature_size=vocabulary.size, text_feature_groups=vocabulary.group_starts, num_labels=2,
        recurrent_logit_scale=[0.2, 0.7],
    )  # fmt: skip
    model = RNNForSequenceClassification(config).eval()
    with torch.no_grad():
        model.text_features.feature_weights.weight.normal_()
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        recurrent, linear = model.part_logits(**batch)
        torch.testing.assert_close(model(**batch).logits, linear + torch.tensor([0.2, 0.7]) * recurrent)


def test_the_model_says_how_to_get_the_features_when_they_are_missing(folder):
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with pytest.raises(ValueError, match="trust_remote_code=True"):
        model(torch.tensor([[1, 2, 3]]))


def test_pipeline_scores_raw_strings_as_the_model_does(folder):
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    expected = torch.sigmoid(logits(model, tokenizer))[:, 0].tolist()
    classify = pipeline("text-classification", model=str(folder), function_to_apply="sigmoid")
    assert [r["score"] for r in classify(TEXTS, batch_size=2)] == pytest.approx(expected, abs=1e-6)


def test_pad_pads_the_feature_rows_as_the_data_collator_needs(folder):
    tokenizer = AutoTokenizer.from_pretrained(folder)
    rows = [tokenizer(text, truncation=True) for text in TEXTS]
    batch = tokenizer.pad(rows, return_tensors="pt")
    whole = tokenizer(TEXTS, padding=True, return_tensors="pt")
    for key in ("input_ids", "text_feature_ids", "text_feature_counts"):
        torch.testing.assert_close(batch[key], whole[key])


CHILD = """
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
tokenizer = AutoTokenizer.from_pretrained(FOLDER, trust_remote_code=True)
model = AutoModelForSequenceClassification.from_pretrained(FOLDER, trust_remote_code=True).eval()
with torch.no_grad():
    logits = model(**tokenizer(TEXTS, padding=True, return_tensors="pt")).logits
classify = pipeline("text-classification", model=FOLDER, trust_remote_code=True, function_to_apply="sigmoid")
print(json.dumps({"tokenizer": type(tokenizer).__name__, "logits": logits.tolist(),
                  "pipeline": [r["score"] for r in classify(TEXTS)]}))
"""


def test_without_the_package_trust_remote_code_gives_the_same_scores(folder):
    code = f"FOLDER = {str(folder)!r}\nTEXTS = {TEXTS!r}\n" + CHILD
    result = json.loads(run_without_rnn_models(code).strip().splitlines()[-1])

    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    expected = logits(model, AutoTokenizer.from_pretrained(folder))
    assert result["tokenizer"] == "RNNTextFeaturesTokenizer"
    torch.testing.assert_close(torch.tensor(result["logits"]), expected)
    assert result["pipeline"] == pytest.approx(torch.sigmoid(expected)[:, 0].tolist(), abs=1e-6)


def saved_before_the_rename(folder, out):
    """A copy of ``folder`` as saved before the weight table was named ``feature_weights`` (``weight``)."""
    shutil.copytree(folder, out)
    weights = load_file(out / "model.safetensors")
    weights["text_features.weight.weight"] = weights.pop("text_features.feature_weights.weight")
    save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
    return out


def test_a_folder_saved_before_the_weight_table_was_renamed_scores_the_same(folder, tmp_path):
    old = saved_before_the_rename(folder, tmp_path / "old")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    expected = logits(AutoModelForSequenceClassification.from_pretrained(folder).eval(), tokenizer)
    model, info = RNNForSequenceClassification.from_pretrained(old, output_loading_info=True)

    assert (list(info["missing_keys"]), list(info["unexpected_keys"])) == ([], [])
    torch.testing.assert_close(logits(model.eval(), tokenizer), expected)
    model.save_pretrained(tmp_path / "again")  # saved with the names it was read with: read the same way
    again = AutoModelForSequenceClassification.from_pretrained(tmp_path / "again").eval()
    torch.testing.assert_close(logits(again, tokenizer), expected)


def test_a_new_folder_names_the_table_feature_weights(folder, tmp_path):
    model = RNNForSequenceClassification.from_pretrained(folder)
    model.save_pretrained(tmp_path / "again")
    for saved in (folder, tmp_path / "again"):
        keys = set(load_file(saved / "model.safetensors"))
        assert "text_features.feature_weights.weight" in keys and "text_features.weight.weight" not in keys


def test_without_the_package_an_old_folder_with_this_code_scores_the_same(folder, tmp_path):
    old = saved_before_the_rename(folder, tmp_path / "old")
    code = f"FOLDER = {str(old)!r}\nTEXTS = {TEXTS!r}\n" + CHILD
    result = json.loads(run_without_rnn_models(code).strip().splitlines()[-1])

    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    torch.testing.assert_close(
        torch.tensor(result["logits"]), logits(model, AutoTokenizer.from_pretrained(folder))
    )


def test_load_state_dict_reads_the_old_name_of_the_table(folder):
    model = RNNForSequenceClassification.from_pretrained(folder)
    state = model.state_dict()
    state["text_features.weight.weight"] = state.pop("text_features.feature_weights.weight")
    fresh = RNNForSequenceClassification(model.config)
    fresh.load_state_dict(state)  # strict: every key found

    assert torch.equal(fresh.text_features.feature_weights.weight, model.text_features.feature_weights.weight)


def test_the_onnx_graph_takes_the_features_and_scores_the_same(folder):
    pytest.importorskip("onnxruntime")
    from rnn_models.serving.inference import load_model, predict_scores
    from rnn_models.serving.onnx_serving import OnnxClassifier

    model, tokenizer = load_model(str(folder), device="cpu")
    expected = predict_scores(model, tokenizer, TEXTS)
    got = OnnxClassifier.from_model(model).predict_scores(tokenizer, TEXTS)
    assert got == pytest.approx(expected, abs=1e-5)
