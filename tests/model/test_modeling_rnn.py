import math

import pytest
import torch
from safetensors import safe_open
from torch import nn
from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from conftest import tiny_config
from rnn_models import RNNConfig, RNNForSequenceClassification, RNNModel
from rnn_models.model.problem_type import classification_loss
from rnn_models.model.recurrent_layers import ChannelDropout, KerasGRU, ResetBeforeGRU

TOKENS = [[5, 6, 7, 8], [9, 3], [4], [11, 12, 13, 14, 15, 16]]


def padded(rows: list[list[int]], side: str, length: int = 8) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.zeros(len(rows), length, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):
        span = slice(length - len(row), length) if side == "left" else slice(0, len(row))
        ids[i, span] = torch.tensor(row)
        mask[i, span] = 1
    return ids, mask


ARCHITECTURES = [
    {"cell": "lstm"},
    {"cell": "gru"},
    {"cell": "rnn"},
    {"cell": "lstm", "bidirectional": True},
    {"cell": "gru", "bidirectional": True, "num_layers": 2},
    {"cell": "gru", "bidirectional": True, "gru_reset_after": False},
]
POOLINGS = ["last", "max", "mean", "max_mean"]


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("pooling", POOLINGS)
def test_packed_mode_is_padding_invariant(architecture, pooling):
    model = RNNForSequenceClassification(tiny_config(**architecture, pooling=pooling)).eval()
    left = model(*padded(TOKENS, "left")).logits
    right = model(*padded(TOKENS, "right")).logits
    alone = torch.cat([model(torch.tensor([row])).logits for row in TOKENS])
    torch.testing.assert_close(left, right, atol=1e-6, rtol=0)
    torch.testing.assert_close(left, alone, atol=1e-6, rtol=0)


def test_max_mean_pooling_concatenates_the_max_and_the_mean_of_the_real_steps():
    model = RNNModel(tiny_config("gru", bidirectional=True, pooling="max_mean")).eval()
    ids, mask = padded(TOKENS, "left")
    out = model(ids, attention_mask=mask)
    real = mask.bool().unsqueeze(-1)  # (batch, seq_len, 1)
    steps = out.last_hidden_state
    expected_max = steps.masked_fill(~real, float("-inf")).amax(dim=1)
    expected_mean = steps.sum(dim=1) / mask.sum(dim=1, keepdim=True)  # padding positions hold zeros
    assert out.pooler_output.shape == (len(TOKENS), model.config.pooled_size) == (len(TOKENS), 4 * 5)
    torch.testing.assert_close(out.pooler_output, torch.cat([expected_max, expected_mean], dim=-1))


def test_attention_mask_defaults_to_non_padding_tokens():
    model = RNNForSequenceClassification(tiny_config()).eval()
    ids, mask = padded(TOKENS, "left")
    torch.testing.assert_close(model(ids).logits, model(ids, attention_mask=mask).logits)


def test_last_hidden_state_is_aligned_with_the_input_positions():
    model = RNNModel(tiny_config("bilstm")).eval()
    left_ids, left_mask = padded(TOKENS, "left")
    right_ids, right_mask = padded(TOKENS, "right")
    left = model(left_ids, attention_mask=left_mask).last_hidden_state
    right = model(right_ids, attention_mask=right_mask).last_hidden_state
    assert left.shape == (4, 8, 10)
    torch.testing.assert_close(left[left_mask.bool()], right[right_mask.bool()], atol=1e-6, rtol=0)
    assert torch.all(left[~left_mask.bool()] == 0) and torch.all(right[~right_mask.bool()] == 0)


def test_empty_rows_run_one_padding_step_instead_of_failing():
    model = RNNForSequenceClassification(tiny_config()).eval()
    logits = model(torch.tensor([[0, 0, 0], [0, 4, 5]])).logits
    assert torch.isfinite(logits).all() and logits.shape == (2, 1)


