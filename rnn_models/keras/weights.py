"""Keras arrays per layer -> a `RNNForSequenceClassification` state dict.

Gate layouts (Keras kernels are ``(inputs, gates * units)``, PyTorch weights ``(gates * units, inputs)``):
LSTM gates i, f, c, o are PyTorch's i, f, g, o; GRU gates z, r, h become PyTorch's r, z, n.
"""

from collections.abc import Sequence

import numpy as np
import torch

from .architecture import KerasArchitecture
from .layers import KerasLayer

__all__ = ["batch_norm_state", "build_state_dict", "dense_state", "embedding_state", "recurrent_state"]


RECURRENT_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1, "CuDNNLSTM": 4, "CuDNNGRU": 3}


def _check_shapes(label: str, arrays: Sequence[np.ndarray], expected: Sequence[tuple[int, ...]]) -> None:
    shapes = [tuple(array.shape) for array in arrays]
    if shapes != [tuple(shape) for shape in expected]:
        raise ValueError(f"{label} has weights of shapes {shapes}, expected {[tuple(s) for s in expected]}.")


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def embedding_state(
    arrays: Sequence[np.ndarray], vocab_size: int, dim: int, label: str
) -> dict[str, torch.Tensor]:
    """Keras ``Embedding`` ``(input_dim, output_dim)`` is the embedding table as is."""
    _check_shapes(label, arrays, [(vocab_size, dim)])
    return {"rnn.embeddings.weight": _tensor(arrays[0])}


def _gru_to_torch_order(array: np.ndarray, units: int) -> np.ndarray:
    # Keras stacks the gates z, r, h along the last axis; PyTorch wants r, z, n.
    z, r, h = (array[..., i * units : (i + 1) * units] for i in range(3))
    return np.concatenate([r, z, h], axis=-1)


def recurrent_state(
    arrays: Sequence[np.ndarray],
    *,
    cell: str,
    input_size: int,
    units: int,
    use_bias: bool,
    reset_after: bool,
    prefix: str,
    suffix: str,
    label: str,
) -> dict[str, torch.Tensor]:
    """One direction of a Keras ``LSTM`` / ``GRU`` / ``SimpleRNN`` as ``nn.LSTM`` / ``nn.GRU`` / ``nn.RNN`` weights.

    Keys are ``{prefix}weight_ih{suffix}`` etc. (``suffix`` ``"_l0"`` or ``"_l0_reverse"``). Keras has one
    input bias (plus a recurrent bias row for GRU with ``reset_after=True``); the other PyTorch bias is
    zero, which leaves every sum unchanged. With ``reset_after=False`` the GRU candidate bias stays on
    the input side, outside ``r * (...)``, exactly as in Keras.

    Example:
        >>> k, u, b = np.ones((2, 8)), np.ones((2, 8)), np.arange(8.0)  # LSTM, 2 inputs, 2 units
        >>> state = recurrent_state([k, u, b], cell="LSTM", input_size=2, units=2, use_bias=True,
        ...                         reset_after=False, prefix="", suffix="_l0", label="lstm")
        >>> tuple(state["weight_ih_l0"].shape), state["bias_hh_l0"].tolist()
        ((8, 2), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    """
    gates = RECURRENT_GATES[cell]
    width = gates * units
    bias_shape = (2, width) if cell == "GRU" and reset_after else (width,)
    bias_shape = (2 * width,) if cell.startswith("CuDNN") else bias_shape  # input biases, then recurrent ones
    expected = [(input_size, width), (units, width)] + ([bias_shape] if use_bias else [])
    _check_shapes(label, arrays, expected)
    kernel, recurrent_kernel = arrays[0], arrays[1]
    bias = arrays[2] if use_bias else np.zeros(bias_shape, dtype=np.float32)
    bias = bias.reshape(2, width) if cell.startswith("CuDNN") else bias
    bias_ih, bias_hh = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros(width, dtype=np.float32))
    if cell in ("GRU", "CuDNNGRU"):
        kernel, recurrent_kernel, bias_ih, bias_hh = (
            _gru_to_torch_order(array, units) for array in (kernel, recurrent_kernel, bias_ih, bias_hh)
        )
    return {
        f"{prefix}weight_ih{suffix}": _tensor(kernel.T),  # (gates * units, input_size)
        f"{prefix}weight_hh{suffix}": _tensor(recurrent_kernel.T),  # (gates * units, units)
        f"{prefix}bias_ih{suffix}": _tensor(bias_ih),
        f"{prefix}bias_hh{suffix}": _tensor(bias_hh),
    }


def dense_state(
    arrays: Sequence[np.ndarray],
    in_features: int,
    units: int,
    use_bias: bool,
    label: str,
    prefix: str = "classifier.",
) -> dict[str, torch.Tensor]:
    """Keras ``Dense`` kernel ``(in, units)`` becomes ``{prefix}weight`` ``(units, in)``."""
    _check_shapes(label, arrays, [(in_features, units)] + ([(units,)] if use_bias else []))
    state = {f"{prefix}weight": _tensor(arrays[0].T)}
    if use_bias or prefix == "classifier.":  # the output layer always has a bias: zero stands for none
        state[f"{prefix}bias"] = _tensor(arrays[1] if use_bias else np.zeros(units, dtype=np.float32))
    return state


