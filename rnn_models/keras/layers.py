"""One Keras layer of a model config (`KerasLayer`) and Keras's serialized activation names."""

from dataclasses import dataclass
from typing import Any

from .files import KerasWeightRef

__all__ = ["KerasLayer", "keras_activation"]


@dataclass(frozen=True)
class KerasLayer:
    """One layer of the Keras config: its name, class, config dict and Keras 3 weights path."""

    name: str
    class_name: str
    config: dict[str, Any]
    keras3_path: str

    def ref(self) -> KerasWeightRef:
        return KerasWeightRef(self.name, self.class_name, self.keras3_path)

    def error(self, label: str, problem: str, supported: str) -> ValueError:
        return ValueError(
            f"{label}: layer {self.name!r} ({self.class_name}) {problem}; supported: {supported}."
        )


def keras_activation(value: Any) -> str:
    """The activation name of a layer config's ``activation`` (a string, or a serialized function).

    Example:
        >>> keras_activation({"module": "keras.activations", "class_name": "function", "config": "relu"})
        'relu'
        >>> keras_activation(None)
        'linear'
    """
    if value is None:
        return "linear"
    if isinstance(value, dict):  # serialized function: {"class_name": "function", "config": "sigmoid", ...}
        names = (value.get("config"), value.get("registered_name"), value.get("class_name"))
        value = next((name for name in names if isinstance(name, str)), "unknown")
    return str(value).lower()
