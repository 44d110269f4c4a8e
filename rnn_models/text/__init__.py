"""Text in: tables and splits, the Keras-exact tokenizer and its `tokenizer.json` pipeline."""

from .tokenization_rnn import KERAS_FILTERS, RNNTokenizerFast

__all__ = ["KERAS_FILTERS", "RNNTokenizerFast"]
