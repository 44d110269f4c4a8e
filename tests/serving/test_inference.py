"""`predict_scores` (behind `predict` and `evaluate`) shows what `pipeline("text-classification")` shows."""

import pytest
from builders import SCORING_CASES, SCORING_TEXTS, pipeline_scores, scoring_model

from rnn_models.serving.inference import length_sorted_batches, predict_scores


@pytest.mark.parametrize("overrides", [case for case, _ in SCORING_CASES.values()], ids=list(SCORING_CASES))
def test_predict_scores_equal_the_pipeline_scores(overrides):
    model, tokenizer = scoring_model(overrides)
    scores = predict_scores(model, tokenizer, SCORING_TEXTS, batch_size=3)
    expected = pipeline_scores(model, tokenizer, SCORING_TEXTS)
    assert [row.tolist() for row in scores] == [pytest.approx(row, abs=1e-6) for row in expected]


def test_batches_hold_the_shortest_texts_first_and_every_row_once():
    batches = length_sorted_batches([4, 0, 2, 2, 9, 1], batch_size=4)
    assert [rows.tolist() for rows in batches] == [[1, 5, 2, 3], [0, 4]]
