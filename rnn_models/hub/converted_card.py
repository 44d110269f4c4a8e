"""The card of a model converted from Keras (``rnn-models convert-keras``): what it is, how to call it, how far
it matches Keras. A converted folder has no training run or evaluation to report, unlike a trained one
(`rnn_models.hub.model_card`); its owner knows the data it was trained on, this card does not.
"""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..model.problem_type import score_function
from ..text.tokenization_rnn import KERAS_TOKENIZER_FILE
from .model_card import architecture_text, front_matter

__all__ = ["CONVERTED_FROM_FILE", "render_converted_card"]

# What rnn_models.keras.convert_keras writes beside the weights; named here too, so that `push` and the card
# need no h5py (tests/test_keras2_fixtures.py checks the two names agree).
CONVERTED_FROM_FILE = "converted_from.json"

_SIDES = {"pre": 'left (Keras `"pre"`)', "post": 'right (Keras `"post"`)'}


def _outputs(config: dict[str, Any]) -> str:
    labels = [
        config.get("id2label", {}).get(str(i), f"LABEL_{i}") for i in range(len(config.get("id2label", {})))
    ]
    rule = SimpleNamespace(problem_type=config.get("problem_type"), num_labels=max(len(labels), 1))
    kind = {"none": "the logits as they are"}.get(
        score_function(rule), f"{score_function(rule)} of the logits"
    )
    return f"{', '.join(f'`{label}`' for label in labels) or '`LABEL_0`'} ({kind})"


def _tokenizer_note(folder: Path, config: dict[str, Any]) -> str:
    keras_json = folder / KERAS_TOKENIZER_FILE
    if not keras_json.is_file():
        return "No tokenizer was converted with it: it takes Keras token ids."
    word_index = json.loads(json.loads(keras_json.read_text(encoding="utf-8"))["config"]["word_index"])
    tokenizer = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    padding = config.get("keras_padding")
    text = (
        f"The tokenizer is the app's Keras `Tokenizer` ({len(word_index):,} words), id for id, padding on the "
        f"{tokenizer.get('padding_side', 'left')} and truncating on the {tokenizer.get('truncation_side', 'left')} "
        f"to {config.get('max_length')} tokens"
    )
    if padding:
        text += (
            f"; the model itself re-pads any input to {config['max_length']} tokens on the {_SIDES[padding]} "
            "side as the app did, so `pipeline` needs no padding arguments"
        )
    return text + "."


def render_converted_card(folder: str | Path, repo_id: str | None = None) -> str:
    """README.md text for a folder written by `rnn_models.keras.convert_keras` (its ``converted_from.json``
    names the Keras file); ``repo_id`` goes into the usage snippets (default: the folder's name).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "config.json").write_text('{"cell": "lstm", "hidden_size": 8, "id2label": {"0": "toxic"}}')
        >>> _ = (folder / "converted_from.json").write_text('{"keras_file": "model.h5", "keras_version": 2}')
        >>> card = render_converted_card(folder, "me/toxic-keras")
        >>> "converted from the Keras 2 model `model.h5`" in card, "LSTM(8)" in card, 'model="me/toxic-keras"' in card
        (True, True, True)
    """
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    source = json.loads((folder / CONVERTED_FROM_FILE).read_text(encoding="utf-8"))
    name = repo_id or folder.name
    saved_by = f"Keras {source['keras_version']} model `{source['keras_file']}`"
    mode = (
        "It runs every padded step as Keras did (`keras_compatible`)."
        if config.get("keras_compatible")
        else "Its Embedding masked the padding (`mask_zero=True`): it skips padding as Keras did."
    )
    tags = [
        "rnn",
        config.get("cell", "lstm"),
        "text-classification",
        "rnn-models",
        "keras",
        "converted-from-keras",
    ]
    return (
        front_matter(tags)
        + f"""
# {name}

A text classifier converted from the {saved_by} with rnn-models
(`rnn-models convert-keras`): {architecture_text(config)}. Outputs: {_outputs(config)}.

## Usage

```python
from transformers import pipeline

classify = pipeline("text-classification", model="{name}", trust_remote_code=True, top_k=None)
classify(["thank you for the helpful edit"])
```

The model code ships with the weights (torch and transformers only), hence `trust_remote_code=True`; with
`pip install rnn-models` it is not needed and `rnn-models predict --model {name} "some text"` works too.
{_tokenizer_note(folder, config)}

## How it matches Keras

{mode} For every layer rnn-models converts, its tests compare the converted model with Keras's
`model.predict` on the same padded ids to within 1e-5; this model's own weights were not compared with
Keras after conversion (Keras is not needed to convert).

## Limitations

This card knows the architecture and the tokenizer, not the data the model was trained on, its evaluation or
its biases: ask its owner. Words outside the tokenizer's vocabulary are dropped, as Keras's `Tokenizer` does.
"""
    )
