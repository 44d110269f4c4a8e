"""Keras model file (+ ``Tokenizer.to_json()``) -> `RNNForSequenceClassification` (+ tokenizer), in memory or saved.

The converted model runs in ``keras_compatible`` mode (every padded step, like Keras), or in packed mode
when the Embedding has ``mask_zero=True`` (Keras then skips padding, and so does packing). One case
differs there: a text without any token, for which Keras returns the initial state (NaN after a masked
average) while the packed model runs one padding step.
"""

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..modeling_rnn import RNNForSequenceClassification
from .architecture import parse_architecture, to_rnn_config
from .files import read_keras_config, read_layer_weights, weights_source
from .weights import build_state_dict

__all__ = ["convert_keras", "from_keras"]


def from_keras(
    model_path: str | Path,
    tokenizer_json: str | Path | None = None,
    *,
    weights: str | Path | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[RNNForSequenceClassification, Any]:
    """A Keras model (and its ``Tokenizer.to_json()``) as ``(RNNForSequenceClassification, tokenizer or None)``.

    ``model_path`` is a ``.keras`` archive, a legacy ``.h5`` model or a ``model.to_json()`` file;
    ``weights`` (optional, required for ``.json``) a Keras 3 ``.weights.h5`` or Keras 2 ``save_weights``
    file that replaces the model file's own weights. The model is returned in eval mode; its logits
    through the Dense activation (sigmoid or softmax) equal Keras ``model.predict`` on the same
    pre-padded ids.

    Example:
        >>> model, tokenizer = from_keras("model.keras", "tokenizer.json")  # doctest: +SKIP
        >>> probabilities = torch.sigmoid(model(torch.tensor(padded_ids)).logits)  # doctest: +SKIP
    """
    model_path = Path(model_path)
    arch = parse_architecture(read_keras_config(model_path), model_path.name)
    config = to_rnn_config(arch, labels, model_path.name)
    source, source_label = weights_source(model_path, weights)
    arrays = read_layer_weights(source, arch.weight_refs(), source_label)
    model = RNNForSequenceClassification(config)
    model.load_state_dict(build_state_dict(arch, arrays, source_label))
    model.apply_embedding_freeze()
    tokenizer = None
    if tokenizer_json is not None:
        from ..tokenization_rnn import RNNTokenizerFast  # only needed with a tokenizer

        tokenizer = RNNTokenizerFast.from_keras_json(tokenizer_json)
        if arch.input_length is not None:
            tokenizer.model_max_length = arch.input_length
    return model.eval(), tokenizer


def convert_keras(
    model_path: str | Path,
    output_dir: str | Path,
    *,
    weights: str | Path | None = None,
    tokenizer_json: str | Path | None = None,
    labels: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Converts a Keras model (+ tokenizer) with `from_keras` and saves it with ``save_pretrained``.

    Writes into a temporary folder next to ``output_dir`` and renames it into place, so a failed
    conversion leaves nothing half-written. An existing non-empty ``output_dir`` is replaced only with
    ``overwrite=True`` (`FileExistsError` otherwise).

    Example:
        >>> convert_keras("model.keras", "my-model", tokenizer_json="tokenizer.json")  # doctest: +SKIP
        PosixPath('my-model')
    """
    output_dir = Path(output_dir)
    if not overwrite and output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise FileExistsError(f"{output_dir}: exists and is not empty; pass overwrite=True to replace it.")
    model, tokenizer = from_keras(model_path, tokenizer_json, weights=weights, labels=labels)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent))
    try:
        model.save_pretrained(staging)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging)
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
