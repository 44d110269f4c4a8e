"""Tables in (CSV / TSV / JSON lines / parquet), the reference split, and tokenization with ``datasets``.

Missing texts (empty cells, nulls) become empty strings: the model sees an empty sequence. Keras's
notebook would have turned a NaN into the word "nan"; we do not invent words.
"""

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import datasets
import numpy as np
from sklearn.model_selection import train_test_split

__all__ = [
    "DEMO_DATA",
    "check_auc_defined",
    "check_both_classes",
    "load_dataset_split",
    "load_table",
    "read_tables",
    "reference_split",
    "tokenize_dataset",
]

DEMO_DATA = "demo"
_FORMATS: dict[str, tuple[str, dict]] = {
    ".csv": ("csv", {"keep_default_na": False}),
    ".tsv": ("csv", {"sep": "\t", "keep_default_na": False}),
    ".json": ("json", {}),
    ".jsonl": ("json", {}),
    ".parquet": ("parquet", {}),
}


def demo_data_path() -> Path:
    """The demo CSV shipped in the package: 1,500 real Jigsaw comments (some offensive), see its NOTICE."""
    return Path(str(resources.files("rnn_models") / "data" / "demo_comments.csv"))


def load_table(
    path: str | Path,
    text_column: str = "comment_text",
    label_columns: Sequence[str] | None = ("toxic",),
) -> datasets.Dataset:
    """Reads a table with ``datasets`` and checks its columns; ``path="demo"`` is the shipped demo CSV.

    Texts are returned as strings (missing ones as ""); labels must be 0 or 1. ``label_columns=None``
    reads texts only (for prediction).

    Example:
        >>> table = load_table("demo")
        >>> table.column_names[:2], set(table["toxic"]) == {0, 1}
        (['id', 'comment_text'], True)
    """
    path = demo_data_path() if str(path) == DEMO_DATA else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"{path}: unsupported file type {suffix!r}; expected one of {', '.join(_FORMATS)}")
    builder, options = _FORMATS[suffix]
    try:
        table = datasets.load_dataset(builder, data_files=str(path), split="train", **options)
    except Exception as error:  # datasets wraps pandas/pyarrow errors in several layers
        raise ValueError(f"{path}: could not be read as {builder}: {_root_cause(error)}") from error
    if table.num_rows == 0:
        raise ValueError(f"{path}: the file holds no rows")
    _check_columns(path, table, [text_column, *(label_columns or [])])
    table = table.map(_clean_texts, batched=True, fn_kwargs={"column": text_column}, desc="Reading texts")
    for column in label_columns or []:
        _check_labels(path, column, table[column])
    return table


def load_dataset_split(
    name: str,
    split: str,
    *,
    config_name: str | None = None,
    text_column: str = "comment_text",
    label_columns: Sequence[str] | None = ("toxic",),
) -> datasets.Dataset:
    """One split of a dataset with `datasets.load_dataset`: a local dataset folder or a Hub dataset id.

    A local folder holds data files (``train.csv``, ``data/test-*.parquet``, ... as on the Hub) or a
    dataset saved with ``save_to_disk``; anything else is looked up on the Hub. Columns and labels are
    checked and texts cleaned as in `load_table`.

    Example:
        >>> load_dataset_split("no/such-dataset-here", "train")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: no/such-dataset-here: not a local dataset folder, and not found on the Hub (...)
    """
    where = f"{name}[{split}]" if config_name is None else f"{name}, config {config_name}[{split}]"
    try:
        table = datasets.load_dataset(name, config_name, split=split)
    except Exception as error:  # datasets raises many types; each becomes one line
        first = _dataset_error(error)
        if not Path(name).exists() and isinstance(error, (ConnectionError, FileNotFoundError)):
            raise ValueError(
                f"{name}: not a local dataset folder, and not found on the Hub ({first})"
            ) from error
        raise ValueError(f"{where}: {first}") from error
    if not isinstance(table, datasets.Dataset):
        raise ValueError(f"{where}: expected a map-style dataset, got {type(table).__name__}")
    if table.num_rows == 0:
        raise ValueError(f"{where}: the split holds no rows")
    _check_columns(where, table, [text_column, *(label_columns or [])])
    table = table.map(_clean_texts, batched=True, fn_kwargs={"column": text_column}, desc="Reading texts")
    for column in label_columns or []:
        _check_labels(where, column, table[column])
    return table


