"""On-disk cache of loaded word vectors: one small safetensors file per (vector file, vocabulary).

The entry's name comes from the file's resolved path (and zip member), the read options and a hash
of the vocabulary; its metadata also records the file's size and mtime. A load serves the entry only
when every recorded field matches and the tensors are consistent; anything else (a changed file, a
truncated or garbage entry) is ignored and rewritten. Entries are written to a temporary file first and
moved into place, so a crash never leaves a half-written entry behind.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .files import VectorFile
from .formats import LoadStats

__all__ = ["cache_entry", "default_cache_dir", "read_entry", "vocabulary_hash", "write_entry"]

logger = logging.getLogger(__name__)
FORMAT = "rnn_models.vectors/1"


def default_cache_dir() -> Path:
    """``$HF_HOME/rnn_models/vectors`` (HF_HOME defaults to ``~/.cache/huggingface``), read at call time."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache"), "huggingface"
    )
    return Path(home).expanduser() / "rnn_models" / "vectors"


def vocabulary_hash(words: Iterable[str], ordered: bool = True) -> str:
    """SHA-256 of the words, in the given order (``ordered=False`` sorts them first)."""
    words = list(words) if ordered else sorted(words)
    joined = "\0".join(words)
    if joined.count("\0") != max(len(words) - 1, 0):  # a word holds "\0": use an unambiguous encoding
        joined = json.dumps(words)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def cache_entry(
    vf: VectorFile, vocab_hash: str, errors: str, dim: int | None, cache_dir: Path | None = None
) -> tuple[Path, dict[str, str]]:
    """The entry's path and the metadata a valid entry must carry (file size and mtime included)."""
    identity = {
        "format": FORMAT,
        "path": str(vf.path),
        "member": vf.member or "",
        "errors": errors,
        "dim": str(dim or ""),
        "vocab": vocab_hash,
    }
    name = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:40]
    stat = vf.path.stat()
    key = {**identity, "size": str(stat.st_size), "mtime_ns": str(stat.st_mtime_ns)}
    return (cache_dir or default_cache_dir()) / f"{name}.safetensors", key


def read_entry(path: Path, key: dict[str, str]) -> tuple[list[str], np.ndarray, LoadStats] | None:
    """The cached ``(words, matrix, stats)``, or None when missing, stale or unreadable."""
    if not path.is_file():
        return None
    from safetensors import safe_open

    try:
        with safe_open(path, framework="np") as entry:
            metadata = entry.metadata() or {}
            if any(metadata.get(field) != value for field, value in key.items()):
                logger.info("Vectors cache entry %s is stale; rebuilding it.", path)
                return None
            matrix = entry.get_tensor("matrix")
        words = json.loads(metadata["words"])
        stats = LoadStats(**json.loads(metadata["stats"]))
        if (
            not isinstance(words, list)
            or matrix.dtype != np.float32
            or matrix.shape != (len(words), int(metadata["dim_read"]))
        ):
            raise ValueError(f"inconsistent entry: {len(words)} words, matrix {matrix.dtype} {matrix.shape}")
    except Exception as error:  # whatever is wrong with the file, it is rebuilt, never trusted
        logger.warning("Ignoring unreadable vectors cache entry %s (%s); rebuilding it.", path, error)
        return None
    stats.from_cache = True
    return words, matrix, stats


def write_entry(
    path: Path, key: dict[str, str], words: list[str], matrix: np.ndarray, stats: LoadStats
) -> None:
    """Writes the entry atomically; a cache that cannot be written is reported and skipped."""
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    metadata = {
        **key,
        "dim_read": str(matrix.shape[1]),
        "words": json.dumps(words),
        "stats": json.dumps({**asdict(stats), "from_cache": False}),
    }
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
        os.close(fd)
        os.chmod(tmp, 0o644)  # mkstemp makes the file owner-only; cache files are normally readable
        save_file({"matrix": np.ascontiguousarray(matrix, dtype=np.float32)}, tmp, metadata=metadata)
        os.replace(tmp, path)
    except (OSError, SafetensorError) as error:
        logger.warning("Could not write the vectors cache entry %s: %s", path, error)
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
