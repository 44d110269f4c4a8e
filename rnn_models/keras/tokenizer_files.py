"""Keras tokenizer files as their owners saved them -> `KerasVocabulary`, without running anything they hold.

Two kinds of file are read:

- JSON: ``Tokenizer.to_json()`` output, also double-encoded, or a ``word_index`` alone, through
  `rnn_models.text.keras_json` (the same reader, and the same rules, as `RNNTokenizerFast.from_keras_json`);
- a pickled ``Tokenizer`` (``tokenizer.pkl`` / ``tokenizer.pickle``) of keras-preprocessing
  (``keras_preprocessing.text``), tf.keras 2.x (``keras.preprocessing.text``, ``keras.src.preprocessing.text``),
  tf-keras or Keras 3 (``keras.src.legacy.preprocessing.text``).

A pickle is a program: `_TokenizerUnpickler` builds nothing but the tokenizer's plain fields (dicts,
lists, strings, numbers, ``OrderedDict``, ``defaultdict(int)``) into an inert stand-in object, and refuses
any other class or function in one line, before anything of it runs. Neither Keras nor TensorFlow is needed.
"""

import collections
import io
import os
import pickle
from pathlib import Path
from typing import Any

from ..text.keras_json import vocabulary_from_fields, vocabulary_from_json
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
    return vocabulary_from_fields(vars(loaded), where)


def _looks_like_pickle(data: bytes) -> bool:
    # Protocol 2+ starts with PROTO (0x80); protocols 0 / 1 with a GLOBAL ("c") or a MARK ("(").
    return data[:1] in (b"\x80", b"c", b"(")


def read_keras_tokenizer(path: str | os.PathLike) -> KerasVocabulary:
    """The fitted Keras ``Tokenizer`` saved in ``path``: ``to_json()`` output or a pickle (see module docstring).

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "tokenizer.json"
        >>> _ = path.write_text(KerasVocabulary.fit(["the cat", "the dog"]).to_keras_json())  # as Tokenizer.to_json()
        >>> read_keras_tokenizer(path).texts_to_sequences(["the cat", "a dog"])
        [[1, 2], [3]]
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
    return vocabulary_from_json(text, str(path))
