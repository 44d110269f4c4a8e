"""The one reader of Keras tokenizers saved as JSON, and the one set of rules for a tokenizer's fields.

`RNNTokenizerFast.from_keras_json` (and every saved folder's ``keras_tokenizer.json``) and ``rnn-models
convert-keras`` (`rnn_models.keras.tokenizer_files`, which also reads pickles through `vocabulary_from_fields`)
go through it, so a file loads the same way, with the same notes, wherever it is given. Three JSON forms:

- ``Tokenizer.to_json()`` output, also when it was ``json.dump``-ed again (a JSON string holding the JSON);
- ``json.dump(tokenizer.word_index, f)``: the ids alone, the options taken as Keras's defaults (with a note);

and for every form, a ``word_index`` assigned by hand rather than fitted loads with a note: an ``oov_token``
missing from it is dropped (Keras would give ``None`` for unknown words), and words at index 0, the padding
id, are dropped.
"""

import json
import os
import warnings
from typing import Any

from .keras_vocabulary import KerasVocabulary

__all__ = ["read_keras_json", "vocabulary_from_fields", "vocabulary_from_json"]

_FIELDS = ("num_words", "oov_token", "filters", "lower", "split")
_OOV_SPELLINGS = {"<oov>", "<unk>", "oov", "[unk]", "<unknown>", "unk"}


def read_keras_json(source: str | os.PathLike) -> KerasVocabulary:
    """The Keras tokenizer in ``source``: JSON text (see the module docstring for the forms) or a file's path.

    Example:
        >>> keras_json = KerasVocabulary.fit(["the cat", "the dog"]).to_keras_json()
        >>> read_keras_json(keras_json).word_index
        {'the': 1, 'cat': 2, 'dog': 3}
        >>> read_keras_json(json.dumps(keras_json)).word_index == read_keras_json(keras_json).word_index
        True
    """
    where = "Keras tokenizer JSON"
    if isinstance(source, os.PathLike) or not str(source).lstrip().startswith(("{", "[", '"')):
        where = os.fspath(source)
        try:
            with open(where, encoding="utf-8-sig") as handle:
                source = handle.read()
        except OSError as error:
            raise ValueError(
                f"{where}: cannot read it ({error.strerror}); expected a Keras tokenizer JSON file."
            ) from None
        except UnicodeDecodeError:
            raise ValueError(f"{where}: not UTF-8 text; expected Keras Tokenizer.to_json() output.") from None
    return vocabulary_from_json(str(source), where)


def vocabulary_from_json(text: str, where: str) -> KerasVocabulary:
    """The tokenizer of JSON ``text`` (``where`` names it in errors and notes).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True):
        ...     vocabulary_from_json('{"the": 1, "cat": 2}', "word_index.json").word_index
        {'the': 1, 'cat': 2}
    """
    try:
        payload = json.loads(text)
        if isinstance(payload, str):  # to_json() output json.dump-ed again: a JSON string of the JSON
            payload = json.loads(payload)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: not JSON ({error}); expected Keras Tokenizer.to_json() output.") from None
    is_index = isinstance(payload, dict) and "config" not in payload and bool(payload)
    if is_index and all(isinstance(value, int) and not isinstance(value, bool) for value in payload.values()):
        return _from_word_index(payload, where)
    try:  # to_json() keeps word_index and word_counts as JSON strings inside its config
        config = dict(payload["config"])
        config.update({key: json.loads(config[key]) for key in ("word_index", "word_counts")})
        class_name = payload.get("class_name", "Tokenizer")
    except (json.JSONDecodeError, TypeError, KeyError, ValueError, AttributeError) as error:
        raise ValueError(f"{where}: not a Keras Tokenizer.to_json() output ({error!r}).") from None
    if class_name != "Tokenizer":
        raise ValueError(f"{where}: expected a word-level Keras Tokenizer, got {class_name}.")
    return vocabulary_from_fields(config, where)


def vocabulary_from_fields(fields: dict[str, Any], where: str) -> KerasVocabulary:
    """A tokenizer's fields (a ``to_json()`` config or a pickle's ``__dict__``) as a `KerasVocabulary`.

    Example:
        >>> vocabulary_from_fields({"word_index": {"a": 1}, "word_counts": {"a": 3}}, "tokenizer").word_index
        {'a': 1}
    """
    if fields.get("char_level") or fields.get("analyzer") is not None:
        raise ValueError(
            f"{where}: expected a word-level Keras Tokenizer, got a character-level one (char_level=True) or a "
            "custom analyzer."
        )
    try:
        if not isinstance(fields["word_index"], dict) or not isinstance(fields["word_counts"], dict):
            raise TypeError("word_index and word_counts must be JSON objects")
        options = {key: fields[key] for key in _FIELDS if key in fields}
        word_index, options = _assigned_index(dict(fields["word_index"]), options, where)
        return KerasVocabulary(
            dict(fields["word_counts"]), word_index, document_count=fields.get("document_count", 0), **options
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{where}: not a fitted Keras Tokenizer ({error!r}).") from None
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _assigned_index(word_index: dict, options: dict, where: str) -> tuple[dict, dict]:
    """A ``word_index`` assigned by hand (``tokenizer.word_index = imdb.get_word_index()``), not fitted: Keras
    gives ``None`` for unknown words when its ``oov_token`` is missing from it (``pad_sequences`` then fails)
    and id 0, the padding id, to words indexed 0. Those are dropped instead, and a note says so."""
    oov_token = options.get("oov_token")
    if oov_token is not None and oov_token not in word_index:
        options = {**options, "oov_token": None}
        warnings.warn(
            f"{where}: oov_token={oov_token!r} is not in its word_index (set by hand?): Keras gives None for "
            "unknown words there; they are dropped instead.",
            stacklevel=2,
        )
    at_zero = [word for word, index in word_index.items() if index == 0]
    if at_zero:
        warnings.warn(
            f"{where}: {len(at_zero)} word(s) have index 0, the padding id ({', '.join(map(repr, at_zero[:3]))}): "
            "they are dropped.",
            stacklevel=2,
        )
        word_index = {word: index for word, index in word_index.items() if index != 0}
    return word_index, options


def _from_word_index(word_index: dict[str, int], where: str) -> KerasVocabulary:
    """``json.dump(tokenizer.word_index, f)``: the ids without the options, which are taken as Keras's defaults."""
    word_index, _ = _assigned_index(word_index, {}, where)
    if not word_index:
        raise ValueError(f"{where}: the word_index holds no word with an index >= 1.")
    first = min(word_index, key=word_index.get)
    oov_token = first if word_index[first] == 1 and first.lower() in _OOV_SPELLINGS else None
    top = max(word_index.values())
    counts = {word: top + 1 - index for word, index in word_index.items()}  # counts in the index's order
    try:
        vocabulary = KerasVocabulary(counts, dict(word_index), oov_token=oov_token)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    warnings.warn(
        f"{where}: holds a word_index alone; the Tokenizer's options are taken as Keras's defaults (filters, "
        f"lower=True, split=' ', num_words=None, oov_token={oov_token!r}): save tokenizer.to_json() if they differ.",
        stacklevel=2,
    )
    return vocabulary
