"""Keras files read with h5py, json and zipfile alone (no TensorFlow, no Keras): model config and weights.

Both weight layouts:

- Keras 3 (``model.weights.h5`` inside a ``.keras`` archive, or ``model.save_weights("x.weights.h5")``):
  ``layers/<snake_case(class)[_n]>/vars/<i>``; recurrent layers keep theirs in ``cell/vars``, and
  `Bidirectional` in ``forward_layer/cell/vars`` and ``backward_layer/cell/vars``.
- Legacy HDF5 (Keras 2 / tf.keras / Keras 3 ``model.save("x.h5")``, or Keras 2 ``save_weights("x.h5")``):
  ``[model_weights/]<layer name>/`` with the ``weight_names`` attribute listing the layer's weights in
  order (kernel, recurrent_kernel, bias; a `Bidirectional` lists forward then backward).

Layers are found the way Keras's own ``load_weights`` finds them: by the class-based path in the Keras 3
layout, by position among the layers with weights in the legacy one (by name first, when all names match).
"""

import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

try:
    import h5py
except ImportError as error:  # h5py comes with the [keras] extra
    raise ImportError("Reading Keras files needs h5py: pip install 'rnn-models[keras]'.") from error

__all__ = [
    "KerasWeightRef",
    "check_not_lfs_pointer",
    "keras3_layer_paths",
    "keras_major_version",
    "read_keras_config",
    "read_layer_weights",
    "weights_source",
]

_RECURRENT = ("LSTM", "GRU", "SimpleRNN")  # their weights live in the layer's cell
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
    if class_name in _RECURRENT:
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


def read_keras_config(path: str | Path) -> dict[str, Any]:
    """The model config (``{"class_name": ..., "config": ...}``) of a ``.keras``, ``.h5`` or ``.json`` file."""
    path = Path(path)
    if (path / "saved_model.pb").is_file():
        raise ValueError(
            f"{path.name}: a TensorFlow SavedModel folder, which holds a graph, not a Keras config; load it with "
            "tf.keras.models.load_model in TensorFlow 2.x and save it with model.save('model.h5') first."
        )
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
    check_not_lfs_pointer(path)
    raise ValueError(
        f"{path.name}: not a Keras model; expected a .keras archive, an HDF5 .h5 file or a .json config."
    )


def check_not_lfs_pointer(path: Path, head: bytes | None = None) -> None:
    r"""Raises for a Git LFS pointer (a clone without ``git lfs pull``): the file is elsewhere, not damaged.

    Example:
        >>> import tempfile
        >>> pointer = Path(tempfile.mkdtemp()) / "model.h5"
        >>> _ = pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n")
        >>> check_not_lfs_pointer(pointer)
        Traceback (most recent call last):
        ...
        ValueError: model.h5: a Git LFS pointer, not the file itself; fetch it with `git lfs pull` first.
    """
    if head is None:  # the file's first bytes, unless the caller has read them already
        with open(path, "rb") as handle:
            head = handle.read(64)
    if head.startswith(b"version https://git-lfs"):
        raise ValueError(
            f"{path.name}: a Git LFS pointer, not the file itself; fetch it with `git lfs pull` first."
        )


def _saved_version(path: Path) -> str | None:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "metadata.json" in archive.namelist():
                return json.loads(archive.read("metadata.json")).get("keras_version")
    elif h5py.is_hdf5(path):
        with h5py.File(path, "r") as file:
            version = file.attrs.get("keras_version")
            return None if version is None else _text(version)
    return None


def keras_major_version(path: str | Path, config: dict[str, Any]) -> int:
    """2 or 3: the Keras that saved the model (its ``hard_sigmoid`` differs); from the file's metadata, else
    from the config (``model.to_json()``: Keras 2 records ``keras_version``, Keras 3 ``build_config``)."""
    version = _saved_version(Path(path)) if Path(path).suffix != ".json" else config.get("keras_version")
    if version:
        return 3 if int(str(version).split(".")[0]) >= 3 else 2
    return 3 if "build_config" in config else 2


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
