"""What a scoring run loaded, as a resumed run checks it: a Hub repository's commit, or a digest of each file of
a folder that the scorer reads.

``predict --output`` keeps it with its settings in the progress marker (`rnn_models.serving.partial_output`), so
``--resume`` refuses to finish a file with another model than the one that began it: a folder changed in place
(whatever its files' sizes and times say) or a repository that got a new commit is named in one line.
"""

import hashlib
from pathlib import Path

from .onnx_serving import ONNX_FILE

__all__ = ["SCORER_FILES", "model_fingerprint"]

# The files of a folder that loading reads (config, weights, the tokenizer's files: `load_model`), besides the
# weight shards an index names; `ONNX_FILE` too with ``--backend onnx``.
SCORER_FILES = (
    "config.json",
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "keras_tokenizer.json",
    "vectors_words.json",
    "text_features.json",
)
SHARD_PATTERNS = ("model-*-of-*.safetensors", "pytorch_model-*-of-*.bin")


def model_fingerprint(model: str, revision: str | None = None, backend: str = "torch") -> dict:
    """``{"model": model, ...}``: for a folder, the sha256 of each file the scorer reads (``"model file NAME
    (sha256)"``); for a Hub repository, the commit it was loaded from (``"model revision"``: ``revision``).

    Example:
        >>> model_fingerprint("user/some-model", revision="0123abcd")
        {'model': 'user/some-model', 'model revision': '0123abcd'}
    """
    folder = Path(model)
    if not folder.is_dir():
        return {"model": model, "model revision": revision}
    names = [*SCORER_FILES, *(ONNX_FILE,) * (backend == "onnx")]
    paths = [folder / name for name in names] + sorted(p for g in SHARD_PATTERNS for p in folder.glob(g))
    return {"model": model, **{f"model file {p.name} (sha256)": _sha256(p) for p in paths if p.is_file()}}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
