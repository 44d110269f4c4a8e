"""Keras-exact word-level tokenizer on 🤗 tokenizers, loadable with ``AutoTokenizer`` and no remote code.

It gives ``keras.preprocessing.text.Tokenizer`` + ``pad_sequences`` ids, id for id, and the whole recipe
lives in ``tokenizer.json``, so that a plain ``TokenizersBackend`` gives the same ids:

built by `rnn_models.text.tokenizer_json.build_backend` (a normalizer, a pre-tokenizer and a BPE without merges
used as a word lookup that drops unknown words).

Loading: ``tokenizer_config.json`` names ``RNNTokenizerFast``. After ``import rnn_models``, ``AutoTokenizer``
finds that registered class by name; elsewhere the name is unknown and transformers falls back to
``TokenizersBackend`` on the same ``tokenizer.json``: identical ids, no ``trust_remote_code``. (An
``auto_map`` entry would instead demand remote code.) Word counts and options go to ``keras_tokenizer.json``,
in Keras's ``Tokenizer.to_json()`` format. Batches of texts take a vectorized path (``keras_vocabulary``) that gives
the same ids 2x faster than tokenizer.json on the benchmark above, and far faster when padding to 1500;
single texts and what it does not cover (pairs, offsets, overflow...) go through tokenizer.json. Limits:
``split`` is one character; lone surrogates are refused (tokenizers cannot take them).
"""

import itertools
import json
import os
from typing import Any

import numpy as np
from transformers import BatchEncoding

from ..model.text_features import TextFeatureVocabulary
from ..model.tokenization_text_features import TEXT_FEATURES_FILE, RNNTextFeaturesTokenizer
from .keras_json import read_keras_json
from .keras_sequences import pad_batch, pad_lists, split_lists
from .keras_vocabulary import KERAS_FILTERS, KerasVocabulary
from .tokenizer_json import build_backend

__all__ = ["KERAS_FILTERS", "RNNTokenizerFast"]

KERAS_TOKENIZER_FILE = "keras_tokenizer.json"
VECTORS_WORDS_FILE = "vectors_words.json"  # words added from the vectors, in id order (a JSON list)
# _encode_plus arguments of the vectorized path; any other, or a true _RUST_ONLY one, goes to tokenizer.json.
_RUST_ONLY = ("is_split_into_words", "return_token_type_ids", "stride", "return_overflowing_tokens",
              "return_special_tokens_mask", "return_offsets_mapping", "return_length")  # fmt: skip
_FAST_ARGS = {"add_special_tokens", "padding_strategy", "truncation_strategy", "max_length", "pad_to_multiple_of",
              "padding_side", "return_tensors", "return_attention_mask", "verbose", "split_special_tokens",
              *_RUST_ONLY}  # fmt: skip


def _read_word_list(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            words = json.load(handle)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read it ({error}); expected a JSON list of words.") from None
    if not isinstance(words, list) or not all(map(str.__instancecheck__, words)):
        raise ValueError(f"{path}: expected a JSON list of words (str).")
    return words


def _positive(max_length: Any) -> int:
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"max_length={max_length!r} is invalid; expected an integer >= 1.")
    return max_length


