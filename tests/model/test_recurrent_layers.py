"""The masked unpacked path gives the packed-sequence path's logits and gradients, at linear cost."""

import pytest
import torch
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNModel
from rnn_models.model import modeling_rnn
from rnn_models.model.recurrent_layers import (
    RecurrentLayer,
    concat_final_states,
    last_real_step,
    length_chunks,
    reverse_padded,
)


def run_packed(
    layer: RecurrentLayer, x: torch.Tensor, lengths: torch.Tensor, weights: dict[str, torch.Tensor]
):
    """The reference: torch's packed sequences (exact, but a superlinear backward), called and returning as
    ``RecurrentLayer._run_masked`` does."""
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    outputs, state = functional_call(layer.rnn, weights, (packed,))
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
    return outputs, concat_final_states(state)


ROWS = [[5, 6, 7, 8, 9, 10, 11], [9, 3], [4], [], [11, 12, 13, 14, 15, 16]]  # [] is an empty text


def batch(side: str, width: int = 9) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.zeros(len(ROWS), width, dtype=torch.long)
    for i, row in enumerate(ROWS):
        if row:
            span = slice(width - len(row), width) if side == "left" else slice(0, len(row))
            ids[i, span] = torch.tensor(row)
    return ids, (ids != 0).long()


def logits_and_grads(model, ids, mask):
    model.zero_grad(set_to_none=True)
    torch.manual_seed(1)  # the same dropout masks in both runs
    logits = model(ids, attention_mask=mask).logits
    (logits * torch.linspace(-1, 1, logits.numel()).view_as(logits)).sum().backward()
    grads = {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}
    return logits.detach(), grads


ARCHITECTURES = [
    {"preset": "lstm"},
    {"preset": "gru"},
    {"preset": "bilstm"},
    {"preset": "lstm", "cell": "rnn"},
    {"preset": "gru", "bidirectional": True, "num_layers": 2},
    {"preset": "bilstm", "num_layers": 3},
]


