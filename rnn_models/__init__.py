"""GloVe + LSTM / GRU / BiLSTM text classifiers as Hugging Face models.

Importing the package registers the model family with the transformers Auto classes; it has no other
side effects (nothing is downloaded or read).
"""

from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification, AutoTokenizer

from .model.configuration_rnn import PRESETS, RNNConfig
from .model.modeling_rnn import RNNForSequenceClassification, RNNModel, RNNModelOutput, RNNPreTrainedModel
from .serving.explanations import explain
from .text.tokenization_rnn import KERAS_FILTERS, RNNTokenizerFast
from .training.summary import summary
from .vectors import (
    CoverageReport,
    EmbeddingMatrix,
    LoadStats,
    WordVectors,
    build_embedding_matrix,
    load_vectors,
    write_glove_text,
)

__all__ = [
    "KERAS_FILTERS",
    "PRESETS",
    "CoverageReport",
    "EmbeddingMatrix",
    "LoadStats",
    "RNNConfig",
    "RNNForSequenceClassification",
    "RNNModel",
    "RNNModelOutput",
    "RNNPreTrainedModel",
    "RNNTokenizerFast",
    "WordVectors",
    "build_embedding_matrix",
    "explain",
    "load_vectors",
    "summary",
    "write_glove_text",
]
__version__ = "0.1.0"

AutoConfig.register(RNNConfig.model_type, RNNConfig, exist_ok=True)
AutoModel.register(RNNConfig, RNNModel, exist_ok=True)
AutoModelForSequenceClassification.register(RNNConfig, RNNForSequenceClassification, exist_ok=True)
AutoTokenizer.register(RNNConfig, fast_tokenizer_class=RNNTokenizerFast, exist_ok=True)
# Saved folders then carry `auto_map` and the code files, for users without rnn-models installed.
RNNConfig.register_for_auto_class("AutoConfig")
RNNModel.register_for_auto_class("AutoModel")
RNNForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
