"""Folders saved by rnn-models 0.1.0 (notebook preset, default preset, converted Keras model with a head) keep
loading and scoring as recorded: with this package's classes, and with their own saved code where the package
is not installed (``trust_remote_code``). ``scripts/make_release_fixtures.py`` says how they were made."""

import json
from pathlib import Path

import pytest
import torch
from helpers import run_without_rnn_models
from transformers import AutoModelForSequenceClassification, AutoTokenizer

import rnn_models

RELEASE = Path(__file__).parents[1] / "data" / "release_0_1_0"
RECORDED = json.loads((RELEASE / "scores.json").read_text(encoding="utf-8"))
FAMILIES = sorted(RECORDED["scores"])

SCORE_WITH_AUTO_CLASSES = """
import json, sys, torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer
folder, texts = sys.argv[1], json.loads(sys.argv[2])
tokenizer = AutoTokenizer.from_pretrained(folder, trust_remote_code=True)
model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
with torch.no_grad():
    rows = [torch.sigmoid(model(**tokenizer([text], return_tensors="pt")).logits)[0].tolist() for text in texts]
print(json.dumps({"module": type(model).__module__, "scores": rows}))
"""


def scores(folder: Path, texts: list[str], **kwargs) -> list[list[float]]:
    tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    model = AutoModelForSequenceClassification.from_pretrained(folder, **kwargs).eval()
    with torch.no_grad():
        return [torch.sigmoid(model(**tokenizer([t], return_tensors="pt")).logits)[0].tolist() for t in texts]


def test_the_fixtures_cover_each_family():
    assert FAMILIES == ["converted_keras_head", "default_bilstm_ngrams", "notebook_lstm"]


@pytest.mark.parametrize("family", FAMILIES)
def test_a_release_folder_scores_as_recorded_with_this_package(family):
    model = AutoModelForSequenceClassification.from_pretrained(RELEASE / family)

    assert type(model) is rnn_models.RNNForSequenceClassification
    got = scores(RELEASE / family, RECORDED["texts"])
    torch.testing.assert_close(torch.tensor(got), torch.tensor(RECORDED["scores"][family]), rtol=0, atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_a_release_folder_scores_as_recorded_with_its_own_code_without_the_package(family):
    code = SCORE_WITH_AUTO_CLASSES.replace("sys.argv[1]", repr(str(RELEASE / family)))
    code = code.replace("json.loads(sys.argv[2])", repr(RECORDED["texts"]))
    result = json.loads(run_without_rnn_models(code).strip().splitlines()[-1])

    assert result["module"].startswith("transformers_modules.")
    expected = torch.tensor(RECORDED["scores"][family])
    torch.testing.assert_close(torch.tensor(result["scores"]), expected, rtol=0, atol=1e-6)
