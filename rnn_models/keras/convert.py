"""Keras model file (+ its tokenizer file) -> `RNNForSequenceClassification` (+ tokenizer), in memory or saved.

The converted model runs in ``keras_compatible`` mode (every padded step, like Keras), re-padding its input
as the Keras app did (``config.keras_padding``), or in packed mode when the Embedding has ``mask_zero=True``
(Keras then skips padding, and so does packing). One case differs there: a text without any token, for
which Keras returns the initial state (NaN after a masked average) while the packed model runs one padding
step.
"""

import dataclasses
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..model.modeling_rnn import RNNForSequenceClassification
from ..text.keras_vocabulary import KerasVocabulary
from .architecture import KerasArchitecture, parse_architecture, to_rnn_config
from .files import keras_major_version, read_keras_config, read_layer_weights, weights_source
from .tokenizer_files import read_keras_tokenizer
from .weights import build_state_dict

__all__ = ["CONVERTED_FROM_FILE", "convert_keras", "from_keras"]

CONVERTED_FROM_FILE = "converted_from.json"  # the Keras file and major version a folder was converted from

_KERAS_SIDES = {"left": "pre", "right": "post"}  # transformers' padding / truncation side -> Keras's word


def _check_side(name: str, value: str) -> str:
    if value not in _KERAS_SIDES:
        raise ValueError(
            f"{name}={value!r} is invalid; expected 'left' (Keras 'pre') or 'right' (Keras 'post')."
        )
    return value


def _capped(vocabulary: KerasVocabulary, input_dim: int, where: str) -> KerasVocabulary:
    """The vocabulary with ``num_words`` at most the Embedding's ``input_dim`` (ids past it have no row)."""
    rows = vocabulary.num_words or max(vocabulary.word_index.values(), default=0) + 1
    if rows <= input_dim:
        return vocabulary
    warnings.warn(
        f"{where}: num_words={vocabulary.num_words} gives ids up to {rows - 1}, but the model's Embedding has "
        f"input_dim={input_dim}; num_words is set to {input_dim} (rarer words are dropped).",
        stacklevel=3,
    )
    return dataclasses.replace(vocabulary, num_words=input_dim)


def _max_length(arch: KerasArchitecture, max_length: int | None, model_name: str) -> int | None:
    if max_length is not None:
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"max_length={max_length!r} is invalid; expected an integer >= 1.")
        return max_length
    if arch.input_length is None and not arch.embedding.config.get("mask_zero", False):
        warnings.warn(
            f"{model_name}: the model does not record its input length; pass the maxlen its app padded to "
            "(--max_length), as scores depend on it.",
            stacklevel=3,
        )
    return arch.input_length


