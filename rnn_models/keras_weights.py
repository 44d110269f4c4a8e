"""Keras files -> model config, arrays per layer -> a `RNNForSequenceClassification` state dict.

Reads both layouts with h5py alone (no TensorFlow, no Keras):

- Keras 3 (``model.weights.h5`` inside a ``.keras`` archive, or ``model.save_weights("x.weights.h5")``):
  ``layers/<snake_case(class)[_n]>/vars/<i>``; recurrent layers keep theirs in ``cell/vars``, and
  `Bidirectional` in ``forward_layer/cell/vars`` and ``backward_layer/cell/vars``.
- Legacy HDF5 (Keras 2 / tf.keras / Keras 3 ``model.save("x.h5")``, or Keras 2 ``save_weights("x.h5")``):
  ``[model_weights/]<layer name>/`` with the ``weight_names`` attribute listing the layer's weights in
  order (kernel, recurrent_kernel, bias; a `Bidirectional` lists forward then backward).

Layers are found the way Keras's own ``load_weights`` finds them: by the class-based path in the Keras 3
layout, by position among the layers with weights in the legacy one (by name first, when all names match).

Gate layouts (Keras kernels are ``(inputs, gates * units)``, PyTorch weights ``(gates * units, inputs)``):
LSTM gates i, f, c, o are PyTorch's i, f, g, o; GRU gates z, r, h become PyTorch's r, z, n.
"""

import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

try:
    import h5py
except ImportError as error:  # h5py comes with the [keras] extra
    raise ImportError("Reading Keras files needs h5py: pip install 'rnn-models[keras]'.") from error

if TYPE_CHECKING:
    from .keras_import import KerasArchitecture, KerasLayer

__all__ = [
    "KerasWeightRef",
    "build_state_dict",
    "dense_state",
    "embedding_state",
    "keras3_layer_paths",
    "read_keras_config",
    "read_layer_weights",
    "recurrent_state",
    "weights_source",
]

RECURRENT_GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}
_KERAS3_CONTAINERS = ("layers", "_layer_checkpoint_dependencies")  # Keras 3, tf.keras 2.13+ archives


@dataclass(frozen=True)
class KerasWeightRef:
    """Where one Keras layer's weights live: its name, class and (Keras 3 layout) its group path."""

    name: str
    class_name: str
    keras3_path: str


def _snake_case(name: str) -> str:
    # Keras's own `to_snake_case`: the Keras 3 layout addresses layers by class name, not layer name.
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras3_layer_paths(class_names: Iterable[str]) -> list[str]:
    """Group names Keras 3 gives a model's layers in ``model.weights.h5``: class name, then ``_1``, ``_2``...

    Example:
        >>> keras3_layer_paths(["Embedding", "LSTM", "LSTM", "GlobalMaxPooling1D", "Dense"])
        ['embedding', 'lstm', 'lstm_1', 'global_max_pooling1d', 'dense']
    """
    used: dict[str, int] = {}
    paths = []
    for class_name in class_names:
        base = _snake_case(class_name)
        count = used.get(base, 0)
        used[base] = count + 1
        paths.append(base if count == 0 else f"{base}_{count}")
    return paths


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _vars(group: h5py.Group) -> list[np.ndarray]:
    if "vars" not in group:
        return []
    variables = group["vars"]
    return [np.asarray(variables[key]) for key in sorted(variables, key=int)]


def _keras3_arrays(group: h5py.Group, class_name: str) -> list[np.ndarray]:
    if class_name == "Bidirectional":
        return [*_vars(group["forward_layer"]["cell"]), *_vars(group["backward_layer"]["cell"])]
    if class_name in RECURRENT_GATES:
        return _vars(group["cell"])
    return _vars(group)


def _keras3_weights(container: h5py.Group, refs: Sequence[KerasWeightRef], label: str) -> dict:
    """By class-based path, as Keras 3 ``load_weights`` does; by the layer-name attribute as a fallback."""
    named = {
        _text(group["vars"].attrs.get("name", "")): group for group in container.values() if "vars" in group
    }
    weights = {}
    for ref in refs:
        group = container.get(ref.keras3_path)
        group = named.get(ref.name) if group is None else group
        if group is None:
            raise ValueError(f"{label}: no weights for layer {ref.name!r} ({ref.class_name}) in the file.")
        weights[ref.name] = _keras3_arrays(group, ref.class_name)
    return weights


def _legacy_weights(root: h5py.Group, refs: Sequence[KerasWeightRef], label: str) -> dict:
    """By layer name; else by position among the layers with weights, as Keras 2 ``load_weights`` does."""
    arrays = {}
    for name in map(_text, root.attrs["layer_names"]):
        group = root[name]
        arrays[name] = [np.asarray(group[_text(weight)]) for weight in group.attrs.get("weight_names", [])]
    if all(ref.name in arrays for ref in refs):
        return {ref.name: arrays[ref.name] for ref in refs}
    weighted = [name for name, layer_arrays in arrays.items() if layer_arrays]
    if len(weighted) != len(refs):
        raise ValueError(
            f"{label}: {len(weighted)} layers with weights ({', '.join(weighted)}) for a model with "
            f"{len(refs)} ({', '.join(ref.name for ref in refs)})."
        )
    return {ref.name: arrays[name] for ref, name in zip(refs, weighted, strict=True)}