@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=lambda a: "-".join(map(str, a.values())))
@pytest.mark.parametrize("pooling", ["last", "max", "mean", "max_mean"])
@pytest.mark.parametrize("side", ["left", "right", "none"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_logits_and_gradients_equal_the_packed_path(architecture, pooling, side, mode, monkeypatch):
    config = tiny_config(**architecture, pooling=pooling)
    model = RNNForSequenceClassification(config).train(mode == "train")
    ids, mask = (
        batch(side) if side != "none" else (torch.randint(1, 30, (4, 6)), torch.ones(4, 6, dtype=torch.long))
    )
    masked = logits_and_grads(model, ids, mask)
    monkeypatch.setattr(RecurrentLayer, "_run_masked", run_packed)
    packed = logits_and_grads(model, ids, mask)

    torch.testing.assert_close(masked[0], packed[0], atol=1e-5, rtol=0)
    assert masked[1].keys() == packed[1].keys() and len(masked[1]) > 2
    for name, grad in masked[1].items():
        torch.testing.assert_close(grad, packed[1][name], atol=1e-5, rtol=1e-5, msg=name)


def test_sequence_outputs_equal_the_packed_path_and_are_zero_on_padding():
    layer = RecurrentLayer(tiny_config("bilstm"), input_size=6).eval()
    x, lengths = torch.randn(3, 7, 6), torch.tensor([7, 3, 1])
    weights = dict(layer.rnn.named_parameters())
    outputs, final = layer(x, lengths)
    expected_outputs, expected_final = run_packed(layer, x, lengths, weights)
    torch.testing.assert_close(outputs, expected_outputs, atol=1e-6, rtol=0)
    torch.testing.assert_close(final, expected_final, atol=1e-6, rtol=0)
    assert torch.all(outputs[1, 3:] == 0) and torch.all(outputs[2, 1:] == 0)


def test_padding_values_cannot_leak_into_real_steps():
    layer = RecurrentLayer(tiny_config("bilstm"), input_size=6).eval()
    x, lengths = torch.randn(2, 5, 6), torch.tensor([5, 2])
    noisy = x.clone()
    noisy[1, 2:] = 1e3  # garbage after the second row's end
    torch.testing.assert_close(layer(noisy, lengths), layer(x, lengths), atol=0, rtol=0)


def test_reverse_padded_and_last_real_step_follow_each_rows_length():
    x = torch.arange(1.0, 9.0).view(2, 4, 1)  # rows [1, 2, 3, 4] and [5, 6, 7, 8]
    lengths = torch.tensor([4, 2])
    assert reverse_padded(x, lengths)[..., 0].tolist() == [[4, 3, 2, 1], [6, 5, 7, 8]]
    assert last_real_step(x, lengths)[:, 0].tolist() == [4.0, 6.0]


@pytest.mark.parametrize(
    ("lengths", "overhead", "expected"),
    [
        ([5, 5, 5, 5], 1, [[0, 1, 2, 3]]),  # equal lengths: one group
        ([3, 900, 5, 4], 1, [[1], [2, 3, 0]]),  # a long row runs alone
        ([3, 900, 5, 4], 10**6, [[1, 2, 3, 0]]),  # a costly step: never split
        ([100, 90, 2, 1], 0, [[0], [1], [2], [3]]),  # free steps: every row alone
    ],
)
def test_length_chunks_cut_where_padding_costs_more_than_a_step(lengths, overhead, expected):
    groups = length_chunks(torch.tensor(lengths), overhead, granularity=1)
    assert [rows.tolist() for rows in groups] == expected


def test_length_chunks_cut_at_multiples_of_the_granularity():
    lengths = torch.tensor([1000] + [3] * 20)
    groups = length_chunks(lengths, step_overhead_rows=1, granularity=8)
    assert [len(rows) for rows in groups] == [8, 13]
    assert sorted(torch.cat(groups).tolist()) == list(range(21))


@pytest.mark.parametrize("preset", ["lstm", "gru", "bilstm"])
@pytest.mark.parametrize("pooling", ["last", "max", "mean", "max_mean"])
def test_grouped_rows_give_the_single_group_logits_gradients_and_states(preset, pooling, monkeypatch):
    config = tiny_config(preset, pooling=pooling, dropout=0.0, recurrent_dropout=0.0, embedding_dropout=0.0)
    model = RNNModel(config).train()
    ids, mask = (part.repeat(4, 1) for part in batch("left", width=40))  # 20 rows
    ids[0, :], mask[0, :] = torch.arange(1, 41) % 29 + 1, 1  # one long row: the batch splits
    weights = torch.randn(ids.shape[0], config.pooled_size)

    def run():
        model.zero_grad(set_to_none=True)
        out = model(ids, attention_mask=mask)
        (out.pooler_output * weights).sum().backward()
        return out, {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}

    monkeypatch.setattr(modeling_rnn, "STEP_OVERHEAD_ROWS", {"cpu": 0, "cuda": 0})
    assert len(length_chunks(mask.sum(1).clamp(min=1), 0)) > 1
    grouped, grouped_grads = run()
    monkeypatch.setattr(modeling_rnn, "STEP_OVERHEAD_ROWS", {"cpu": 10**9, "cuda": 10**9})
    single, single_grads = run()

    torch.testing.assert_close(grouped.pooler_output, single.pooler_output, atol=1e-6, rtol=0)
    torch.testing.assert_close(grouped.last_hidden_state, single.last_hidden_state, atol=1e-6, rtol=0)
    for name, grad in grouped_grads.items():
        torch.testing.assert_close(grad, single_grads[name], atol=1e-5, rtol=1e-5, msg=name)


def test_step_loop_cells_with_the_sigmoid_equal_the_fused_kernels():
    from rnn_models.model.recurrent_layers import KerasGRU, KerasLSTM

    torch.manual_seed(0)
    x, lengths = torch.randn(3, 5, 4), torch.tensor([5, 2, 3])
    for fused, loop in ((torch.nn.LSTM, KerasLSTM), (torch.nn.GRU, KerasGRU)):
        reference = fused(4, 3, batch_first=True, bidirectional=True)
        stepped = loop(4, 3, batch_first=True, bidirectional=True)
        stepped.load_state_dict(reference.state_dict())
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, state = reference(packed)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
        final = torch.cat(list(state[0] if isinstance(state, tuple) else state), dim=-1)
        got_out, got_final = stepped(x, lengths)
        torch.testing.assert_close(got_out, out)
        torch.testing.assert_close(got_final, final)


def test_keras_hard_sigmoids():
    from rnn_models.model.recurrent_layers import keras2_hard_sigmoid, keras3_hard_sigmoid

    x = torch.tensor([-4.0, -1.0, 0.0, 1.0, 4.0])
    assert keras2_hard_sigmoid(x).tolist() == pytest.approx([0.0, 0.3, 0.5, 0.7, 1.0])
    assert keras3_hard_sigmoid(x).tolist() == pytest.approx([0.0, 2 / 6, 0.5, 4 / 6, 1.0])
