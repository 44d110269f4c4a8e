"""Keras tokenizer files as their owners saved them -> `KerasVocabulary`, without running anything they hold.

Three forms are read:

- ``Tokenizer.to_json()`` output (``tokenizer.json``), also when it was ``json.dump``-ed again (a JSON
  string holding the JSON);
- ``json.dump(tokenizer.word_index, f)``: the ids alone, the options taken as Keras's defaults (with a note);
- a pickled ``Tokenizer`` (``tokenizer.pkl`` / ``tokenizer.pickle``) of keras-preprocessing
  (``keras_preprocessing.text``), tf.keras 2.x (``keras.preprocessing.text``, ``keras.src.preprocessing.text``),
  tf-keras or Keras 3 (``keras.src.legacy.preprocessing.text``).

A pickle is a program: `_TokenizerUnpickler` builds nothing but the tokenizer's plain fields (dicts,
lists, strings, numbers, ``OrderedDict``, ``defaultdict(int)``) into an inert stand-in object, and refuses
any other class or function in one line, before anything of it runs. Neither Keras nor TensorFlow is needed.
"""

import collections
import io
import json
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

from ..text.keras_vocabulary import KerasVocabulary
from .files import check_not_lfs_pointer

__all__ = ["TOKENIZER_MODULES", "read_keras_tokenizer"]

# Where the pickled class lives, by release: keras-preprocessing / tf.keras <= 2.5, tf.keras 2.6-2.12,
# tf.keras 2.13-2.15, tf-keras (Keras 2 on TF 2.16+), Keras 3, and TensorFlow's own copies.
TOKENIZER_MODULES = (
    "keras_preprocessing.text",
    "keras.preprocessing.text",
    "keras.src.preprocessing.text",
    "tf_keras.src.preprocessing.text",
    "tf_keras.preprocessing.text",
    "keras.src.legacy.preprocessing.text",
    "keras.legacy.preprocessing.text",
    "tensorflow.keras.preprocessing.text",
    "tensorflow.python.keras.preprocessing.text",
)
_FIELDS = ("num_words", "oov_token", "filters", "lower", "split")


class _PickledTokenizer:
    """Inert stand-in for a pickled Keras ``Tokenizer``: unpickling only fills its ``__dict__``."""


def _reconstructor(cls: type, base: type, state: Any) -> Any:
    # Protocols 0 and 1 build objects through copyreg._reconstructor(cls, object, None).
    if cls is not _PickledTokenizer or base is not object or state is not None:
        raise pickle.UnpicklingError("copyreg._reconstructor of something other than a Keras Tokenizer")
    return _PickledTokenizer()


def _defaultdict(factory: Any = None, *args: Any) -> collections.defaultdict:
    if factory is not int or args:  # Keras's word_docs / index_docs are defaultdict(int)
        raise pickle.UnpicklingError(f"defaultdict({factory!r}) instead of defaultdict(int)")
    return collections.defaultdict(int)


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "defaultdict"): _defaultdict,
    ("builtins", "int"): int,
    ("builtins", "object"): object,
    ("copyreg", "_reconstructor"): _reconstructor,
}
# Pickle protocols 0-2 write Python 2's names for these (pickle's fix_imports).
_ALLOWED |= {
    ("__builtin__", "int"): int,
    ("__builtin__", "long"): int,
    ("__builtin__", "object"): object,
    ("copy_reg", "_reconstructor"): _reconstructor,
}


class _TokenizerUnpickler(pickle.Unpickler):
    """Resolves only the names a Keras ``Tokenizer`` pickle needs; anything else stops the load."""

    def find_class(self, module: str, name: str) -> Any:
        if name == "Tokenizer" and module in TOKENIZER_MODULES:
            return _PickledTokenizer
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise pickle.UnpicklingError(f"it asks for {module}.{name}")


def _from_pickle(data: bytes, where: str) -> KerasVocabulary:
    try:
        loaded = _TokenizerUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(
            f"{where}: not loaded ({error}); only pickles of a Keras Tokenizer (its word counts, index and "
            "options) are read, and nothing in them is run."
        ) from None
    if not isinstance(loaded, _PickledTokenizer):
        raise ValueError(f"{where}: the pickle holds a {type(loaded).__name__}, not a Keras Tokenizer.")
    return _vocabulary(vars(loaded), where)


def _vocabulary(fields: dict[str, Any], where: str) -> KerasVocabulary:
    """A tokenizer's fields (a pickle's ``__dict__`` or a ``to_json()`` config) as a `KerasVocabulary`."""
    if fields.get("char_level") or fields.get("analyzer") is not None:
        raise ValueError(f"{where}: a character-level Tokenizer or a custom analyzer is not supported.")
    try:
        options = {key: fields[key] for key in _FIELDS if key in fields}
        word_index, options = _assigned_index(dict(fields["word_index"]), options, where)
        return KerasVocabulary(
            dict(fields["word_counts"]), word_index, document_count=fields.get("document_count", 0), **options
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"{where}: not a fitted Keras Tokenizer ({error}).") from None


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
            stacklevel=4,
        )
    at_zero = [word for word, index in word_index.items() if index == 0]
    if at_zero:
        warnings.warn(
            f"{where}: {len(at_zero)} word(s) have index 0, the padding id ({', '.join(map(repr, at_zero[:3]))}): "
            "they are dropped.",
            stacklevel=4,
        )
        word_index = {word: index for word, index in word_index.items() if index != 0}
    return word_index, options


def _from_json(text: str, where: str) -> KerasVocabulary:
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
    except (json.JSONDecodeError, TypeError, KeyError) as error:
        raise ValueError(f"{where}: not a Keras Tokenizer.to_json() output ({error!r}).") from None
    if payload.get("class_name", "Tokenizer") != "Tokenizer":
        raise ValueError(f"{where}: expected a Keras Tokenizer, got {payload['class_name']}.")
    return _vocabulary(config, where)


_OOV_SPELLINGS = {"<oov>", "<unk>", "oov", "[unk]", "<unknown>", "unk"}


def _from_word_index(word_index: dict[str, int], where: str) -> KerasVocabulary:
    """``json.dump(tokenizer.word_index, f)``: the ids without the options, which are taken as Keras's defaults."""
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
        stacklevel=4,
    )
    return vocabulary


def _looks_like_pickle(data: bytes) -> bool:
    # Protocol 2+ starts with PROTO (0x80); protocols 0 / 1 with a GLOBAL ("c") or a MARK ("(").
    return data[:1] in (b"\x80", b"c", b"(")


def read_keras_tokenizer(path: str | os.PathLike) -> KerasVocabulary:
    """The fitted Keras ``Tokenizer`` saved in ``path``: ``to_json()`` output or a pickle (see module docstring).

    Example:
        >>> vocabulary = read_keras_tokenizer("tokenizer.pickle")  # doctest: +SKIP
        >>> vocabulary.texts_to_sequences(["the cat"])  # doctest: +SKIP
        [[1, 2]]
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ValueError(
            f"{path}: cannot read it ({error.strerror}); expected a Keras tokenizer file."
        ) from None
    check_not_lfs_pointer(path, data)
    if _looks_like_pickle(data):
        return _from_pickle(data, str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            f"{path}: neither JSON nor a pickle; expected Keras Tokenizer.to_json() output or a pickled Tokenizer."
        ) from None
    return _from_json(text, str(path))