def batch_norm_state(arrays: Sequence[np.ndarray], config: dict, width: int, prefix: str, label: str) -> dict:
    """Keras ``BatchNormalization`` ``[gamma], [beta], moving_mean, moving_variance`` as ``nn.BatchNorm1d``.

    Without ``scale`` (``center``) Keras has no gamma (beta): a fixed 1 (0) computes the same.
    """
    scale, center = config.get("scale", True), config.get("center", True)
    _check_shapes(label, arrays, [(width,)] * (2 + scale + center))
    arrays = list(arrays)
    gamma = arrays.pop(0) if scale else np.ones(width, dtype=np.float32)
    beta = arrays.pop(0) if center else np.zeros(width, dtype=np.float32)
    return {
        f"{prefix}weight": _tensor(gamma),
        f"{prefix}bias": _tensor(beta),
        f"{prefix}running_mean": _tensor(arrays[0]),
        f"{prefix}running_var": _tensor(arrays[1]),
        f"{prefix}num_batches_tracked": torch.tensor(0),
    }


def _where(label: str, layer: KerasLayer) -> str:
    return f"{label}: layer {layer.name!r} ({layer.class_name})"


def _recurrent_layers_state(arch: KerasArchitecture, weights: dict[str, list], label: str) -> dict:
    state, input_size = {}, arch.embedding.config["output_dim"]
    for index, spec in enumerate(arch.recurrent):
        arrays, per_direction = weights[spec.layer.name], 3 if spec.use_bias else 2
        directions = ("_l0", "_l0_reverse") if spec.bidirectional else ("_l0",)
        if len(arrays) != per_direction * len(directions):
            raise ValueError(
                f"{_where(label, spec.layer)} has {len(arrays)} weights, expected {per_direction * len(directions)}."
            )
        for d, suffix in enumerate(directions):
            state |= recurrent_state(
                arrays[d * per_direction : (d + 1) * per_direction],
                cell=spec.cell,
                input_size=input_size,
                units=spec.units,
                use_bias=spec.use_bias,
                reset_after=spec.reset_after,
                prefix=f"rnn.layers.{index}.rnn.",
                suffix=suffix,
                label=_where(label, spec.layer),
            )
        input_size = spec.units * len(directions)
    return state


def _pooled_order(arch: KerasArchitecture, width: int) -> np.ndarray | None:
    """Keras feature index of each of our pooled features, when Keras concatenated the mean pooling first
    (ours are max, then mean); ``None`` when the orders agree."""
    if arch.pooled_order != ("mean", "max"):
        return None
    half = width // 2
    return np.concatenate([np.arange(half, width), np.arange(half)])


def _reordered(arrays: list, order: np.ndarray | None, kind: str) -> list:
    """Arrays that read the pooled features, with that axis in our order (Dense kernel rows, BatchNorm vectors)."""
    if order is None:
        return arrays
    return [arrays[0][order], *arrays[1:]] if kind == "dense" else [array[order] for array in arrays]


def _head_state(arch: KerasArchitecture, weights: dict[str, list], width: int, label: str):
    """The head's state, its output width, and the feature order the output layer must still apply."""
    state, order = {}, _pooled_order(arch, width)
    for index, (layer, entry) in enumerate(arch.head.layers):
        prefix, arrays = f"head.{index}.", _reordered(weights.get(layer.name, []), order, entry["type"])
        if entry["type"] == "dense":
            use_bias = entry.get("use_bias", True)
            state |= dense_state(arrays, width, entry["units"], use_bias, _where(label, layer), prefix)
            width, order = entry["units"], None  # past the first Dense, the features have one order
        elif entry["type"] == "batch_norm":
            state |= batch_norm_state(arrays, layer.config, width, prefix, _where(label, layer))
    return state, width, order


def build_state_dict(
    arch: KerasArchitecture, weights: dict[str, list], label: str = "weights"
) -> dict[str, torch.Tensor]:
    """`RNNForSequenceClassification` state dict from the Keras arrays of each layer (read by `.files`)."""
    embedding = arch.embedding.config
    state = embedding_state(
        weights[arch.embedding.name],
        embedding["input_dim"],
        embedding["output_dim"],
        _where(label, arch.embedding),
    )
    state |= _recurrent_layers_state(arch, weights, label)
    last = arch.recurrent[-1]
    pooled = last.units * (2 if last.bidirectional else 1)
    pooled *= 2 if arch.pooling == "max_mean" else 1
    head, width, order = _head_state(arch, weights, pooled, label)
    dense = arch.dense
    output = dense_state(
        _reordered(weights[dense.name], order, "dense"),
        width,
        dense.config["units"],
        dense.config.get("use_bias", True),
        _where(label, dense),
    )
    return state | head | output