def _dataset_error(error: Exception) -> str:
    """The informative line(s) of a `datasets.load_dataset` error, as one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if isinstance(error, datasets.exceptions.DatasetGenerationCastError):
        return " ".join(lines[1:4])  # which columns differ, and in which file
    cause = error
    while cause is not None and not hasattr(cause, "requested_column_names"):
        cause = cause.__cause__ or cause.__context__
    if cause is not None:  # datasets.table.CastError: data files of one configuration differ in columns
        found, wanted = (
            ", ".join(getattr(cause, key)) for key in ("table_column_names", "requested_column_names")
        )
        return f"All the data files must have the same columns; one has {found}, another {wanted}"
    if isinstance(error, datasets.exceptions.DatasetGenerationError):
        return _root_cause(error)
    return lines[0] if lines else type(error).__name__


def read_tables(data) -> tuple[datasets.Dataset, datasets.Dataset | None]:
    """The training table and the separate validation table, if any, from `DataArguments`-like ``data``:
    ``--train_file`` / ``--validation_file``, or ``--dataset_name`` with its splits.

    Example:
        >>> from rnn_models.training.job import DataArguments
        >>> read_tables(DataArguments(dataset_name="d", train_file="x.csv"))
        Traceback (most recent call last):
        ValueError: give --train_file or --dataset_name, not both (got x.csv and d)
    """
    columns = {"text_column": data.text_column, "label_columns": data.label_columns}
    if data.validation_split_name is not None and data.validation_file is not None:
        raise ValueError("give --validation_split_name or --validation_file, not both")
    if data.dataset_name is None:
        if data.validation_split_name is not None:
            raise ValueError(
                "--validation_split_name needs --dataset_name; with files, use --validation_file"
            )
        table = load_table(data.train_file, **columns)
    elif data.train_file != DEMO_DATA:
        raise ValueError(
            f"give --train_file or --dataset_name, not both (got {data.train_file} and {data.dataset_name})"
        )
    else:
        table = load_dataset_split(
            data.dataset_name, data.train_split, config_name=data.dataset_config_name, **columns
        )
    if data.validation_split_name is not None:
        split = data.validation_split_name
        return table, load_dataset_split(
            data.dataset_name, split, config_name=data.dataset_config_name, **columns
        )
    if data.validation_file is not None:
        return table, load_table(data.validation_file, **columns)
    return table, None


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return f"{type(error).__name__}: {error}".splitlines()[0]


def _check_columns(path: Path | str, table: datasets.Dataset, wanted: Sequence[str]) -> None:
    for column in wanted:
        if column not in table.column_names:
            raise ValueError(
                f"{path}: no column {column!r}; available columns: {', '.join(table.column_names)}"
            )


def _clean_texts(batch: dict, column: str) -> dict:
    return {column: ["" if text is None else str(text) for text in batch[column]]}


def _check_labels(path: Path | str, column: str, values: Sequence) -> None:
    for row, value in enumerate(values, start=1):
        if isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1)):
            continue
        raise ValueError(f"{path}: column {column!r}, data row {row}: expected a label 0 or 1, got {value!r}")


def reference_split(
    table: datasets.Dataset,
    label_columns: Sequence[str],
    *,
    validation_split: float = 0.2,
    seed: int = 42,
    max_rows: int | None = None,
) -> tuple[datasets.Dataset, datasets.Dataset]:
    """The notebook's split: the first ``max_rows`` rows, then sklearn's stratified ``train_test_split``.

    Rows and their order equal ``train_test_split(texts, y, stratify=y, random_state=seed,
    test_size=validation_split, shuffle=True)`` with ``y`` the first label column.

    Example:
        >>> train, valid = reference_split(load_table("demo"), ["toxic"], max_rows=100)
        >>> train.num_rows, valid.num_rows
        (80, 20)
    """
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split={validation_split!r} is invalid; expected a fraction in (0, 1)")
    if max_rows is not None:
        table = table.select(range(min(max_rows, table.num_rows)))
    strata = np.asarray(table[label_columns[0]]).astype(int)
    try:
        train_rows, valid_rows = train_test_split(
            np.arange(table.num_rows),
            test_size=validation_split,
            random_state=seed,
            shuffle=True,
            stratify=strata,
        )
    except ValueError as error:
        raise ValueError(
            f"cannot split {table.num_rows} rows stratified on {label_columns[0]!r}: {error}; "
            "use more rows or a separate --validation_file"
        ) from error
    return table.select(train_rows), table.select(valid_rows)


def tokenize_dataset(
    table: datasets.Dataset,
    tokenizer,
    text_column: str,
    label_columns: Sequence[str] | None,
    max_length: int,
) -> datasets.Dataset:
    """Adds ``input_ids``, ``attention_mask``, ``length`` (for length-grouped batches) and float ``labels``
    (and the raw-text features when the tokenizer gives them).

    Sequences are truncated like Keras (keeping the last ``max_length`` tokens, as the tokenizer's
    ``truncation_side`` says) and left unpadded: the collator pads each batch.
    """
    label_columns = list(label_columns or [])

    def encode(batch: dict) -> dict:
        encoded = tokenizer(batch[text_column], truncation=True, max_length=max_length)
        out = {
            "input_ids": encoded["input_ids"],
            "attention_mask": encoded["attention_mask"],
            "length": [len(ids) for ids in encoded["input_ids"]],
        }
        for key in ("text_feature_ids", "text_feature_counts"):  # a tokenizer with raw-text features
            if key in encoded:
                out[key] = encoded[key]
        if len(label_columns) == 1:
            out["labels"] = [float(v) for v in batch[label_columns[0]]]
        elif label_columns:
            columns = [batch[c] for c in label_columns]
            out["labels"] = [[float(v) for v in row] for row in zip(*columns, strict=True)]
        return out

    return table.map(encode, batched=True, remove_columns=table.column_names, desc="Tokenizing")


def check_both_classes(
    table: datasets.Dataset, label_columns: Sequence[str], name: str = "training rows"
) -> None:
    """Fails when a label of ``table`` has a single class: a model fitted per label (NB-LR) needs both.

    Example:
        >>> check_both_classes(datasets.Dataset.from_dict({"toxic": [0, 1], "threat": [0, 0]}), ["toxic", "threat"])
        Traceback (most recent call last):
        ValueError: the training rows hold only class 0 for 'threat' (2 rows); ...
    """
    for column in label_columns:
        classes = sorted(set(table[column]))
        if len(classes) < 2:
            raise ValueError(
                f"the {name} hold only class {classes[0] if classes else 'none'} for {column!r} ({table.num_rows} "
                "rows); the linear part needs both classes of every label: train on more rows (--max_rows) or "
                "leave this label out of --label_columns"
            )


def check_auc_defined(
    table: datasets.Dataset, label_columns: Sequence[str], name: str = "validation data"
) -> None:
    """Fails before training when no label of ``table`` has both classes: ROC AUC would be undefined.

    Example:
        >>> check_auc_defined(datasets.Dataset.from_dict({"toxic": [0, 0, 0]}), ["toxic"])
        Traceback (most recent call last):
        ValueError: the validation data holds only class 0 for 'toxic' (3 rows): ROC AUC is undefined; ...
    """
    single = {column: sorted(set(table[column])) for column in label_columns}
    if all(len(classes) < 2 for classes in single.values()):
        column = label_columns[0]
        only = single[column][0] if single[column] else "none"
        raise ValueError(
            f"the {name} holds only class {only} for {column!r} ({table.num_rows} rows): ROC AUC is undefined; "
            "use a larger --validation_split or a --validation_file with both classes"
        )