def _open_h5(source: str | Path | bytes) -> h5py.File:
    return h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")


def read_layer_weights(
    source: str | Path | bytes, refs: Sequence[KerasWeightRef], label: str
) -> dict[str, list[np.ndarray]]:
    """Arrays of each referenced layer, in Keras order (kernel, recurrent_kernel, bias...).

    ``source`` is an HDF5 path or the bytes of one (``model.weights.h5`` from a ``.keras`` zip);
    ``label`` names the file in errors.
    """
    with _open_h5(source) as file:
        container = next((file[key] for key in _KERAS3_CONTAINERS if key in file), None)
        if container is not None:
            return _keras3_weights(container, refs, label)
        legacy_root = file.get("model_weights", file)
        if "layer_names" not in legacy_root.attrs:
            raise ValueError(
                f"{label}: no Keras weights found (expected a Keras 3 'layers' group or a legacy HDF5 "
                "'layer_names' attribute); pass a .keras, .h5 or .weights.h5 file saved by Keras."
            )
        return _legacy_weights(legacy_root, refs, label)


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
    expected = [(input_size, width), (units, width)] + ([bias_shape] if use_bias else [])
    _check_shapes(label, arrays, expected)
    kernel, recurrent_kernel = arrays[0], arrays[1]
    bias = arrays[2] if use_bias else np.zeros(bias_shape, dtype=np.float32)
    bias_ih, bias_hh = (bias[0], bias[1]) if bias.ndim == 2 else (bias, np.zeros(width, dtype=np.float32))
    if cell == "GRU":
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
    arrays: Sequence[np.ndarray], in_features: int, units: int, use_bias: bool, label: str
) -> dict[str, torch.Tensor]:
    """Keras ``Dense`` kernel ``(in, units)`` becomes ``classifier.weight`` ``(units, in)``."""
    _check_shapes(label, arrays, [(in_features, units)] + ([(units,)] if use_bias else []))
    bias = arrays[1] if use_bias else np.zeros(units, dtype=np.float32)
    return {"classifier.weight": _tensor(arrays[0].T), "classifier.bias": _tensor(bias)}


def read_keras_config(path: str | Path) -> dict[str, Any]:
    """The model config (``{"class_name": ..., "config": ...}``) of a ``.keras``, ``.h5`` or ``.json`` file."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read("config.json"))
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as file:
            if "model_config" not in file.attrs:
                raise ValueError(
                    f"{path.name}: no model config in this HDF5 file (weights only?); pass the model "
                    "(.keras, .h5 or model.to_json() .json) as the model and this file as weights."
                )
            raw = file.attrs["model_config"]
            return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    raise ValueError(
        f"{path.name}: not a Keras model; expected a .keras archive, an HDF5 .h5 file or a .json config."
    )


def weights_source(model_path: Path, weights: str | Path | None) -> tuple[str | Path | bytes, str]:
    """What to read weights from (``weights`` if given, else the model file) and its name for errors."""
    if weights is not None:
        return Path(weights), Path(weights).name
    if zipfile.is_zipfile(model_path):
        with zipfile.ZipFile(model_path) as archive:
            return archive.read("model.weights.h5"), model_path.name
    if h5py.is_hdf5(model_path):
        return model_path, model_path.name
    raise ValueError(
        f"{model_path.name}: a model config without weights; pass weights= (a .weights.h5 or .h5 file)."
    )


def build_state_dict(
    arch: "KerasArchitecture", weights: dict[str, list], label: str = "weights"
) -> dict[str, torch.Tensor]:
    """`RNNForSequenceClassification` state dict from the Keras arrays of each layer (see `keras_weights`)."""

    def where(layer: "KerasLayer") -> str:
        return f"{label}: layer {layer.name!r} ({layer.class_name})"

    embedding = arch.embedding.config
    state = embedding_state(
        weights[arch.embedding.name], embedding["input_dim"], embedding["output_dim"], where(arch.embedding)
    )
    input_size = embedding["output_dim"]
    for index, spec in enumerate(arch.recurrent):
        arrays, per_direction = weights[spec.layer.name], 3 if spec.use_bias else 2
        directions = ("_l0", "_l0_reverse") if spec.bidirectional else ("_l0",)
        if len(arrays) != per_direction * len(directions):
            raise ValueError(
                f"{where(spec.layer)} has {len(arrays)} weights, expected {per_direction * len(directions)}."
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
                label=where(spec.layer),
            )
        input_size = spec.units * len(directions)
    dense = arch.dense
    state |= dense_state(
        weights[dense.name],
        input_size,
        dense.config["units"],
        dense.config.get("use_bias", True),
        where(dense),
    )
    return state
