"""The scores shown for the logits follow `pipeline("text-classification")`, which is the reference here."""

import math

import pytest
import torch
from builders import SCORING_CASES, SCORING_TEXTS, pipeline_scores, scoring_model

from rnn_models import RNNConfig
from rnn_models.model.problem_type import score_function, scores_from_logits

THREE = {0: "toxic", 1: "insult", 2: "threat"}


@pytest.mark.parametrize(("overrides", "function"), list(SCORING_CASES.values()), ids=list(SCORING_CASES))
def test_scores_from_logits_equal_the_pipeline_scores(overrides, function):
    model, tokenizer = scoring_model(overrides)
    expected = pipeline_scores(model, tokenizer, SCORING_TEXTS)
    with torch.no_grad():
        for text, row in zip(SCORING_TEXTS, expected, strict=True):
            logits = model(**tokenizer([text], return_tensors="pt")).logits
            assert scores_from_logits(logits, model.config)[0].tolist() == pytest.approx(row, abs=1e-6)
    assert score_function(model.config) == function


def test_a_one_output_regression_model_shows_its_logit_as_it_is():
    assert scores_from_logits(torch.tensor([[2.5]]), RNNConfig(problem_type="regression")).item() == 2.5
    sigmoid = 1 / (1 + math.exp(-2.5))  # 0.924: what one label without problem_type shows
    assert scores_from_logits(torch.tensor([[2.5]]), RNNConfig()).item() == pytest.approx(sigmoid)


def test_softmax_and_sigmoid_by_hand():
    logits = torch.tensor([[1.0, 2.0, 0.0]])
    total = math.exp(1.0) + math.exp(2.0) + math.exp(0.0)
    softmax = scores_from_logits(logits, RNNConfig(id2label=THREE))
    assert softmax[0].tolist() == pytest.approx([math.exp(v) / total for v in (1.0, 2.0, 0.0)])
    multi = RNNConfig(id2label=THREE, problem_type="multi_label_classification")
    sigmoids = [1 / (1 + math.exp(-v)) for v in (1.0, 2.0, 0.0)]
    assert scores_from_logits(logits, multi)[0].tolist() == pytest.approx(sigmoids)
