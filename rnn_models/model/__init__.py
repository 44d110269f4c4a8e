"""The model: exactly the files `save_pretrained` copies next to the weights and `trust_remote_code` runs.

They import only the standard library, torch, transformers (numpy, which transformers requires) and each
other (relative imports), so a saved folder works where rnn-models is not installed."""

from .configuration_rnn import DEFAULT_PRESET, NOTEBOOK_PRESETS, PRESETS, RNNConfig
from .modeling_rnn import RNNForSequenceClassification, RNNModel, RNNModelOutput, RNNPreTrainedModel
from .problem_type import score_function, scores_from_logits

__all__ = [
    "DEFAULT_PRESET",
    "NOTEBOOK_PRESETS",
    "PRESETS",
    "RNNConfig",
    "RNNForSequenceClassification",
    "RNNModel",
    "RNNModelOutput",
    "RNNPreTrainedModel",
    "score_function",
    "scores_from_logits",
]
