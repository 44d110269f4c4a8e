"""Scores written to a file, Kaggle style: a key column (``id``) then one score column per label.

The file is written beside its final path under a temporary name and then renamed into place, so a
reader never sees half a file; an existing file is only replaced with ``overwrite=True``.
"""

import csv
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["OUTPUT_FORMATS", "check_output_path", "write_scores"]

OUTPUT_FORMATS = (".csv", ".tsv", ".jsonl")


def check_output_path(path: str | Path, overwrite: bool = False) -> Path:
    """Fails early (before any scoring) on an output that exists, a missing folder or an unknown type.

    Example:
        >>> check_output_path("submission.xlsx")
        Traceback (most recent call last):
        ValueError: submission.xlsx: unsupported output type '.xlsx'; expected one of .csv, .tsv, .jsonl
    """
    path = Path(path)
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise ValueError(
            f"{path}: unsupported output type {path.suffix.lower()!r}; expected one of {', '.join(OUTPUT_FORMATS)}"
        )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path.parent}: no such folder for --output")
    return path


def write_scores(
    path: str | Path,
    key_name: str,
    keys: Iterable,
    label_names: Sequence[str],
    scores: np.ndarray,
    *,
    overwrite: bool = False,
) -> Path:
    """Writes ``key_name`` then one column per label (scores rounded to 6 digits, as `predict` prints them).

    CSV (``.csv``), TSV (``.tsv``) or JSON lines (``.jsonl``), by the file's suffix.

    Example:
        >>> import numpy as np, tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     out = write_scores(f"{folder}/submission.csv", "id", ["a1", "b2"], ["toxic"], np.array([[0.25], [0.9]]))
        ...     print(out.read_text())
        id,toxic
        a1,0.25
        b2,0.9
        <BLANKLINE>
    """
    path = check_output_path(path, overwrite)
    names = list(label_names)
    rows = (
        {key_name: key, **{name: round(float(s), 6) for name, s in zip(names, row, strict=True)}}
        for key, row in zip(keys, np.asarray(scores), strict=True)
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder: the rename stays atomic
    try:
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            if path.suffix.lower() == ".jsonl":
                handle.writelines(json.dumps(row) + "\n" for row in rows)
            else:
                delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
                writer = csv.DictWriter(handle, fieldnames=[key_name, *names], delimiter=delimiter)
                writer.writeheader()
                writer.writerows(rows)
        _publish(tmp, path, overwrite)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Renames ``tmp`` to ``path``; without ``overwrite`` a hard link, which fails if ``path`` appeared meanwhile."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} exists; pass --overwrite to replace it") from None
    except OSError:  # no hard links on this file system: the check above is the guard
        if path.exists():
            raise FileExistsError(f"{path} exists; pass --overwrite to replace it") from None
        os.replace(tmp, path)
        return
    tmp.unlink()
