"""Keras ``pad_sequences`` inside the model, for converted Keras models that run every padded step.

Shipped next to the weights by ``save_pretrained`` (``modeling_rnn.py`` imports it): imports only torch.
A Keras model without ``mask_zero`` gives other numbers for other padding, so a converted model
(``keras_compatible=True``) with ``config.keras_padding`` set re-pads its input to ``config.max_length``
the way its Keras app did, whatever the caller's tokenizer call was (``pipeline`` does not pad at all).
"""

import torch

__all__ = ["keras_pad"]


def keras_pad(
    input_ids: torch.Tensor,
    mask: torch.Tensor,
    max_length: int,
    padding: str = "pre",
    truncating: str = "pre",
    pad_id: int = 0,
) -> torch.Tensor:
    """``pad_sequences(real tokens, maxlen=max_length, padding=padding, truncating=truncating)``.

    The real tokens of each row are those where ``mask`` is 1, in order, wherever the row's padding is.

    Example:
        >>> ids, mask = torch.tensor([[5, 6, 7, 0]]), torch.tensor([[1, 1, 1, 0]])
        >>> keras_pad(ids, mask, 5).tolist(), keras_pad(ids, mask, 2, "post", "post").tolist()
        ([[0, 0, 5, 6, 7]], [[5, 6]])
    """
    mask = mask.to(torch.long)
    lengths = mask.sum(dim=1, keepdim=True)  # (batch, 1)
    # Real tokens first, in their order: any padding side becomes right padding.
    order = torch.argsort((mask == 0).to(torch.int8), dim=1, stable=True)
    compact = input_ids.gather(1, order)  # (batch, input_len)
    kept = lengths.clamp(max=max_length)
    first = lengths - kept if truncating == "pre" else torch.zeros_like(lengths)  # first kept token
    steps = torch.arange(max_length, device=input_ids.device).unsqueeze(0)  # (1, max_length)
    token = steps - (max_length - kept) if padding == "pre" else steps  # which kept token lands here
    valid = (token >= 0) & (token < kept)
    source = (first + token).clamp(0, max(input_ids.shape[1] - 1, 0))
    if input_ids.shape[1] == 0:
        return input_ids.new_full((input_ids.shape[0], max_length), pad_id)
    return torch.where(valid, compact.gather(1, source), torch.full_like(source, pad_id))