def test_a_batch_of_only_empty_texts_scores_like_an_empty_text_beside_others():
    model = RNNForSequenceClassification(tiny_config()).eval()
    alone = model(
        torch.zeros(2, 0, dtype=torch.long), attention_mask=torch.zeros(2, 0, dtype=torch.long)
    ).logits
    beside = model(torch.tensor([[0, 0, 0], [0, 4, 5]])).logits
    torch.testing.assert_close(alone, beside[:1].expand(2, 1), atol=1e-6, rtol=0)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_keras_compatible_mode_equals_packed_mode_without_padding(architecture):
    packed = RNNForSequenceClassification(tiny_config(**architecture)).eval()
    keras = RNNForSequenceClassification(tiny_config(**architecture, keras_compatible=True)).eval()
    keras.load_state_dict(packed.state_dict())
    ids = torch.tensor([[3, 4, 5, 6], [7, 8, 9, 10]])
    torch.testing.assert_close(keras(ids).logits, packed(ids).logits, atol=1e-6, rtol=0)


def test_keras_compatible_mode_runs_over_the_padding_like_keras():
    packed = RNNForSequenceClassification(tiny_config()).eval()
    with torch.no_grad():  # trained biases move the state even on all-zero padding vectors
        packed.rnn.layers[0].rnn.bias_hh_l0.normal_()
    keras = RNNForSequenceClassification(tiny_config(keras_compatible=True)).eval()
    keras.load_state_dict(packed.state_dict())
    ids, mask = padded(TOKENS, "left")
    expected = []
    for row in ids:  # the whole padded row through the cell, as Keras does without masking
        _, (h_n, _) = packed.rnn.layers[0].rnn(packed.rnn.embeddings(row.unsqueeze(0)))
        expected.append(packed.classifier(h_n[-1]))
    torch.testing.assert_close(keras(ids, attention_mask=mask).logits, torch.cat(expected), atol=1e-6, rtol=0)
    assert not torch.allclose(keras(ids).logits, packed(ids).logits, atol=1e-4)


def test_reset_before_gru_step_matches_the_keras_formula():
    gru = ResetBeforeGRU(3, 2, batch_first=True)
    x = torch.randn(1, 1, 3)
    out, final = gru(x)
    w_ir, w_iz, w_in = gru.weight_ih_l0.chunk(3)
    b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
    b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
    x0, h0 = x[0, 0], torch.zeros(2)
    r = torch.sigmoid(w_ir @ x0 + b_ir + b_hr)
    z = torch.sigmoid(w_iz @ x0 + b_iz + b_hz)
    n = torch.tanh(w_in @ x0 + b_in + gru.weight_hh_l0[4:] @ (r * h0) + b_hn)
    torch.testing.assert_close(final[0], (1 - z) * n + z * h0)
    torch.testing.assert_close(out[0, 0], final[0])


@pytest.mark.parametrize("preset", ["lstm", "gru", "bilstm"])
def test_save_load_round_trip_gives_identical_logits(preset, tmp_path):
    model = RNNForSequenceClassification(tiny_config(preset, id2label={0: "toxic"})).eval()
    model.load_embedding_matrix(torch.randn(30, 6))
    ids, mask = padded(TOKENS, "left")
    model.save_pretrained(tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert type(loaded) is RNNForSequenceClassification
    assert loaded.config.id2label == {0: "toxic"}
    torch.testing.assert_close(
        loaded(ids, attention_mask=mask).logits, model(ids, attention_mask=mask).logits
    )
    base = AutoModel.from_pretrained(tmp_path).eval()
    assert type(base) is RNNModel
    torch.testing.assert_close(
        base(ids, attention_mask=mask).pooler_output, model.rnn(ids, mask).pooler_output
    )


def test_saved_folder_carries_code_and_auto_map_for_all_auto_classes(tmp_path):
    RNNForSequenceClassification(tiny_config()).save_pretrained(tmp_path)
    assert {"configuration_rnn.py", "modeling_rnn.py", "recurrent_layers.py", "model.safetensors"} <= {
        p.name for p in tmp_path.iterdir()
    }
    assert AutoConfig.from_pretrained(tmp_path).auto_map == {
        "AutoConfig": "configuration_rnn.RNNConfig",
        "AutoModel": "modeling_rnn.RNNModel",
        "AutoModelForSequenceClassification": "modeling_rnn.RNNForSequenceClassification",
    }


def test_frozen_embeddings_survive_an_optimizer_step_and_reloading(tmp_path):
    model = RNNForSequenceClassification(tiny_config())
    vectors = torch.randn(30, 6)
    vectors[0] = 0
    model.load_embedding_matrix(vectors)
    table = model.get_input_embeddings().weight
    assert not table.requires_grad
    before_head = model.classifier.weight.detach().clone()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.tensor([[3, 4, 5]]), labels=torch.tensor([1.0])).loss.backward()
    optimizer.step()
    torch.testing.assert_close(table, vectors, rtol=0, atol=0)
    assert not torch.equal(model.classifier.weight, before_head)

    model.save_pretrained(tmp_path)
    loaded = RNNForSequenceClassification.from_pretrained(tmp_path)
    assert not loaded.get_input_embeddings().weight.requires_grad
    torch.testing.assert_close(loaded.get_input_embeddings().weight, vectors, rtol=0, atol=0)


