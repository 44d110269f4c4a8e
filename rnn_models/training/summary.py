"""A Keras-like ``model.summary()`` table for the RNN models."""

from collections.abc import Callable

from torch import nn

from ..model.configuration_rnn import RNNConfig
from ..model.modeling_rnn import RNNForSequenceClassification, RNNModel

__all__ = ["keras_recurrent_params", "layer_rows", "summary"]

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
_KERAS_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
_HEAD_NAMES = {
    "dense": "Dense",
    "batch_norm": "BatchNormalization",
    "dropout": "Dropout",
    "activation": "Activation",
}
_POOL_NAMES = {
    "max": "GlobalMaxPooling1D",
    "mean": "GlobalAveragePooling1D",
    "max_mean": "GlobalMaxPooling1D + GlobalAveragePooling1D",
}


def keras_recurrent_params(config: RNNConfig, input_size: int, index: int = 0) -> int:
    """Parameters Keras gives recurrent layer ``index`` (one bias per gate; GRU reset_after=True has two).

    Example:
        >>> keras_recurrent_params(RNNConfig.from_preset("lstm"), input_size=300)
        160400
    """
    spec = config.layer_specs()[index]
    gates, hidden = _GATES[spec["cell"]], spec["hidden_size"]
    bias_rows = 2 if spec["cell"] == "gru" and spec["gru_reset_after"] else 1
    per_direction = gates * (hidden * (input_size + hidden) + bias_rows * hidden)
    return per_direction * (2 if spec["bidirectional"] else 1)


def _count(module: nn.Module, trainable: bool | None = None) -> int:
    return sum(p.numel() for p in module.parameters() if trainable is None or p.requires_grad == trainable)


def layer_rows(model: RNNModel | RNNForSequenceClassification) -> list[tuple[str, str, int, str]]:
    """(layer (type), output shape, parameters, Keras parameters) for each row of the summary table."""
    config: RNNConfig = model.config
    base = model if isinstance(model, RNNModel) else model.rnn
    prefix = "" if base is model else "rnn."
    steps = config.max_length
    rows = [
        (
            f"{prefix}embeddings (Embedding)",
            f"(None, {steps}, {config.embedding_dim})",
            _count(base.embeddings),
            "",
        )
    ]
    input_size = config.embedding_dim
    for index, (layer, spec) in enumerate(zip(base.layers, config.layer_specs(), strict=True)):
        cell = _KERAS_NAMES[spec["cell"]]
        kind = f"Bidirectional({cell})" if spec["bidirectional"] else cell
        width = spec["hidden_size"] * (2 if spec["bidirectional"] else 1)
        returns_sequence = index < len(base.layers) - 1 or config.pooling != "last"
        shape = f"(None, {steps}, {width})" if returns_sequence else f"(None, {width})"
        keras = f"{keras_recurrent_params(config, input_size, index):,}"
        rows.append((f"{prefix}layers.{index} ({kind})", shape, _count(layer), keras))
        input_size = width
    if config.pooling != "last":
        rows.append((f"pooling ({_POOL_NAMES[config.pooling]})", f"(None, {config.pooled_size})", 0, ""))
    if isinstance(model, RNNForSequenceClassification):
        rows += _head_rows(model)
        rows.append(("classifier (Dense)", f"(None, {config.num_labels})", _count(model.classifier), ""))
    return rows


def _head_rows(model: RNNForSequenceClassification) -> list[tuple[str, str, int, str]]:
    rows, width = [], model.config.pooled_size
    for index, (module, layer) in enumerate(
        zip(model.head or [], model.config.head_layers or [], strict=True)
    ):
        width = layer.get("units", width)
        kind = _HEAD_NAMES[layer["type"]] + (f", {layer['activation']}" if "activation" in layer else "")
        rows.append((f"head.{index} ({kind})", f"(None, {width})", _count(module), ""))
    return rows


def summary(
    model: RNNModel | RNNForSequenceClassification, *, print_fn: Callable[[str], None] | None = print
) -> str:
    """Returns (and prints with ``print_fn``) a Keras-like table of layers, output shapes and parameters.

    The last column gives the recurrent parameter count Keras reports for the same layer: PyTorch keeps
    two bias vectors per gate (``bias_ih`` and ``bias_hh``) where Keras keeps one.

    Example:
        >>> from rnn_models import RNNConfig, RNNForSequenceClassification, summary
        >>> model = RNNForSequenceClassification(RNNConfig.from_preset("lstm", vocab_size=1000))
        >>> table = summary(model, print_fn=None)
        >>> "160,400" in table and "Non-trainable params: 300,000" in table
        True
    """
    rows = layer_rows(model)
    header = ("Layer (type)", "Output Shape", "Param #", "Keras Param #")
    cells = [header] + [(name, shape, f"{params:,}", keras) for name, shape, params, keras in rows]
    widths = [max(len(row[i]) for row in cells) + 2 for i in range(4)]
    rule = "-" * sum(widths)

    def line(row: tuple[str, ...]) -> str:
        return "".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    lines = [f'Model: "{type(model).__name__}"', rule, line(header), "=" * sum(widths)]
    lines += [line(row) for row in cells[1:]]
    lines += [
        "=" * sum(widths),
        f"Total params: {_count(model):,}",
        f"Trainable params: {_count(model, True):,}",
        f"Non-trainable params: {_count(model, False):,}",
        rule,
        "Keras Param #: the same recurrent layer in Keras, which keeps one bias vector per gate where",
        "PyTorch keeps two (bias_ih and bias_hh).",
    ]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text
