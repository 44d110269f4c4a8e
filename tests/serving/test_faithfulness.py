"""The deletion test: on a small trained model, deleting the 3 words the explanations rank first lowers the
toxic score far more than deleting 3 random words, for a notebook preset and the default preset."""

import pandas as pd
import pytest
from builders import arguments

from rnn_models.serving.faithfulness import delete_spans, deletion_test
from rnn_models.training.job import train


@pytest.mark.parametrize(("preset", "learning_rate"), [("gru", "0.01"), ("bilstm_ngrams", "0.003")])
def test_deleting_the_top_words_lowers_the_score_far_more_than_random_words(preset, learning_rate, tmp_path):
    model_args, data_args, args = arguments(
        tmp_path, "--preset", preset, "--learning_rate", learning_rate, "--num_train_epochs", "6"
    )
    run = train(model_args, data_args, args)
    model, tokenizer = run.trainer.model.eval(), run.tokenizer
    table = pd.read_csv(tmp_path / "train.csv")
    toxic = list(table.loc[table["toxic"] == 1, "comment_text"])  # each holds one insult among 6 other words
    result = deletion_test(model, tokenizer, toxic, k=3, seed=0)
    assert result.texts == len(toxic) == 60
    # One word in seven decides: 3 random words hit it 3 times in 7, so the ratio cannot pass 7 / 3 here.
    assert result.top_drop > 1.5 * result.random_drop > 0


def test_deleted_spans_leave_the_rest_of_the_text_as_it_was():
    assert delete_spans("You, IDIOT!! go", [(5, 12)]) == "You,  go"
    assert delete_spans("a b c", []) == "a b c"
    assert delete_spans("a b c", [(4, 5), (0, 1)]) == " b "