def test_float16_storage_halves_the_table_on_disk_and_loads_as_float32(tmp_path):
    vectors = torch.randn(30, 6)
    vectors[0] = 0
    for storage in ("float32", "float16"):
        model = RNNForSequenceClassification(tiny_config(embedding_storage_dtype=storage))
        model.load_embedding_matrix(vectors)
        model.save_pretrained(tmp_path / storage)
    with safe_open(tmp_path / "float16" / "model.safetensors", "pt") as saved:
        dtypes = {name: saved.get_slice(name).get_dtype() for name in saved.keys()}  # noqa: SIM118 (not a dict)
    assert dtypes.pop("rnn.embeddings.weight") == "F16" and set(dtypes.values()) == {"F32"}
    sizes = {s: (tmp_path / s / "model.safetensors").stat().st_size for s in ("float32", "float16")}
    assert sizes["float32"] - sizes["float16"] == vectors.numel() * 2
    for loaded in (
        RNNForSequenceClassification.from_pretrained(tmp_path / "float16"),
        AutoModelForSequenceClassification.from_pretrained(tmp_path / "float16", trust_remote_code=True),
    ):
        assert {p.dtype for p in loaded.parameters()} == {torch.float32}  # the whole model stays float32
        table = loaded.get_input_embeddings().weight
        torch.testing.assert_close(table, vectors.half().float(), rtol=0, atol=0)
    assert (
        model.state_dict()["rnn.embeddings.weight"].dtype == torch.float32
    )  # only the saved copy is rounded


def test_unfrozen_embeddings_are_trained():
    model = RNNForSequenceClassification(tiny_config(freeze_embeddings=False))
    model.load_embedding_matrix(torch.randn(30, 6))
    before = model.get_input_embeddings().weight.detach().clone()
    torch.optim.SGD(model.parameters(), lr=1.0).zero_grad()
    model(torch.tensor([[3, 4, 5]]), labels=torch.tensor([1.0])).loss.backward()
    torch.optim.SGD(model.parameters(), lr=1.0).step()
    assert not torch.equal(model.get_input_embeddings().weight[3], before[3])
    torch.testing.assert_close(
        model.get_input_embeddings().weight[0], before[0]
    )  # padding row has no gradient


def test_embedding_matrix_of_the_wrong_shape_is_refused():
    model = RNNForSequenceClassification(tiny_config())
    with pytest.raises(ValueError, match=r"Embedding matrix has shape \(30, 50\), expected \(30, 6\)"):
        model.load_embedding_matrix(torch.zeros(30, 50))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_init_weights_covers_every_cell_like_keras(cell):
    model = RNNModel(tiny_config(cell=cell, hidden_size=4))
    rnn = model.layers[0].rnn
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[cell]
    hh = rnn.weight_hh_l0  # (gates * hidden, hidden): orthogonal columns, as Keras' recurrent kernel
    torch.testing.assert_close(hh.T @ hh, torch.eye(4), atol=1e-5, rtol=0)
    expected_bias = torch.zeros(gates * 4)
    if cell == "lstm":
        expected_bias[4:8] = 1.0  # unit_forget_bias
    torch.testing.assert_close(rnn.bias_ih_l0, expected_bias)
    torch.testing.assert_close(rnn.bias_hh_l0, torch.zeros(gates * 4))
    assert torch.all(model.embeddings.weight[0] == 0)


