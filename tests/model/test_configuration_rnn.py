import pytest

from rnn_models import PRESETS, RNNConfig


@pytest.mark.parametrize(
    ("preset", "cell", "hidden", "bidirectional", "dropout", "recurrent_dropout", "embedding_dropout"),
    [
        ("lstm", "lstm", 100, False, 0.3, 0.3, 0.0),
        ("gru", "gru", 300, False, 0.0, 0.0, 0.3),
        ("bilstm", "lstm", 300, True, 0.3, 0.3, 0.0),
    ],
)
def test_presets_are_the_keras_notebook_models(
    preset, cell, hidden, bidirectional, dropout, recurrent_dropout, embedding_dropout
):
    config = RNNConfig.from_preset(preset)
    assert (config.cell, config.hidden_size, config.bidirectional) == (cell, hidden, bidirectional)
    assert (config.dropout, config.recurrent_dropout, config.embedding_dropout) == (
        dropout,
        recurrent_dropout,
        embedding_dropout,
    )
    assert (config.num_labels, config.pooling, config.max_length) == (1, "last", 1500)
    assert config.freeze_embeddings and not config.keras_compatible


def test_preset_overrides_win():
    config = RNNConfig.from_preset(
        "gru", hidden_size=7, num_labels=6, problem_type="multi_label_classification"
    )
    assert (config.hidden_size, config.num_labels, config.cell) == (7, 6, "gru")


def test_unknown_preset_lists_the_presets():
    with pytest.raises(
        ValueError,
        match="Unknown preset 'transformer'; expected one of bigru_ngrams, bilstm_ngrams, lstm, gru, bilstm",
    ):
        RNNConfig.from_preset("transformer")
    assert set(PRESETS) == {"bigru_ngrams", "bilstm_ngrams", "lstm", "gru", "bilstm"}


def test_the_default_preset_is_the_pooled_bilstm_with_fine_tuned_vectors_and_a_bag_of_ngrams():
    config = RNNConfig.from_preset(vocab_size=100, embedding_dim=50)
    expected = ("lstm", 64, True, "max_mean")
    assert (config.cell, config.hidden_size, config.bidirectional, config.pooling) == expected
    assert (config.embedding_dropout, config.freeze_embeddings, config.ngram_buckets) == (0.2, False, 2**18)
    assert config.pooled_size == 256
    for name in ("lstm", "gru", "bilstm"):  # the notebook's models stay exactly theirs
        notebook = RNNConfig.from_preset(name)
        assert (notebook.pooling, notebook.freeze_embeddings, notebook.ngram_buckets) == ("last", True, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "cell",
            "transformer",
            r"RNNConfig.cell='transformer' is not supported; expected one of lstm, gru, rnn",
        ),
        ("pooling", "first", r"RNNConfig.pooling='first' is not supported; expected one of last, max, mean"),
        ("hidden_size", 0, r"RNNConfig.hidden_size=0 is invalid; expected an integer >= 1"),
        ("num_layers", 1.5, r"RNNConfig.num_layers=1.5 is invalid; expected an integer >= 1"),
        ("vocab_size", True, r"RNNConfig.vocab_size=True is invalid"),
        ("max_length", -3, r"RNNConfig.max_length=-3 is invalid"),
        ("dropout", 1.0, r"RNNConfig.dropout=1.0 is invalid; expected a number in \[0, 1\)"),
        ("recurrent_dropout", -0.1, r"RNNConfig.recurrent_dropout=-0.1 is invalid"),
        ("embedding_dropout", "0.3", r"RNNConfig.embedding_dropout='0.3' is invalid"),
        ("classifier_dropout", 2, r"RNNConfig.classifier_dropout=2 is invalid"),
        (
            "embedding_storage_dtype",
            "bfloat16",
            r"RNNConfig.embedding_storage_dtype='bfloat16' is not supported; expected one of float32, float16",
        ),
        (
            "pad_token_id",
            50,
            r"RNNConfig.pad_token_id=50 is outside the vocabulary; expected None or an integer",
        ),
        (
            "keras_padding",
            "left",
            r"RNNConfig.keras_padding='left' is not supported; expected one of None, pre, post",
        ),
        (
            "recurrent_layers",
            [],
            r"RNNConfig.recurrent_layers=\[\] is invalid; expected None or a non-empty list",
        ),
        (
            "recurrent_layers",
            [{"units": 3}],
            r"recurrent_layers\[0\] has unknown keys \['units'\]; expected keys",
        ),
        ("recurrent_layers", [{}, {"cell": "lstmm"}], r"RNNConfig.recurrent_layers\[1\].cell='lstmm' is not"),
        ("recurrent_layers", [{"bidirectional": 1}], r"recurrent_layers\[0\].bidirectional=1 is invalid"),
        (
            "head_layers",
            [{"type": "conv"}],
            r"head_layers\[0\]=\{'type': 'conv'\} is invalid; expected a dict",
        ),
        ("head_layers", [{"type": "dense"}], r"RNNConfig.head_layers\[0\].units=None is invalid"),
        (
            "head_layers",
            [{"type": "dense", "units": 3, "activation": "hard_sigmoid"}],
            r"RNNConfig.head_layers\[0\].activation='hard_sigmoid' is not supported; expected one of linear, relu",
        ),
        ("head_layers", [{"type": "dropout", "rate": 1}], r"head_layers\[0\].rate=1 is invalid"),
        (
            "recurrent_logit_scale",
            -0.5,
            r"RNNConfig.recurrent_logit_scale=-0.5 is invalid; expected a number >= 0",
        ),
        (
            "recurrent_logit_scale",
            [0.2, 0.7],
            r"recurrent_logit_scale=\[0.2, 0.7\] is invalid; .* num_labels=1 numbers",
        ),
        ("recurrent_logit_scale", [float("nan")], r"RNNConfig.recurrent_logit_scale=\[nan\] is invalid"),
        (
            "head_layers",
            [{"type": "batch_norm", "eps": 1}],
            r"head_layers\[0\] \(batch_norm\) has unknown keys",
        ),
    ],
)
def test_invalid_values_name_field_value_and_what_is_accepted(field, value, message):
    with pytest.raises(ValueError, match=message):
        RNNConfig(vocab_size=20, **{field: value}) if field != "vocab_size" else RNNConfig(vocab_size=value)