def from_keras(
    model_path: str | Path,
    tokenizer: str | Path | None = None,
    *,
    weights: str | Path | None = None,
    labels: Sequence[str] | None = None,
    max_length: int | None = None,
    padding_side: str = "left",
    truncation_side: str = "left",
    tokenizer_json: str | Path | None = None,
) -> tuple[RNNForSequenceClassification, Any]:
    """A Keras model (and its tokenizer file) as ``(RNNForSequenceClassification, tokenizer or None)``.

    ``model_path`` is a ``.keras`` archive, a legacy ``.h5`` model or a ``model.to_json()`` file;
    ``weights`` (optional, required for ``.json``) a Keras 3 ``.weights.h5`` or Keras 2 ``save_weights``
    file that replaces the model file's own weights. ``tokenizer`` is ``Tokenizer.to_json()`` output or a
    pickled ``Tokenizer`` (`read_keras_tokenizer`; ``tokenizer_json`` is its old name). ``max_length``
    (default: the model's input length), ``padding_side`` and ``truncation_side`` (``"left"``: Keras's
    ``"pre"``, the default; ``"right"``: ``"post"``) say how the app called ``pad_sequences``; the model
    and the tokenizer pad the same way. The model is returned in eval mode; its logits through the
    output activation (sigmoid or softmax) equal Keras ``model.predict`` on the same padded ids.

    Example (a tf.keras 2.15 model and tokenizer among the test data of a source checkout):
        >>> from rnn_models.model.problem_type import scores_from_logits
        >>> keras2 = Path(__file__).resolve().parents[2] / "tests" / "data" / "keras2"
        >>> model, tokenizer = from_keras(keras2 / "pooled_bigru_jigsaw.h5", keras2 / "tokenizer_tf215.pickle")
        >>> model.config.num_labels, model.config.problem_type
        (6, 'multi_label_classification')
        >>> logits = model(**tokenizer(["a great, great idea"], return_tensors="pt")).logits
        >>> scores_from_logits(logits, model.config).shape  # sigmoids, as Keras's model.predict gives
        torch.Size([1, 6])
    """
    model_path = Path(model_path)
    padding, truncating = (_KERAS_SIDES[_check_side(n, v)] for n, v in
                           (("padding_side", padding_side), ("truncation_side", truncation_side)))  # fmt: skip
    keras_config = read_keras_config(model_path)
    keras_major = keras_major_version(model_path, keras_config)
    arch = parse_architecture(keras_config, model_path.name, keras_major)
    config = to_rnn_config(arch, labels, model_path.name)
    length = _max_length(arch, max_length, model_path.name)
    if config.keras_compatible and length is not None:  # re-pad any input as the app did
        config.keras_padding, config.keras_truncating = padding, truncating
    config.max_length = length or config.max_length
    tokenizer = tokenizer if tokenizer is not None else tokenizer_json
    vocabulary = None if tokenizer is None else read_keras_tokenizer(tokenizer)  # its errors come first
    source, source_label = weights_source(model_path, weights)
    arrays = read_layer_weights(source, arch.weight_refs(), source_label)
    model = RNNForSequenceClassification(config)
    model.load_state_dict(build_state_dict(arch, arrays, source_label))
    model.apply_embedding_freeze()
    if vocabulary is None:
        return model.eval(), None
    from ..text.tokenization_rnn import RNNTokenizerFast  # only needed with a tokenizer

    fast = RNNTokenizerFast(
        keras_vocabulary=_capped(vocabulary, config.vocab_size, Path(tokenizer).name),
        model_max_length=config.max_length,
        padding_side=padding_side,
        truncation_side=truncation_side,
    )
    return model.eval(), fast


def convert_keras(
    model_path: str | Path,
    output_dir: str | Path,
    *,
    weights: str | Path | None = None,
    tokenizer: str | Path | None = None,
    labels: Sequence[str] | None = None,
    max_length: int | None = None,
    padding_side: str = "left",
    truncation_side: str = "left",
    overwrite: bool = False,
    tokenizer_json: str | Path | None = None,
) -> Path:
    """Converts a Keras model (+ tokenizer) with `from_keras` and saves it with ``save_pretrained``.

    Writes into a temporary folder next to ``output_dir`` and renames it into place, so a failed
    conversion leaves nothing half-written. An existing non-empty ``output_dir`` is replaced only with
    ``overwrite=True`` (`FileExistsError` otherwise).

    Example (the test data of a source checkout, as in `from_keras`):
        >>> import tempfile
        >>> keras2 = Path(__file__).resolve().parents[2] / "tests" / "data" / "keras2"
        >>> out = Path(tempfile.mkdtemp()) / "my-model"
        >>> convert_keras(keras2 / "pooled_bigru_jigsaw.h5", out, tokenizer=keras2 / "tokenizer_tf215.pickle") == out
        True
        >>> sorted(name for name in ("config.json", "model.safetensors", "tokenizer.json") if (out / name).is_file())
        ['config.json', 'model.safetensors', 'tokenizer.json']
    """
    output_dir = Path(output_dir)
    if not overwrite and output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise FileExistsError(f"{output_dir}: exists and is not empty; pass overwrite=True to replace it.")
    model, fast = from_keras(
        model_path,
        tokenizer if tokenizer is not None else tokenizer_json,
        weights=weights,
        labels=labels,
        max_length=max_length,
        padding_side=padding_side,
        truncation_side=truncation_side,
    )
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent))
    try:
        model.save_pretrained(staging)
        if fast is not None:
            fast.save_pretrained(staging)
        major = keras_major_version(model_path, read_keras_config(model_path))
        source = {"keras_file": Path(model_path).name, "keras_version": major}
        (staging / CONVERTED_FROM_FILE).write_text(json.dumps(source) + "\n", encoding="utf-8")
        _move_into_place(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output_dir


def _move_into_place(staging: Path, output_dir: Path) -> None:
    if not output_dir.exists():
        os.replace(staging, output_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.old-", dir=output_dir.parent))
    os.replace(output_dir, old / "previous")
    try:
        os.replace(staging, output_dir)
    except OSError:
        os.replace(old / "previous", output_dir)  # put the previous contents back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