def test_recurrent_dropout_is_dropconnect_on_recurrent_weights_only_in_training():
    model = RNNForSequenceClassification(tiny_config(recurrent_dropout=0.5, dropout=0.0))
    ids = torch.tensor([[3, 4, 5, 6, 7]])
    model.train()
    assert not torch.allclose(model(ids).logits, model(ids).logits)
    model(ids, labels=torch.tensor([1.0])).loss.backward()
    assert model.rnn.layers[0].rnn.weight_hh_l0.grad.abs().sum() > 0
    model.eval()
    torch.testing.assert_close(model(ids).logits, model(ids).logits, rtol=0, atol=0)


def test_channel_dropout_drops_whole_channels_for_all_steps():
    dropout = ChannelDropout(0.5).train()
    out = dropout(torch.ones(8, 20, 16))  # (batch, steps, channels)
    kept = out[:, 0, :] != 0  # (batch, channels)
    assert torch.equal(out != 0, kept.unsqueeze(1).expand_as(out))
    assert set(out.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(dropout.eval()(torch.ones(2, 3, 4)), torch.ones(2, 3, 4))


LOGITS = torch.tensor([[0.5], [-1.0]])


def _bce(logit: float, label: float) -> float:
    p = 1 / (1 + math.exp(-logit))
    return -(label * math.log(p) + (1 - label) * math.log(1 - p))


def test_binary_loss_is_binary_cross_entropy_by_hand():
    loss = classification_loss(LOGITS, torch.tensor([1, 0]), RNNConfig())
    assert loss.item() == pytest.approx((_bce(0.5, 1) + _bce(-1.0, 0)) / 2, abs=1e-6)


def test_multi_label_loss_is_mean_binary_cross_entropy_by_hand():
    config = RNNConfig(num_labels=2, problem_type="multi_label_classification")
    loss = classification_loss(torch.tensor([[2.0, -0.5]]), torch.tensor([[1, 1]]), config)
    assert loss.item() == pytest.approx((_bce(2.0, 1) + _bce(-0.5, 1)) / 2, abs=1e-6)


def test_multi_class_loss_is_cross_entropy_by_hand():
    logits = torch.tensor([[1.0, 2.0, 0.0]])
    loss = classification_loss(logits, torch.tensor([1]), RNNConfig(num_labels=3))
    expected = -(2.0 - math.log(math.exp(1.0) + math.exp(2.0) + math.exp(0.0)))
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_regression_loss_is_squared_error():
    loss = classification_loss(LOGITS, torch.tensor([1.5, -1.0]), RNNConfig(problem_type="regression"))
    assert loss.item() == pytest.approx((1.0**2 + 0.0) / 2)


def test_loss_only_with_labels():
    model = RNNForSequenceClassification(tiny_config())
    assert model(torch.tensor([[3, 4]])).loss is None
    assert model(torch.tensor([[3, 4]]), labels=torch.tensor([0.0])).loss is not None


def test_a_few_steps_fit_a_toy_task():
    model = RNNForSequenceClassification(
        tiny_config(dropout=0.0, recurrent_dropout=0.0, freeze_embeddings=False)
    )
    ids = torch.tensor([[3, 4, 5], [6, 7, 8], [3, 5, 4], [8, 7, 6]])
    labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = model(ids, labels=labels).loss
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def test_module_types_are_the_cells_the_config_asks_for():
    assert isinstance(RNNModel(tiny_config(cell="gru")).layers[0].rnn, nn.GRU)
    gru = RNNModel(tiny_config(cell="gru", gru_reset_after=False)).layers[0].rnn
    assert isinstance(gru, KerasGRU) and not gru.reset_after
    assert isinstance(RNNModel(tiny_config(cell="rnn")).layers[0].rnn, nn.RNN)
