"""The model's initial weights: Keras's defaults for each kind of layer, sparing what ``from_pretrained`` loaded.

Shipped next to the weights: imports only torch and its sibling modules.
"""

import torch
from torch import nn

from .bag_of_ngrams import NgramLogits
from .text_feature_logits import TextFeatureLogits

__all__ = ["init_keras_weights", "loaded"]


def loaded(tensor: torch.Tensor) -> bool:
    """Whether ``from_pretrained`` filled ``tensor`` from the checkpoint (transformers marks it
    ``_is_hf_initialized``). transformers skips modules whose tensors were all loaded; a module loaded only in
    part reaches `_init_weights`, whose partial writes must then spare the loaded tensors. No public API says
    which tensors were loaded: transformers' own ``PreTrainedModel._init_weights`` reads the same mark (5.0 to
    5.25), and ``tests/model/test_transformers_contract.py`` fails if loaded values stop being kept.
    """
    return bool(getattr(tensor, "_is_hf_initialized", False))


@torch.no_grad()
def init_keras_weights(module: nn.Module, scale: float) -> None:
    """Keras defaults for ``module`` (`RNNPreTrainedModel._init_weights`): glorot-uniform kernels, orthogonal
    recurrent kernels, zero biases, LSTM forget bias 1, embeddings uniform in ``[-scale, scale]``.

    `nn.init` is looked up at call time on purpose: transformers guards it so loaded weights are kept; the
    two partial writes below (the padding row, the forget gate's bias) are not guarded, hence `loaded`.
    """
    if isinstance(module, nn.Embedding):
        # Drawn on a side copy of the RNG: the layers' initial weights must not depend on the vocabulary
        # size, so that words added from the vectors leave training on the same texts unchanged.
        with torch.random.fork_rng(devices=[]):
            nn.init.uniform_(module.weight, -scale, scale)
        if module.padding_idx is not None and not loaded(module.weight):
            module.weight[module.padding_idx].zero_()
    elif isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm1d):  # as transformers' default init, guarded for loaded weights
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
        nn.init.zeros_(module.running_mean)
        nn.init.ones_(module.running_var)
        nn.init.zeros_(module.num_batches_tracked)
    elif isinstance(module, TextFeatureLogits):  # fitted by the training job; a linear model starts at 0
        nn.init.zeros_(module.feature_weights.weight)
        nn.init.zeros_(module.bias)
    elif isinstance(module, NgramLogits):  # after its tables (children first): a linear model starts at 0
        for table in (module.char_ngram_weights, module.word_weights, module.word_pair_weights):
            nn.init.zeros_(table.weight)
    elif isinstance(module, nn.RNNBase):  # nn.LSTM, nn.GRU, nn.RNN and ResetBeforeGRU
        for name, param in module.named_parameters():
            if name.startswith("weight_ih"):
                nn.init.xavier_uniform_(param)
            elif name.startswith("weight_hh"):
                nn.init.orthogonal_(param)
            elif name.startswith("bias"):
                nn.init.zeros_(param)
                if isinstance(module, nn.LSTM) and name.startswith("bias_ih") and not loaded(param):
                    param[module.hidden_size : 2 * module.hidden_size] = 1.0  # forget gate
