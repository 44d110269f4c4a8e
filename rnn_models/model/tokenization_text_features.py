"""The tokenizer that ships with a model reading raw-text features: Keras word ids plus the text's n-grams.

``tokenizer.json`` gives the Keras-exact ``input_ids`` as before; when the folder holds ``text_features.json``
(the default preset's), every call also returns ``text_feature_ids`` and ``text_feature_counts`` (see
`text_features`), padded with zeros to the longest row of the batch. Installed rnn-models uses its subclass
``RNNTokenizerFast``; where rnn-models is not installed, ``AutoTokenizer.from_pretrained(folder,
trust_remote_code=True)`` loads this class from the folder, so ``pipeline("text-classification")`` works on raw
strings either way.

Shipped next to the weights: imports only the standard library, transformers and `text_features` (which
imports numpy, `text_feature_counts` and `text_feature_arrays`).
"""

import json
import os
import shutil
from collections.abc import Mapping
from typing import Any

from transformers import BatchEncoding, TokenizersBackend

from .text_features import TextFeatureVocabulary

__all__ = ["FEATURE_KEYS", "TEXT_FEATURES_FILE", "RNNTextFeaturesTokenizer", "read_text_features"]

TEXT_FEATURES_FILE = "text_features.json"
FEATURE_KEYS = ("text_feature_ids", "text_feature_counts")
_IMPORTED_MODULES = ("text_features", "text_feature_counts", "text_feature_arrays")  # copied beside this one


def read_text_features(path: str) -> TextFeatureVocabulary:
    """`TextFeatureVocabulary` from ``text_features.json``; one-line errors that name the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{path}: cannot read it ({error}); expected the JSON a text-feature tokenizer saves."
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object with words, chars, word_range and char_range.")
    return TextFeatureVocabulary.from_dict(data, path)


def _padded(rows: list[list[int]]) -> list[list[int]]:
    width = max((len(row) for row in rows), default=0)
    return [list(row) + [0] * (width - len(row)) for row in rows]


class RNNTextFeaturesTokenizer(TokenizersBackend):
    """A ``TokenizersBackend`` that adds the raw text's n-gram features when it has a `TextFeatureVocabulary`.

    Example:
        >>> from rnn_models import RNNTokenizerFast
        >>> tok = RNNTokenizerFast.from_texts(["you are an idiot", "thanks, you idiot"], text_features=True)
        >>> encoding = tok(["you idiot!!", "thanks"], padding=True, return_tensors="pt")
        >>> sorted(encoding.keys()), tuple(encoding["text_feature_ids"].shape)[0]
        (['attention_mask', 'input_ids', 'text_feature_counts', 'text_feature_ids'], 2)
    """

    vocab_files_names = {"tokenizer_file": "tokenizer.json", "text_features_file": TEXT_FEATURES_FILE}
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, *args: Any, text_features_file: str | None = None,
                 text_features: TextFeatureVocabulary | None = None, **kwargs: Any) -> None:  # fmt: skip
        if text_features is None and text_features_file is not None and os.path.isfile(text_features_file):
            text_features = read_text_features(text_features_file)
        self.text_features = text_features
        super().__init__(*args, **kwargs)
        if text_features is not None:
            self.model_input_names = [*type(self).model_input_names, *FEATURE_KEYS]

    @classmethod
    def convert_to_native_format(cls, trust_remote_code: bool = False, **kwargs: Any) -> dict[str, Any]:
        return kwargs  # keeps tokenizer_file: tokenizer.json (the Keras-exact pipeline) loads as it is

    def _encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        return self.add_text_features(
            super()._encode_plus(text, text_pair, **kwargs), text, text_pair, kwargs
        )

    def add_text_features(
        self, encoding: BatchEncoding, text: Any, text_pair: Any, kwargs: dict
    ) -> BatchEncoding:
        """``encoding`` with the features of ``text`` (one string or a list), when this tokenizer has them."""
        if self.text_features is None or text_pair is not None or kwargs.get("is_split_into_words"):
            return encoding
        single, tensors = isinstance(text, str), kwargs.get("return_tensors")
        texts = [text] if single else list(text)
        if tensors is not None:  # arrays padded to the longest row, never lists
            ids, counts = self.text_features.padded_arrays(texts)
            if tensors == "pt":  # the arrays' own memory: BatchEncoding would copy them
                import torch

                ids, counts = torch.from_numpy(ids), torch.from_numpy(counts)
        else:
            pad = kwargs.get("padding_strategy", "do_not_pad") != "do_not_pad"
            ids, counts = self.text_features.batch(texts, pad=pad)
            if single:  # an unbatched call gives unbatched lists, as input_ids
                ids, counts = ids[0], counts[0]
        data = {**encoding, "text_feature_ids": ids, "text_feature_counts": counts}
        return BatchEncoding(data, encoding=encoding.encodings, tensor_type=tensors)

    def pad(self, encoded_inputs: Any, *args: Any, **kwargs: Any) -> BatchEncoding:
        """`TokenizersBackend.pad`, with the feature rows padded to the longest (transformers pads only ids)."""
        if (
            isinstance(encoded_inputs, (list, tuple))
            and encoded_inputs
            and isinstance(encoded_inputs[0], Mapping)
        ):
            encoded_inputs = {key: [row[key] for row in encoded_inputs] for key in encoded_inputs[0]}
        features = {}
        if isinstance(encoded_inputs, Mapping) and all(key in encoded_inputs for key in FEATURE_KEYS):
            encoded_inputs = dict(encoded_inputs)
            features = {key: encoded_inputs.pop(key) for key in FEATURE_KEYS}
        padded = super().pad(encoded_inputs, *args, **kwargs)
        if not features:
            return padded
        rows = {key: [list(map(int, row)) for row in value] for key, value in features.items()}
        data = {**padded, **{key: _padded(value) for key, value in rows.items()}}
        return BatchEncoding(data, tensor_type=kwargs.get("return_tensors"))

    def _save_pretrained(self, save_directory: str | os.PathLike, file_names: tuple[str, ...], *args: Any,
                         filename_prefix: str | None = None, **kwargs: Any) -> tuple[str, ...]:  # fmt: skip
        file_names = super()._save_pretrained(
            save_directory, file_names, *args, filename_prefix=filename_prefix, **kwargs
        )
        if self.text_features is None:
            return file_names
        prefix = filename_prefix + "-" if filename_prefix else ""
        path = os.path.join(save_directory, prefix + TEXT_FEATURES_FILE)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.text_features.to_dict(), handle, ensure_ascii=False)
        return (*file_names, path, *_save_remote_code(save_directory, prefix))


def _save_remote_code(save_directory: str | os.PathLike, prefix: str) -> list[str]:
    """This module and those it imports beside the tokenizer, named in ``auto_map``: where rnn-models is not
    installed, ``AutoTokenizer`` then loads this class with ``trust_remote_code=True``."""
    here = os.path.dirname(os.path.abspath(__file__))
    copied = []
    for module in (__name__.rsplit(".", 1)[-1], *_IMPORTED_MODULES):
        target = os.path.join(save_directory, module + ".py")
        if os.path.abspath(os.path.join(here, module + ".py")) != os.path.abspath(target):
            shutil.copyfile(os.path.join(here, module + ".py"), target)
        copied.append(target)
    config_path = os.path.join(save_directory, prefix + "tokenizer_config.json")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    config["auto_map"] = {"AutoTokenizer": [None, f"{__name__.rsplit('.', 1)[-1]}.RNNTextFeaturesTokenizer"]}
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return copied