def test_recurrent_logit_scale_may_be_one_number_per_label(tmp_path):
    config = RNNConfig(vocab_size=20, num_labels=2, recurrent_logit_scale=[0.2, 0.7])
    config.save_pretrained(tmp_path)
    assert RNNConfig.from_pretrained(tmp_path).recurrent_logit_scale == [0.2, 0.7]


def test_float16_storage_is_for_frozen_vectors_only():
    with pytest.raises(ValueError, match=r"embedding_storage_dtype='float16' rounds the table on every save"):
        RNNConfig(vocab_size=20, embedding_storage_dtype="float16", freeze_embeddings=False)


def test_single_label_problem_type_needs_two_labels():
    with pytest.raises(ValueError, match="num_labels"):
        RNNConfig(num_labels=1, problem_type="single_label_classification")


def test_dict_round_trip_keeps_every_field(tmp_path):
    config = RNNConfig.from_preset(
        "bilstm", vocab_size=77, embedding_dim=50, pooling="max", keras_compatible=True, id2label={0: "toxic"}
    )
    config.save_pretrained(tmp_path)
    loaded = RNNConfig.from_pretrained(tmp_path)
    assert loaded.to_dict() == config.to_dict()
    assert loaded.id2label == {0: "toxic"} and loaded.model_type == "rnn_classifier"


def test_encoder_output_size_counts_directions():
    assert RNNConfig(hidden_size=8, bidirectional=True).encoder_output_size == 16
    assert RNNConfig(hidden_size=8).encoder_output_size == 8


def test_recurrent_layers_fill_in_from_the_fields_and_set_the_depth():
    config = RNNConfig(
        hidden_size=8,
        dropout=0.2,
        recurrent_layers=[{"bidirectional": True}, {"cell": "gru", "hidden_size": 3}],
    )
    assert config.num_layers == 2 and config.encoder_output_size == 3
    assert config.layer_specs()[0] == {
        "cell": "lstm", "hidden_size": 8, "bidirectional": True, "gru_reset_after": True,
        "recurrent_activation": "sigmoid", "dropout": 0.2, "recurrent_dropout": 0.0,
    }  # fmt: skip
    assert RNNConfig(hidden_size=8, num_layers=3).layer_specs()[2]["hidden_size"] == 8


def test_head_layers_set_the_width_the_output_layer_reads():
    config = RNNConfig(
        hidden_size=4,
        pooling="max_mean",
        head_layers=[{"type": "dense", "units": 6}, {"type": "dropout", "rate": 0.1}],
    )
    assert (config.pooled_size, config.classifier_input_size) == (8, 6)
    assert RNNConfig(hidden_size=4, head_layers=[{"type": "batch_norm"}]).classifier_input_size == 4


def test_two_generic_labels_survive_a_save(tmp_path):
    # transformers leaves two generic labels out of config.json (its own default); ours is one label.
    RNNConfig(num_labels=2).save_pretrained(tmp_path)
    assert RNNConfig.from_pretrained(tmp_path).num_labels == 2
