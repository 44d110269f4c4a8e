"""Output dataclasses of the models (as transformers' ``modeling_outputs``). Shipped next to the weights."""

from dataclasses import dataclass

import torch
from transformers.utils import ModelOutput

__all__ = ["RNNModelOutput"]


@dataclass
class RNNModelOutput(ModelOutput):
    """Output of `RNNModel`.

    Args:
        last_hidden_state: ``(batch, seq_len, hidden_size * directions)`` encoder output at every input
            position (zeros at padding positions unless keras_compatible).
        pooler_output: ``(batch, config.pooled_size)`` features the classifier reads, chosen by
            ``config.pooling``.
    """

    last_hidden_state: torch.FloatTensor | None = None
    pooler_output: torch.FloatTensor | None = None