class RNNTokenizerFast(RNNTextFeaturesTokenizer):
    r"""Keras ``Tokenizer`` + ``pad_sequences`` as a transformers fast tokenizer (see the module docstring).

    Build it with `from_texts` (Keras ``fit_on_texts``) or `from_keras_json`; ``tok(texts, padding="max_length",
    truncation=True, max_length=1500)["input_ids"]`` equals Keras ``pad_sequences(texts_to_sequences(texts),
    maxlen=1500)``. ``word_index`` and ``word_counts`` are Keras's dicts, in Keras's order.

    Example:
        >>> tok = RNNTokenizerFast.from_texts(["The cat sat.", "The dog; the END!"], max_length=4)
        >>> tok.word_index
        {'the': 1, 'cat': 2, 'sat': 3, 'dog': 4, 'end': 5}
        >>> tok(["the bird sat", "THE dog, the end, the end"], padding="max_length", truncation=True)["input_ids"]
        [[0, 0, 1, 3], [1, 5, 1, 5]]
    """

    vocab_files_names = {
        "tokenizer_file": "tokenizer.json",
        "keras_tokenizer_file": KERAS_TOKENIZER_FILE,
        "vectors_words_file": VECTORS_WORDS_FILE,
        "text_features_file": TEXT_FEATURES_FILE,
    }
    model_input_names = ["input_ids", "attention_mask"]
    padding_side = "left"
    truncation_side = "left"

    def __init__(self, *args: Any, keras_tokenizer_file: str | None = None, vectors_words_file: str | None = None,
                 keras_vocabulary: KerasVocabulary | None = None, **kwargs: Any) -> None:  # fmt: skip
        if keras_vocabulary is None:
            if keras_tokenizer_file is None:
                raise ValueError(f"RNNTokenizerFast needs {KERAS_TOKENIZER_FILE} (word counts and options).")
            keras_vocabulary = read_keras_json(keras_tokenizer_file)
            if vectors_words_file is not None:
                keras_vocabulary = keras_vocabulary.with_vectors_words(_read_word_list(vectors_words_file))
        self.keras_vocabulary = keras_vocabulary
        if kwargs.get("tokenizer_file") is None and kwargs.get("tokenizer_object") is None:
            # Set before TokenizersBackend.__init__, which uses it as is (a tokenizer_object is deep-copied).
            self._tokenizer = build_backend(keras_vocabulary)
        kwargs.setdefault("pad_token", "<pad>" + keras_vocabulary.split)
        kwargs.setdefault("split_special_tokens", True)
        # Keras "pre" padding and truncation; init kwargs are saved in tokenizer_config.json.
        kwargs.setdefault("padding_side", "left")
        kwargs.setdefault("truncation_side", "left")
        super().__init__(*args, **kwargs)

    @property
    def can_save_slow_tokenizer(self) -> bool:
        return False  # tokenizer_config.json then names "RNNTokenizerFast", not "RNNTokenizer"

    @classmethod
    def from_texts(cls, texts: Any, *, num_words: int | None = None, oov_token: str | None = None,
                   filters: str = KERAS_FILTERS, lower: bool = True, split: str = " ",
                   max_length: int = 1500,
                   text_features: TextFeatureVocabulary | bool | None = None) -> "RNNTokenizerFast":  # fmt: skip
        """Keras ``Tokenizer(num_words, filters, lower, split, oov_token=oov_token).fit_on_texts(texts)``.

        ``max_length`` becomes ``model_max_length`` (Keras ``pad_sequences(maxlen=...)``). ``text_features``: a
        `TextFeatureVocabulary`, or ``True`` to fit one on ``texts`` (`rnn_models.text.text_feature_fitting`): the
        tokenizer then also gives the raw text's n-grams (``text_feature_ids``, ``text_feature_counts``).

        Example:
            >>> tok = RNNTokenizerFast.from_texts(["b a b", "c"], num_words=3, oov_token="?")
            >>> tok.word_index, tok(["a b c d"])["input_ids"]
            ({'?': 1, 'b': 2, 'a': 3, 'c': 4}, [[1, 2, 1, 1]])
        """
        texts = list(texts) if text_features is True else texts  # read twice
        vocabulary = KerasVocabulary.fit(
            texts, num_words=num_words, oov_token=oov_token, filters=filters, lower=lower, split=split
        )
        if text_features is True:
            from .text_feature_fitting import fit_text_features

            text_features = fit_text_features(texts).vocabulary
        return cls(
            keras_vocabulary=vocabulary,
            model_max_length=_positive(max_length),
            text_features=text_features or None,
        )

    @classmethod
    def from_keras_json(
        cls, json_string_or_path: str | os.PathLike, *, max_length: int = 1500
    ) -> "RNNTokenizerFast":
        """The tokenizer of Keras ``Tokenizer.to_json()`` output (the JSON text or a file path), read by
        `rnn_models.text.keras_json.read_keras_json`: the reader and rules of ``rnn-models convert-keras`` too.

        Example:
            >>> keras_json = RNNTokenizerFast.from_texts(["x y y"]).keras_vocabulary.to_keras_json()
            >>> RNNTokenizerFast.from_keras_json(keras_json).word_index
            {'y': 1, 'x': 2}
        """
        vocabulary = read_keras_json(json_string_or_path)
        return cls(keras_vocabulary=vocabulary, model_max_length=_positive(max_length))

    @property
    def word_index(self) -> dict[str, int]:
        """Keras ``word_index`` (read-only): word -> index by count, descending, ties in first-seen order."""
        return self.keras_vocabulary.word_index

    @property
    def word_counts(self) -> dict[str, int]:
        """Keras ``word_counts``: word -> number of occurrences, in first-seen order."""
        return self.keras_vocabulary.word_counts

    @property
    def vectors_words(self) -> list[str]:
        """Words added from word vectors (`extend_from_vectors`), ids from ``keras_vocabulary.keras_rows`` on."""
        return self.keras_vocabulary.vectors_words

    @property
    def embedding_index(self) -> dict[str, int]:
        """Word -> row of the embedding matrix: the Keras rows (``word_index`` below ``num_words``), then the
        `vectors_words`. `rnn_models.build_embedding_matrix` fills the rows from this."""
        rows = self.keras_vocabulary.keras_rows
        return {w: i for w, i in self.word_index.items() if i < rows} | self.keras_vocabulary.vectors_index()

    @property
    def embedding_rows(self) -> int:
        """Rows of the embedding matrix: the Keras recipe's, plus one per word added from the vectors."""
        return self.keras_vocabulary.keras_rows + len(self.vectors_words)

    def extend_from_vectors(self, vectors: Any, max_words: int | None = None) -> "RNNTokenizerFast":
        """A tokenizer that also knows the first ``max_words`` words of ``vectors`` (all with None) that the
        vocabulary lacks, with ids after the Keras ids; the Keras ids stay as they are (``N = 0``: Keras).

        ``vectors`` is a `rnn_models.WordVectors` (or any object with ``words``) or a list of words, most
        frequent first, as word-vector files are ordered. Words the text splitting never gives (upper-case,
        punctuation) are skipped: no text could reach them.

        Example:
            >>> tok = RNNTokenizerFast.from_texts(["the cat sat"]).extend_from_vectors(["the", "dog", "Dog", "fox"], 1)
            >>> tok.vectors_words, tok(["the dog sat", "a fox"])["input_ids"]
            (['dog'], [[1, 4, 3], []])
        """
        if max_words is not None and (
            isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 0
        ):
            raise ValueError(f"max_words={max_words!r} is invalid; expected None (all) or an integer >= 0.")
        vocabulary = self.keras_vocabulary
        known = set(vocabulary.word_index).union(vocabulary.vectors_words)
        candidates = (
            w for w in getattr(vectors, "words", vectors) if w not in known and vocabulary.is_word(w)
        )
        added = list(dict.fromkeys(itertools.islice(candidates, max_words)))
        return type(self)(
            keras_vocabulary=vocabulary.with_vectors_words([*vocabulary.vectors_words, *added]),
            model_max_length=self.model_max_length,
            padding_side=self.padding_side,
            truncation_side=self.truncation_side,
            text_features=self.text_features,
        )

    def _save_pretrained(self, save_directory: str | os.PathLike, file_names: tuple[str, ...], *args: Any,
                         filename_prefix: str | None = None, **kwargs: Any) -> tuple[str, ...]:  # fmt: skip
        file_names = super()._save_pretrained(
            save_directory, file_names, *args, filename_prefix=filename_prefix, **kwargs
        )
        name = (filename_prefix + "-" if filename_prefix else "") + KERAS_TOKENIZER_FILE
        with open(os.path.join(save_directory, name), "w", encoding="utf-8") as handle:
            handle.write(self.keras_vocabulary.to_keras_json())
        # Written even when empty: a list left from an earlier save in the same folder must not be read back.
        words_name = (filename_prefix + "-" if filename_prefix else "") + VECTORS_WORDS_FILE
        with open(os.path.join(save_directory, words_name), "w", encoding="utf-8") as handle:
            json.dump(self.vectors_words, handle, ensure_ascii=False)
        return (*file_names, os.path.join(save_directory, name), os.path.join(save_directory, words_name))

    def _encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        """Batches of plain texts take the vectorized path; everything else goes through tokenizer.json."""
        if not self._takes_fast_path(text, text_pair, kwargs):
            return super()._encode_plus(text, text_pair, **kwargs)
        flat, lengths = self.keras_vocabulary.encode(list(text))
        max_length, padding = kwargs.get("max_length"), kwargs.get("padding_strategy", "do_not_pad")
        truncating = (
            max_length is not None
            and kwargs.get("truncation_strategy", "do_not_truncate") != "do_not_truncate"
        )
        kept = np.minimum(lengths, max_length) if truncating else lengths
        length = max_length if padding == "max_length" and max_length is not None else int(kept.max())
        if kept.max() > length:  # padding to max_length without truncation: longer sequences stay longer
            return super()._encode_plus(text, text_pair, **kwargs)
        if padding != "do_not_pad" and (multiple := kwargs.get("pad_to_multiple_of")):
            length = -(-length // multiple) * multiple
        with_mask = kwargs.get("return_attention_mask") is not False
        side = kwargs.get("padding_side") or self.padding_side
        if padding == "do_not_pad":
            ids, mask = split_lists(flat, lengths, max_length if truncating else None, self.truncation_side)
        elif kwargs.get("return_tensors") is None:  # lists: built from slices, never from a padded array
            ids, mask = pad_lists(flat, lengths, length, side, self.truncation_side, with_mask)
        else:
            ids, mask = pad_batch(flat, lengths, length, side, self.truncation_side, with_mask)
        data = {"input_ids": ids, "attention_mask": mask} if with_mask else {"input_ids": ids}
        encoding = BatchEncoding(data, tensor_type=kwargs.get("return_tensors"))
        return self.add_text_features(encoding, text, text_pair, kwargs)

    def _takes_fast_path(self, text: Any, text_pair: Any, kwargs: dict[str, Any]) -> bool:
        return (
            isinstance(text, (list, tuple))
            and len(text) > 0
            and all(map(str.__instancecheck__, text))
            and text_pair is None
            and kwargs.keys() <= _FAST_ARGS
            and not any(kwargs.get(name) for name in _RUST_ONLY)
            and kwargs.get("split_special_tokens", self.split_special_tokens) is not False
            and not (
                kwargs.get("padding_strategy", "do_not_pad") == "do_not_pad" and kwargs.get("return_tensors")
            )
            and len(self.added_tokens_decoder) == 1  # only the padding token: nothing added since
        )
