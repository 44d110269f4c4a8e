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

    Example:
        >>> import torch
        >>> from rnn_models import RNNConfig, RNNModel
        >>> model = RNNModel(RNNConfig(vocab_size=10, embedding_dim=4, hidden_size=3, bidirectional=True))
        >>> out = model(torch.tensor([[0, 5, 6, 7]]), attention_mask=torch.tensor([[0, 1, 1, 1]]))
        >>> tuple(out.last_hidden_state.shape), tuple(out.pooler_output.shape)
        ((1, 4, 6), (1, 6))
    """

    last_hidden_state: torch.FloatTensor | None = None
    pooler_output: torch.FloatTensor | None = None
