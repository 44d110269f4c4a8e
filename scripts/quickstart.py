"""Builds the three reference models at GloVe 300-d size and prints their Keras-like summaries."""

from rnn_models import PRESETS, RNNConfig, RNNForSequenceClassification, summary

if __name__ == "__main__":
    for preset in PRESETS:
        summary(RNNForSequenceClassification(RNNConfig.from_preset(preset, vocab_size=20_000)))
