"""A linear bag of hashed n-grams beside the recurrent encoder: the wide part of a wide-and-deep classifier.

Shipped next to the weights by ``save_pretrained`` (``modeling_rnn.py`` imports it): imports only the
standard library, torch and the configuration.

Why: a practitioner's first baseline on toxic comments, TF-IDF word and character n-grams + logistic
regression, beats the notebook's recurrent models, and most of its edge is in what word vectors lack:
misspelled and obfuscated words ("f*ck", "idiotttt") share character n-grams with words seen in
training, and a word pair is a feature no single vector holds. This module gives the classifier the
same features, learnt jointly with the encoder: each word's character n-grams (fastText's ``<word>``
n-grams, CRC32-hashed), the word itself and each pair of adjacent words, each with one weight per label.
A word's character n-grams are computed once from the vocabulary (`set_vocabulary`) and kept in a
buffer, so the model needs only token ids, as every other transformers model.
"""

import zlib
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .configuration_rnn import RNNConfig

__all__ = ["NgramLogits", "char_ngram_buckets"]

# Hashes a pair of adjacent token ids into one number (a prime larger than any vocabulary).
_BIGRAM_PRIME = 1_000_003


def char_ngram_buckets(word: str, low: int, high: int, buckets: int) -> list[int]:
    """The character n-grams of ``"<word>"`` (lengths ``low`` to ``high``) hashed into ``1 .. buckets - 1``.

    Bucket 0 is left for padding. CRC32 rather than Python's ``hash``: the buckets must be the same in
    every process, on every machine, in every later version.

    Example:
        >>> char_ngram_buckets("ab", 2, 3, 1000)  # "<a", "ab", "b>", "<ab", "ab>"
        [804, 951, 987, 761, 942]
    """
    marked = f"<{word}>"
    return [
        1 + zlib.crc32(marked[start : start + n].encode("utf-8")) % (buckets - 1)
        for n in range(low, high + 1)
        for start in range(len(marked) - n + 1)
    ]


class NgramLogits(nn.Module):
    """Per-label scores of a text's bag of n-grams: a linear model over hashed sparse features.

    Each text's score is the sum of its features' weights divided by the square root of their count
    (a bag normalised like TF-IDF's L2 norm of binary features), per feature family: character n-grams,
    words, word pairs. Weights start at zero and their learning rate is multiplied by
    ``config.ngram_learning_rate_scale`` (the weights are stored divided by it), because a linear model
    over sparse features needs larger steps than the encoder.

    Example:
        >>> import torch
        >>> from rnn_models import RNNConfig
        >>> config = RNNConfig(vocab_size=4, ngram_buckets=64, ngram_max_per_word=8)
        >>> ngrams = NgramLogits(config)
        >>> ngrams.set_vocabulary(["", "you", "idiot", "thanks"])
        >>> ngrams(torch.tensor([[0, 1, 2]]), torch.tensor([[0, 1, 1]])).shape  # starts at zero
        torch.Size([1, 1])
    """

    def __init__(self, config: RNNConfig):
        super().__init__()
        self.config = config
        labels, buckets = config.num_labels, config.ngram_buckets
        # (vocab_size, ngram_max_per_word): each word's character n-gram buckets, 0 = none.
        self.register_buffer(
            "word_char_ngrams", torch.zeros(config.vocab_size, config.ngram_max_per_word, dtype=torch.int32)
        )
        # Zero tables (given, so that building them draws nothing from the global RNG); padding rows get
        # no gradient because the forward multiplies them by the mask.
        self.char_ngram_weights = nn.Embedding(buckets, labels, _weight=torch.zeros(buckets, labels))
        self.word_weights = nn.Embedding(
            config.vocab_size, labels, _weight=torch.zeros(config.vocab_size, labels)
        )
        self.word_pair_weights = nn.Embedding(buckets, labels, _weight=torch.zeros(buckets, labels))

    def set_vocabulary(self, words: Sequence[str]) -> None:
        """Fills the character n-gram table from the words in id order (``words[i]`` is id ``i``).

        Padding and unused ids can be given as ``""``; they get no n-grams.
        """
        config = self.config
        if len(words) != config.vocab_size:
            raise ValueError(
                f"set_vocabulary got {len(words)} words, expected config.vocab_size={config.vocab_size} "
                "(one per id, padding included)"
            )
        table = torch.zeros(config.vocab_size, config.ngram_max_per_word, dtype=torch.int32)
        for index, word in enumerate(words):
            if word and index != config.pad_token_id:
                buckets = char_ngram_buckets(
                    word, config.ngram_min_chars, config.ngram_max_chars, config.ngram_buckets
                )
                buckets = buckets[: config.ngram_max_per_word]
                table[index, : len(buckets)] = torch.tensor(buckets, dtype=torch.int32)
        self.word_char_ngrams.copy_(table)

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(batch, seq_len)`` ids and a 0/1 mask of real tokens (real tokens contiguous) -> ``(batch, labels)``."""
        return self.token_logits(input_ids, mask).sum(dim=1)

    def token_logits(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """`forward` split over the tokens, ``(batch, seq_len, labels)``: each token gets its character n-grams'
        weights and its own, and half of each pair it is in (explanations read it; `forward` sums it). Per
        feature family the weights are divided by the square root of the text's count of that family."""
        real = mask.to(torch.bool)
        ids = input_ids.masked_fill(~real, 0)
        char_ngrams = self.word_char_ngrams[ids].long() * real.unsqueeze(-1)  # (batch, seq_len, per_word)
        present = char_ngrams > 0
        chars = (self.char_ngram_weights(char_ngrams) * present.unsqueeze(-1)).sum(
            2
        )  # (batch, seq_len, labels)
        dtype = chars.dtype
        chars = chars / _root_count(present.flatten(1), dtype)
        words = self.word_weights(ids) * real.unsqueeze(-1) / _root_count(real, dtype)
        pairs_real = real[:, 1:] & real[:, :-1]  # (batch, seq_len - 1)
        pairs = 1 + (ids[:, :-1] * _BIGRAM_PRIME + ids[:, 1:]) % (self.config.ngram_buckets - 1)
        pair_terms = self.word_pair_weights(pairs * pairs_real) * pairs_real.unsqueeze(-1)
        halves = pair_terms / (2 * _root_count(pairs_real, dtype))
        pair_shares = F.pad(halves, (0, 0, 0, 1)) + F.pad(halves, (0, 0, 1, 0))  # to the left and right token
        return (chars + words + pair_shares) * self.config.ngram_learning_rate_scale


def _root_count(present: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``sqrt(number of present features)`` per row, at least 1, shaped ``(batch, 1, 1)`` to divide per-token terms."""
    return present.sum(dim=1).clamp(min=1).to(dtype).sqrt().view(-1, 1, 1)
