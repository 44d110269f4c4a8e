import pytest

from rnn_models import RNNConfig, RNNForSequenceClassification, RNNModel, summary
from rnn_models.training.summary import keras_recurrent_params


@pytest.mark.parametrize(
    ("preset", "keras_count", "ours"),
    [("lstm", "160,400", "160,800"), ("gru", "541,800", "541,800"), ("bilstm", "1,442,400", "1,444,800")],
)
def test_presets_at_300d_show_keras_counts_beside_ours(preset, keras_count, ours):
    model = RNNForSequenceClassification(RNNConfig.from_preset(preset, vocab_size=1000))
    lines = summary(model, print_fn=None).splitlines()
    row = next(line for line in lines if line.startswith("rnn.layers.0"))
    assert row.split()[-2:] == [ours, keras_count]
    assert "Non-trainable params: 300,000" in lines
    assert any("two (bias_ih and bias_hh)" in line for line in lines)


def test_reset_before_gru_has_the_tf1_keras_count():
    assert keras_recurrent_params(RNNConfig.from_preset("gru", gru_reset_after=False), 300) == 540_900


def test_table_totals_and_shapes():
    config = RNNConfig(
        vocab_size=10, embedding_dim=4, hidden_size=3, num_layers=2, pooling="max", num_labels=6
    )
    model = RNNForSequenceClassification(config)
    printed = []
    text = summary(model, print_fn=printed.append)
    assert printed == [text]
    total = sum(p.numel() for p in model.parameters())
    assert f"Total params: {total:,}" in text
    assert f"Trainable params: {total - 40:,}" in text
    rows = {
        line.split(" (")[0]: line.split()[2:] for line in text.splitlines() if line.startswith("rnn.layers")
    }
    assert rows == {
        "rnn.layers.0": ["(None,", "1500,", "3)", "108", "96"],
        "rnn.layers.1": ["(None,", "1500,", "3)", "96", "84"],
    }
    assert "pooling (GlobalMaxPooling1D)" in text and "classifier (Dense)" in text
    assert "(None, 6)" in text


def test_base_model_has_no_head_row():
    assert "classifier" not in summary(RNNModel(RNNConfig(vocab_size=10)), print_fn=None)
