"""GloVe + LSTM / GRU / BiLSTM text classifiers as Hugging Face models.

Importing the package registers the model family with the transformers Auto classes; it has no other
side effects (nothing is downloaded or read).
"""

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification

from .configuration_rnn import PRESETS, RNNConfig
from .modeling_rnn import RNNForSequenceClassification, RNNModel, RNNModelOutput, RNNPreTrainedModel
from .summary import summary

__all__ = [
    "PRESETS",
    "RNNConfig",
    "RNNForSequenceClassification",
    "RNNModel",
    "RNNModelOutput",
    "RNNPreTrainedModel",
    "summary",
]
__version__ = "0.1.0"

AutoConfig.register(RNNConfig.model_type, RNNConfig, exist_ok=True)
AutoModel.register(RNNConfig, RNNModel, exist_ok=True)
AutoModelForSequenceClassification.register(RNNConfig, RNNForSequenceClassification, exist_ok=True)
# Saved folders then carry `auto_map` and the code files, for users without rnn-models installed.
RNNConfig.register_for_auto_class("AutoConfig")
RNNModel.register_for_auto_class("AutoModel")
RNNForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
