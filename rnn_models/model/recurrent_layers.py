"""Recurrent layers whose cost is linear in the number of real tokens, for every cell and direction.

Shipped next to the weights by ``save_pretrained`` (``modeling_rnn.py`` imports it): imports only the
standard library, torch and the configuration.

Why not packed sequences: PyTorch's LSTM / GRU backward on a ``PackedSequence`` grows much faster than
linearly with the longest sequence (pytorch/pytorch#149194; measured here, one lstm batch of 64 x 1,054
real comment tokens: 0.5 s forward, 85 s forward + backward). Instead each direction runs the fused
unpacked kernel (oneDNN / cuDNN) over right-padded, length-bucketed batches trimmed to their longest
row, and the padding is masked exactly: steps after a row's end cannot change its earlier steps, their
outputs are zeroed (which also stops their gradient), the final state is read at the row's last real
step, and the reverse direction runs over each row reversed within its own length.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .configuration_rnn import RNNConfig

__all__ = [
    "RECURRENT_ACTIVATIONS",
    "ChannelDropout",
    "KerasGRU",
    "KerasLSTM",
    "RecurrentLayer",
    "ResetBeforeGRU",
    "concat_final_states",
    "last_real_step",
    "length_chunks",
    "reverse_padded",
]

RNN_CLASSES = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}
DIRECTION_SUFFIXES = ("", "_reverse")
WEIGHT_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


class ChannelDropout(nn.Module):
    """Drops whole feature channels, one mask per sample shared by all time steps.

    This is Keras ``SpatialDropout1D`` and also what Keras RNN ``dropout`` does to the layer's inputs.

    Example:
        >>> import torch
        >>> out = ChannelDropout(0.5).train()(torch.ones(1, 3, 4))  # (batch, steps, channels)
        >>> bool((out == out[:, :1]).all())  # the same channels are dropped at every step
        True
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (batch, seq_len, channels)
        if not self.training or self.p == 0.0:
            return x
        keep = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1.0 - self.p)  # (batch, 1, channels)
        return x * keep / (1.0 - self.p)


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Reverses each right-padded sequence within its own length; padding stays in place.

    Example:
        >>> import torch
        >>> reverse_padded(torch.tensor([[1, 2, 3, 0], [4, 5, 0, 0]]).unsqueeze(-1), torch.tensor([3, 2]))[..., 0]
        tensor([[3, 2, 1, 0],
                [5, 4, 0, 0]])
    """
    if lengths is None:
        return x.flip(1)
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)  # (1, seq_len)
    lengths = lengths.to(x.device).unsqueeze(1)
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)  # (batch, seq_len)
    return x.gather(1, index.unsqueeze(-1).expand_as(x))


def length_chunks(lengths: torch.Tensor, step_overhead_rows: int, granularity: int = 8) -> list[torch.Tensor]:
    """Splits a batch into groups of rows of similar length that cost the least to run.

    A group runs as long as its longest row, and each step costs about ``rows + step_overhead_rows``
    (the per-step cost of the kernel, counted in rows). A random batch of long-tailed comments then runs
    its few long rows apart instead of padding every row to the longest: Keras-like random batches at
    the cost of length-sorted ones. Rows are exact either way (each row's result is its own); groups
    are cut at multiples of ``granularity`` rows of the length-sorted batch. Returns row indices.

    Example:
        >>> import torch
        >>> [rows.tolist() for rows in length_chunks(torch.tensor([3, 900, 5, 4]), 1, granularity=1)]
        [[1], [2, 3, 0]]
    """
    order = torch.argsort(lengths, descending=True, stable=True)
    longest = lengths[order].tolist()
    cuts = [*range(0, len(longest), granularity), len(longest)]
    best, previous = [0] + [None] * (len(cuts) - 1), [0] * len(cuts)  # least cost of rows before cuts[j]
    for j in range(1, len(cuts)):
        for i in range(j):
            cost = best[i] + longest[cuts[i]] * (cuts[j] - cuts[i] + step_overhead_rows)
            if best[j] is None or cost < best[j]:
                best[j], previous[j] = cost, i
    groups, j = [], len(cuts) - 1
    while j > 0:
        groups.append(order[cuts[previous[j]] : cuts[j]])
        j = previous[j]
    return groups[::-1]


def last_real_step(outputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """``outputs[b, lengths[b] - 1]`` for each row: the state after its last real token.

    Example:
        >>> import torch
        >>> last_real_step(torch.arange(6.0).view(2, 3, 1), torch.tensor([1, 3]))
        tensor([[0.],
                [5.]])
    """
    index = (lengths.to(outputs.device) - 1).view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])
    return outputs.gather(1, index).squeeze(1)  # (batch, hidden)


def concat_final_states(state) -> torch.Tensor:
    """A PyTorch RNN's final hidden states ``(directions, batch, hidden)`` as ``(batch, hidden * directions)``."""
    final = state[0] if isinstance(state, tuple) else state  # LSTM returns (h_n, c_n)
    return torch.cat(list(final), dim=-1)


def keras2_hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Keras 2's ``hard_sigmoid``: ``clip(0.2 x + 0.5, 0, 1)`` (standalone Keras <= 2.2 LSTM / GRU default)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def keras3_hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Keras 3's ``hard_sigmoid``: ``relu6(x + 3) / 6``."""
    return F.relu6(x + 3.0) / 6.0


RECURRENT_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "hard_sigmoid_keras2": keras2_hard_sigmoid,
    "hard_sigmoid_keras3": keras3_hard_sigmoid,
}


class _StepLoop:
    """Runs a single-layer cell step by step, for the Keras variants no fused kernel has.

    Parameters keep PyTorch's names and gate order, so weights load as for the fused layers. Steps past a
    row's end (``lengths``) leave its state alone, like packing would, and output zeros.
    """

    recurrent_activation = "sigmoid"

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None):  # x: (batch, seq_len, input)
        outputs, finals = [], []
        for suffix in DIRECTION_SUFFIXES[: 2 if self.bidirectional else 1]:
            seq = reverse_padded(x, lengths) if suffix else x
            out, final = self._run_direction(seq, lengths, suffix)
            outputs.append(reverse_padded(out, lengths) if suffix else out)
            finals.append(final)
        return torch.cat(outputs, dim=-1), torch.cat(finals, dim=-1)

    def _run_direction(self, x: torch.Tensor, lengths: torch.Tensor | None, suffix: str):
        weights = [getattr(self, f"{name}{suffix}") for name in WEIGHT_NAMES]
        gates_x = F.linear(x, weights[0], weights[2])  # (batch, seq_len, gates * hidden)
        state = self._initial_state(x)
        outputs = []
        for t in range(x.shape[1]):
            new_state = self._step(gates_x[:, t], state, weights[1], weights[3])
            if lengths is not None:
                valid = (t < lengths).to(x.dtype).unsqueeze(-1)  # (batch, 1)
                new_state = tuple(
                    valid * new + (1.0 - valid) * old for new, old in zip(new_state, state, strict=True)
                )
                outputs.append(new_state[0] * valid)
            else:
                outputs.append(new_state[0])
            state = new_state
        return torch.stack(outputs, dim=1), state[0]


class KerasLSTM(_StepLoop, nn.LSTM):
    """Single-layer LSTM with another recurrent activation than the sigmoid (Keras ``recurrent_activation``)."""

    def __init__(self, *args, recurrent_activation: str = "sigmoid", **kwargs):
        super().__init__(*args, **kwargs)
        self.recurrent_activation = recurrent_activation

    def _initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = x.new_zeros(x.shape[0], self.hidden_size)
        return zeros, zeros

    def _step(self, gates_x, state, w_hh, b_hh):
        h, c = state
        i, f, g, o = (gates_x + F.linear(h, w_hh, b_hh)).chunk(4, dim=-1)  # PyTorch's gate order
        gate = RECURRENT_ACTIVATIONS[self.recurrent_activation]
        c = gate(f) * c + gate(i) * torch.tanh(g)
        return gate(o) * torch.tanh(c), c


class KerasGRU(_StepLoop, nn.GRU):
    """Single-layer GRU in either Keras layout: ``reset_after=True`` (PyTorch's) or ``False``, the TF1-era
    one with the reset gate applied *before* the recurrent matmul: ``n = tanh(W_in x + b_in + W_hn (r * h))``;
    any recurrent activation (Keras ``recurrent_activation``)."""

    def __init__(self, *args, reset_after: bool = True, recurrent_activation: str = "sigmoid", **kwargs):
        super().__init__(*args, **kwargs)
        self.reset_after, self.recurrent_activation = reset_after, recurrent_activation

    def _initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor]:
        return (x.new_zeros(x.shape[0], self.hidden_size),)

    def _step(self, gates_x, state, w_hh, b_hh):
        (h,), size = state, self.hidden_size
        gate = RECURRENT_ACTIVATIONS[self.recurrent_activation]
        rz = gate(gates_x[:, : 2 * size] + F.linear(h, w_hh[: 2 * size], b_hh[: 2 * size]))
        r, z = rz.chunk(2, dim=-1)
        if self.reset_after:
            n = torch.tanh(gates_x[:, 2 * size :] + r * F.linear(h, w_hh[2 * size :], b_hh[2 * size :]))
        else:
            n = torch.tanh(gates_x[:, 2 * size :] + F.linear(r * h, w_hh[2 * size :], b_hh[2 * size :]))
        return ((1.0 - z) * n + z * h,)


class ResetBeforeGRU(KerasGRU):
    """Keras ``GRU(reset_after=False)``, the TF1-era layout (see `KerasGRU`), with the sigmoid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, reset_after=False, **kwargs)


def _rnn_module(spec: dict, input_size: int) -> nn.RNNBase:
    """The fused PyTorch layer for ``spec``, or a step loop for the Keras variants it lacks."""
    cell, hidden, activation = spec["cell"], spec["hidden_size"], spec["recurrent_activation"]
    options = {
        "batch_first": True,
        "bidirectional": spec["bidirectional"],
        "recurrent_activation": activation,
    }
    if cell == "lstm" and activation != "sigmoid":
        return KerasLSTM(input_size, hidden, **options)
    if cell == "gru" and (activation != "sigmoid" or not spec["gru_reset_after"]):
        return KerasGRU(input_size, hidden, reset_after=spec["gru_reset_after"], **options)
    return RNN_CLASSES[cell](input_size, hidden, batch_first=True, bidirectional=spec["bidirectional"])


class RecurrentLayer(nn.Module):
    """One (bi)directional recurrent layer with Keras-style input dropout and DropConnect.

    The layer is ``config.layer_specs()[index]``: the top-level fields, or ``config.recurrent_layers[index]``.

    ``recurrent_dropout`` drops hidden-to-hidden *weights* with one mask per batch (AWD-LSTM's
    DropConnect) instead of Keras's per-sample mask on the hidden state: it regularises the same
    connections while the fused cuDNN / oneDNN kernel keeps running over the whole sequence.

    Example:
        >>> import torch
        >>> from rnn_models import RNNConfig
        >>> layer = RecurrentLayer(RNNConfig(hidden_size=3, bidirectional=True), input_size=2).eval()
        >>> out, final = layer(torch.randn(2, 4, 2), lengths=torch.tensor([4, 1]))
        >>> tuple(out.shape), tuple(final.shape), bool((out[1, 1:] == 0).all())
        ((2, 4, 6), (2, 6), True)
    """

    def __init__(self, config: RNNConfig, input_size: int, index: int = 0):
        super().__init__()
        spec = config.layer_specs()[index]  # this layer's cell, size, direction and dropouts
        cell, hidden_size = spec["cell"], spec["hidden_size"]
        self.rnn = _rnn_module(spec, input_size)
        self.input_dropout = ChannelDropout(spec["dropout"])
        self.recurrent_dropout = spec["recurrent_dropout"]
        # One direction's shape, filled with either direction's weights at call time. Kept out of the
        # module tree (a tuple) and on the meta device: it owns no parameters of its own.
        self._one_direction = (RNN_CLASSES[cell](input_size, hidden_size, batch_first=True, device="meta"),)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None, weights: dict[str, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``x`` holds right-padded sequences ``(batch, seq_len, input)``; ``lengths=None`` runs every step.

        ``weights`` come from `recurrent_weights` (pass the same ones to every part of one batch, so
        they share one DropConnect mask); by default they are drawn here. Returns the outputs
        ``(batch, seq_len, hidden * directions)``, zero after each row's end, and the final state of
        each direction, concatenated ``(batch, hidden * directions)``.
        """
        x = self.input_dropout(x)
        weights = self.recurrent_weights() if weights is None else weights
        if isinstance(self.rnn, _StepLoop):
            return functional_call(self.rnn, weights, (x, lengths))
        if lengths is None:  # keras_compatible: every padded step, like Keras
            outputs, state = functional_call(self.rnn, weights, (x,))
            return outputs, concat_final_states(state)
        return self._run_masked(x, lengths.to(x.device), weights)

    def _run_masked(self, x: torch.Tensor, lengths: torch.Tensor, weights: dict[str, torch.Tensor]):
        real = torch.arange(x.shape[1], device=x.device).unsqueeze(0) < lengths.unsqueeze(
            1
        )  # (batch, seq_len)
        real = real.unsqueeze(-1).to(x.dtype)
        outputs, finals = [], []
        for suffix in DIRECTION_SUFFIXES[: 2 if self.rnn.bidirectional else 1]:
            seq = reverse_padded(x, lengths) if suffix else x
            direction = {name: weights[name + suffix] for name in WEIGHT_NAMES}
            out, _ = functional_call(self._one_direction[0], direction, (seq,))  # (batch, seq_len, hidden)
            out = out * real  # steps past a row's end ran on padding: drop them and their gradient
            finals.append(last_real_step(out, lengths))
            outputs.append(reverse_padded(out, lengths) if suffix else out)
        return torch.cat(outputs, dim=-1), torch.cat(finals, dim=-1)

    def recurrent_weights(self) -> dict[str, torch.Tensor]:
        """The cell's parameters by name; in training, DropConnect masks the hidden-to-hidden weights."""
        weights = dict(self.rnn.named_parameters())
        if self.training and self.recurrent_dropout > 0.0:
            for name in [name for name in weights if name.startswith("weight_hh")]:
                weights[name] = F.dropout(weights[name], p=self.recurrent_dropout, training=True)
        return weights
