"""A Keras model config's layer graph -> the chain of layers the conversion reads (`layer_chain`).

Reads ``Sequential`` and functional configs of Keras 2 and 3 (their ``inbound_nodes`` formats differ);
a functional model must be a chain, but for one branch: a max and an average pooling of the same sequence,
concatenated (the 2018 competition's pooled recurrent networks), which becomes one ``ConcatenatedPooling``
layer. Inputs and Keras 3's mask ops are left out.
"""

from typing import Any

from .files import keras3_layer_paths
from .layers import KerasLayer

__all__ = ["POOLINGS", "layer_chain", "recorded_input_length"]

POOLINGS = {
    "GlobalMaxPooling1D": "max",
    "GlobalMaxPool1D": "max",
    "GlobalAveragePooling1D": "mean",
    "GlobalAvgPool1D": "mean",
}
_SKIPPED = ("InputLayer", "NotEqual")  # NotEqual: the mask op Keras 3 records for mask_zero=True


def _inbound_names(layer: dict[str, Any]) -> list[list[str]]:
    """Names of the layers feeding each call of ``layer`` (Keras 3 and Keras 2 functional formats)."""
    calls = []
    for node in layer.get("inbound_nodes") or []:
        if isinstance(node, dict):  # Keras 3: {"args": [{"config": {"keras_history": [name, 0, 0]}}], ...}
            args = [a for arg in node.get("args", []) for a in (arg if isinstance(arg, list) else [arg])]
            args = [a for a in args if isinstance(a, dict) and "config" in a]  # a list arg: a merge's inputs
            calls.append([a["config"]["keras_history"][0] for a in args if "keras_history" in a["config"]])
        else:  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            calls.append([inbound[0] for inbound in node])
    return calls


def _raw_layers(config: dict[str, Any], label: str) -> list[dict[str, Any]]:
    class_name, inner = config.get("class_name"), config.get("config")
    if class_name not in ("Sequential", "Functional", "Model"):
        raise ValueError(
            f"{label}: model class {class_name!r} is not supported; supported: Sequential, Functional."
        )
    return inner if isinstance(inner, list) else inner["layers"]  # Keras 2.1 Sequential: a bare list


def _pooling_pairs(raw_layers: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``Concatenate`` layers joining a max and an average pooling of one sequence (the 2018 competition's
    pooled recurrent networks): concatenate name -> its two pooling layers, in the concatenated order."""
    by_name = {raw["config"].get("name"): raw for raw in raw_layers}
    pairs = {}
    for raw in raw_layers:
        calls = _inbound_names(raw) if raw["class_name"] == "Concatenate" else []
        if len(calls) != 1 or len(calls[0]) != 2 or raw["config"].get("axis", -1) not in (-1, 1):
            continue
        pools = [by_name.get(name) or {} for name in calls[0]]
        kinds = sorted(POOLINGS.get(pool.get("class_name"), "") for pool in pools)
        if kinds == ["max", "mean"] and _inbound_names(pools[0]) == _inbound_names(pools[1]):
            pairs[raw["config"]["name"]] = pools
    return pairs


def layer_chain(config: dict[str, Any], label: str) -> list[KerasLayer]:
    """The model's layers in order, without inputs and mask ops; a functional model must be a chain (but for
    a max and an average pooling concatenated, which become one ``ConcatenatedPooling`` layer).

    Example:
        >>> config = {"class_name": "Sequential", "config": {"layers": [
        ...     {"class_name": "InputLayer", "config": {"name": "input", "batch_shape": [None, 7]}},
        ...     {"class_name": "Embedding", "config": {"name": "embedding"}},
        ...     {"class_name": "LSTM", "config": {"name": "lstm"}}]}}
        >>> [(layer.name, layer.keras3_path) for layer in layer_chain(config, "model.keras")]
        [('embedding', 'embedding'), ('lstm', 'lstm')]
        >>> recorded_input_length(config, "model.keras")
        7
    """
    functional = config["class_name"] != "Sequential"
    raw_layers = _raw_layers(config, label)
    paths = keras3_layer_paths(raw["class_name"] for raw in raw_layers)
    pairs = _pooling_pairs(raw_layers) if functional else {}
    paired = {pool["config"]["name"] for pools in pairs.values() for pool in pools}
    layers, previous = [], None
    for raw, path in zip(raw_layers, paths, strict=True):
        layer = KerasLayer(raw["config"].get("name", path), raw["class_name"], raw["config"], path)
        if layer.class_name in _SKIPPED or layer.name in paired:
            previous = layer.name if layer.class_name == "InputLayer" else previous
            continue
        if layer.name in pairs:  # checked as its poolings' input; both read the same sequence
            raw = pairs[layer.name][0]
            layer = KerasLayer(layer.name, "ConcatenatedPooling", {"poolings": pairs[layer.name]}, path)
        if functional and previous is not None and _inbound_names(raw) != [[previous]]:
            raise layer.error(
                label,
                f"does not take its only input from {previous!r}",
                "a single chain of layers (and a max and an average pooling concatenated)",
            )
        layers.append(layer)
        previous = layer.name
    return layers


def recorded_input_length(config: dict[str, Any], label: str) -> int | None:
    """Keras ``maxlen`` when the model records it (Input shape, build shape or Keras 2 ``input_length``)."""
    inner = config.get("config")
    shapes = [inner.get("build_input_shape")] if isinstance(inner, dict) else []
    for raw in _raw_layers(config, label):
        cfg = raw["config"]
        shapes += [cfg.get("batch_shape"), cfg.get("batch_input_shape"), [None, cfg.get("input_length")]]
    for shape in shapes:
        if isinstance(shape, list) and len(shape) == 2 and isinstance(shape[1], int):
            return shape[1]
    return None
