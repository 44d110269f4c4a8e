"""Scores written to a file, Kaggle style: a key column (``id``) then one score column per label.

The file is written beside its final path under a temporary name and then renamed into place, so a
reader never sees half a file; an existing file is only replaced with ``overwrite=True``. `write_text_file`
writes any text that way (``evaluate --output``'s JSON), `check_output_path` checks an output before the slow part.
"""

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["OUTPUT_FORMATS", "ScoreFormat", "check_output_path", "publish", "write_scores", "write_text_file"]

OUTPUT_FORMATS = (".csv", ".tsv", ".jsonl")


def check_output_path(
    path: str | Path, overwrite: bool = False, formats: Sequence[str] | None = OUTPUT_FORMATS
) -> Path:
    """Fails early (before any scoring) on an output that exists, a missing folder or a type not in ``formats``
    (None: any; ``evaluate --output`` writes JSON whatever the name).

    Example:
        >>> check_output_path("submission.xlsx")
        Traceback (most recent call last):
        ValueError: submission.xlsx: unsupported output type '.xlsx'; expected one of .csv, .tsv, .jsonl
        >>> check_output_path("no/such/folder/roc.json", formats=None)
        Traceback (most recent call last):
        FileNotFoundError: no/such/folder: no such folder for --output
    """
    path = Path(path)
    if formats is not None and path.suffix.lower() not in formats:
        raise ValueError(
            f"{path}: unsupported output type {path.suffix.lower()!r}; expected one of {', '.join(formats)}"
        )
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path.parent}: no such folder for --output")
    return path


class ScoreFormat:
    """The text of a score file, in pieces: `header` then `rows` of any number of chunks, in order.

    ``suffix``: ``.csv``, ``.tsv`` or ``.jsonl`` (JSON lines, as `predict` prints them; no header). Scores are
    rounded to 6 digits; a NaN score is written as ``nan`` (CSV / TSV) or ``NaN`` (JSON lines). With
    ``explained`` labels (``predict --explain``) each row also gets its explanation (label -> ``{"logit",
    "baseline_logit", "words"}``, `rnn_models.serving.explanations.LabelExplanation.to_dict`): a JSON line holds
    it whole under ``"explanations"``; CSV / TSV add one column ``<label>_words`` per explained label after the
    scores, the label's words as a JSON list of ``{"word", "start", "end", "contribution"}``.

    Example:
        >>> import numpy as np
        >>> out = ScoreFormat(".csv", "id", ["toxic"])
        >>> print(out.header() + out.rows(["a1", "b2"], np.array([[0.25], [np.nan]])), end="")
        id,toxic
        a1,0.25
        b2,nan
        >>> out = ScoreFormat(".csv", "id", ["toxic"], explained=["toxic"])
        >>> word = {"word": "idiot!", "start": 4, "end": 10, "contribution": 2.5}
        >>> why = [{"toxic": {"logit": 1.0, "baseline_logit": -2.0, "words": [word]}}]
        >>> print(out.header() + out.rows(["a1"], np.array([[0.73]]), why), end="")
        id,toxic,toxic_words
        a1,0.73,"[{""word"": ""idiot!"", ""start"": 4, ""end"": 10, ""contribution"": 2.5}]"
    """

    def __init__(self, suffix: str, key_name: str, label_names: Sequence[str], explained: Sequence[str] = ()):
        self.suffix = suffix.lower()
        self.key_name = key_name
        self.names = list(label_names)
        self.explained = list(explained)

    def header(self) -> str:
        """The first line (CSV / TSV), or "" (JSON lines)."""
        if self.suffix == ".jsonl":
            return ""
        words = [f"{name}_words" for name in self.explained]
        return self._csv([[self.key_name, *self.names, *words]])

    def rows(self, keys: Iterable, scores: np.ndarray, explanations: Sequence[dict] | None = None) -> str:
        """One line per key, in the order given; ``explanations``: one dict per key when labels are ``explained``."""
        rounded = [
            (key, [round(float(s), 6) for s in row])
            for key, row in zip(keys, np.asarray(scores), strict=True)
        ]
        if bool(self.explained) != (explanations is not None):
            raise ValueError("ScoreFormat: give explanations exactly when labels are explained")
        why = explanations if explanations is not None else [None] * len(rounded)
        if len(why) != len(rounded):
            raise ValueError(f"ScoreFormat: {len(why)} explanations for {len(rounded)} rows")
        if self.suffix == ".jsonl":
            return "".join(
                json.dumps(
                    {
                        self.key_name: key,
                        **dict(zip(self.names, row, strict=True)),
                        **({"explanations": explained} if explained is not None else {}),
                    }
                )
                + "\n"
                for (key, row), explained in zip(rounded, why, strict=True)
            )
        return self._csv(
            [
                [
                    key,
                    *row,
                    *(
                        []
                        if explained is None
                        else [json.dumps(explained[n]["words"]) for n in self.explained]
                    ),
                ]
                for (key, row), explained in zip(rounded, why, strict=True)
            ]
        )

    def _csv(self, lines: list[list]) -> str:
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter="\t" if self.suffix == ".tsv" else ",").writerows(lines)
        return buffer.getvalue()


def write_scores(
    path: str | Path,
    key_name: str,
    keys: Iterable,
    label_names: Sequence[str],
    scores: np.ndarray,
    *,
    overwrite: bool = False,
    explanations: Sequence[dict] | None = None,
) -> Path:
    """Writes ``key_name`` then one column per label (scores rounded to 6 digits, as `predict` prints them).

    CSV (``.csv``), TSV (``.tsv``) or JSON lines (``.jsonl``), by the file's suffix; ``explanations`` (one
    dict per key) adds the columns `ScoreFormat` describes.

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
    explained = list(explanations[0]) if explanations else []  # the labels each row's explanation holds
    form = ScoreFormat(path.suffix, key_name, label_names, explained=explained)
    text = form.header() + form.rows(keys, scores, explanations if explained else None)
    return write_text_file(path, text, overwrite, formats=OUTPUT_FORMATS)


def write_text_file(
    path: str | Path, text: str, overwrite: bool = False, formats: Sequence[str] | None = None
) -> Path:
    """Writes ``text`` (as it is, UTF-8) under a temporary name beside ``path``, renamed into place (`publish`);
    checked first by `check_output_path` with ``formats``.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     print(write_text_file(f"{folder}/roc.json", '{"roc_auc": 0.9}\\n').read_text(), end="")
        {"roc_auc": 0.9}
    """
    path = check_output_path(path, overwrite, formats)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder: the rename stays atomic
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        publish(tmp, path, overwrite)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def publish(tmp: Path, path: Path, overwrite: bool) -> None:
    """Renames ``tmp`` to ``path``; without ``overwrite`` a hard link, which fails if ``path`` appeared meanwhile.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     tmp = Path(folder, ".out.tmp"); _ = tmp.write_text("done")
        ...     publish(tmp, Path(folder, "out.csv"), overwrite=False)
        ...     sorted(p.name for p in Path(folder).iterdir())
        ['out.csv']
    """
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
