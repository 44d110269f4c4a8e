"""Tables read in chunks of rows, for scoring tables of any size in bounded memory.

CSV / TSV (pandas' chunked reader, ids and texts as the file spells them), JSON lines (one ``json.loads``
per line), parquet (pyarrow record batches) and `datasets` datasets (map-style slices, or a streamed
``IterableDataset``). Every reader yields the chunks in order, numbered from 0, each ``chunk_rows`` rows
(the last one fewer); a chunk another process scores (``wanted(index)`` false) comes back without its rows
when the format can skip them. Missing texts become "" as in `rnn_models.text.tables.load_table`; a broken
row or a bad label fails in one line naming the file and the line or data row.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .tables import DEMO_DATA, demo_data_path

__all__ = ["TableChunk", "TableSource", "iter_table_chunks"]

_SEPARATORS = {".csv": ",", ".tsv": "\t"}
_FILE_TYPES = (".csv", ".tsv", ".json", ".jsonl", ".parquet")


@dataclass(frozen=True)
class TableSource:
    """Where the rows come from: a ``file``, or a ``dataset_name`` with its ``split`` (``streaming``: read
    as it downloads, never stored whole)."""

    file: str | None = None
    dataset_name: str | None = None
    split: str | None = None
    config_name: str | None = None
    streaming: bool = False

    @property
    def name(self) -> str:
        """How errors name the table.

        Example:
            >>> TableSource(dataset_name="d", split="test").name
            'd[test]'
        """
        return self.file if self.file else f"{self.dataset_name}[{self.split}]"


@dataclass
class TableChunk:
    """Rows ``first_row`` .. ``first_row + num_rows - 1`` (0-based data rows) of a table: chunk ``index``.

    ``texts`` (cleaned), ``keys`` (the ``id`` column, else None) and ``labels`` (one list per label column)
    are empty for a chunk read for its row count only (another process's)."""

    index: int
    first_row: int
    num_rows: int
    texts: list[str] = field(default_factory=list)
    keys: list | None = None
    labels: list[list] = field(default_factory=list)


def iter_table_chunks(
    source: TableSource,
    text_column: str,
    label_columns: Sequence[str] | None,
    chunk_rows: int,
    wanted: Callable[[int], bool] = lambda index: True,
) -> Iterator[TableChunk]:
    """The chunks of ``source`` in order; the columns are checked before the first chunk comes back.

    Example:
        >>> chunks = iter_table_chunks(TableSource(file="demo"), "comment_text", ["toxic"], chunk_rows=1000)
        >>> [(c.index, c.first_row, c.num_rows, len(c.texts)) for c in chunks]
        [(0, 0, 1000, 1000), (1, 1000, 500, 500)]
    """
    if chunk_rows < 1:
        raise ValueError(f"--chunk_rows {chunk_rows}: expected a positive number of rows")
    columns = [text_column, *(label_columns or [])]
    if source.file:
        path = demo_data_path() if source.file == DEMO_DATA else Path(source.file)
        batches = _file_batches(path, columns, chunk_rows, wanted)
    else:
        batches = _dataset_batches(source, columns, chunk_rows, wanted)
    first_row, index = 0, 0
    for index, (num_rows, batch) in enumerate(batches):
        chunk = TableChunk(index, first_row, num_rows)
        if batch is not None:
            chunk.texts = ["" if text is None else str(text) for text in batch[text_column]]
            chunk.keys = batch.get("id")
            chunk.labels = [_checked_labels(source.name, c, batch[c], first_row) for c in label_columns or []]
        yield chunk
        first_row += num_rows
    if first_row == 0:
        raise ValueError(f"{source.name}: the table holds no rows")


def _checked_labels(name: str, column: str, values: Sequence, first_row: int) -> list:
    labels = []
    for row, value in enumerate(values, start=first_row + 1):
        if isinstance(value, str) and value.strip() in ("0", "1"):  # a CSV chunk whose column holds text
            value = int(value)
        if not (isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1))):
            raise ValueError(
                f"{name}: column {column!r}, data row {row}: expected a label 0 or 1, got {value!r}"
            )
        labels.append(value)
    return labels


def _check_columns(name: str, found: Sequence[str], wanted: Sequence[str]) -> None:
    for column in wanted:
        if column not in found:
            raise ValueError(f"{name}: no column {column!r}; available columns: {', '.join(found)}")


Batches = Iterator[tuple[int, dict | None]]  # (rows, {column: values} or None when not wanted)


def _file_batches(path: Path, columns: list[str], chunk_rows: int, wanted: Callable[[int], bool]) -> Batches:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in _SEPARATORS:
        return _csv_batches(path, _SEPARATORS[suffix], columns, chunk_rows, wanted)
    if suffix in (".json", ".jsonl"):
        return _json_lines_batches(path, columns, chunk_rows, wanted)
    if suffix == ".parquet":
        return _parquet_batches(path, columns, chunk_rows, wanted)
    raise ValueError(f"{path}: unsupported file type {suffix!r}; expected one of {', '.join(_FILE_TYPES)}")


def _csv_batches(path: Path, sep: str, columns: list[str], chunk_rows: int, wanted) -> Batches:
    import pandas as pd

    try:
        header = pd.read_csv(path, sep=sep, nrows=0).columns.tolist()
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: could not be read as csv: {_first_line(error)}") from error
    _check_columns(str(path), header, columns)
    as_text = {column: str for column in ("id", columns[0]) if column in header}  # as the file spells them
    # Every column is parsed (no usecols): pandas then checks each row's field count and names a broken line.
    reader = pd.read_csv(path, sep=sep, keep_default_na=False, dtype=as_text, chunksize=chunk_rows)
    used = _used(header, columns)
    index = 0
    while True:
        try:
            frame = next(reader)
        except StopIteration:
            return
        except (ValueError, UnicodeDecodeError) as error:  # pandas' ParserError names the line
            raise ValueError(f"{path}: {_first_line(error)}") from error
        yield len(frame), ({c: frame[c].tolist() for c in used} if wanted(index) else None)
        index += 1


def _used(header: Sequence[str], columns: list[str]) -> list[str]:
    return [c for c in header if c in columns or c == "id"]


def _json_lines_batches(path: Path, columns: list[str], chunk_rows: int, wanted) -> Batches:
    keep = [*columns, "id"]
    rows: list[dict] = []
    count, index, has_id = 0, 0, None
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"{path}:{lineno}: not a JSON object: {error.msg} (column {error.colno})"
                ) from error
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{lineno}: not a JSON object: {line.strip()[:40]}")
            if has_id is None:
                _check_columns(str(path), list(row), columns)
                has_id = "id" in row
            count += 1
            if wanted(index):
                rows.append(row)
            if count == chunk_rows:
                yield count, _columns(rows, keep, has_id) if wanted(index) else None
                rows, count, index = [], 0, index + 1
    if count:
        yield count, _columns(rows, keep, has_id) if wanted(index) else None


def _columns(rows: list[dict], keep: list[str], has_id: bool) -> dict:
    return {c: [row.get(c) for row in rows] for c in keep if c != "id" or has_id}


def _parquet_batches(path: Path, columns: list[str], chunk_rows: int, wanted) -> Batches:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises ArrowInvalid / OSError for a damaged file
        raise ValueError(f"{path}: could not be read as parquet: {_first_line(error)}") from error
    names = parquet.schema_arrow.names
    _check_columns(str(path), names, columns)
    read = _used(names, columns)
    for index, batch in enumerate(parquet.iter_batches(batch_size=chunk_rows, columns=read)):
        yield batch.num_rows, (batch.to_pydict() if wanted(index) else None)


def _dataset_batches(source: TableSource, columns: list[str], chunk_rows: int, wanted) -> Batches:
    import datasets

    from .tables import load_dataset_split

    if not source.streaming:
        table = load_dataset_split(
            source.dataset_name, source.split, config_name=source.config_name, text_column=columns[0],
            label_columns=None,
        )  # fmt: skip
        _check_columns(source.name, table.column_names, columns)
        read = _used(table.column_names, columns)
        for index, start in enumerate(range(0, table.num_rows, chunk_rows)):
            rows = min(chunk_rows, table.num_rows - start)
            yield rows, (table.select_columns(read)[start : start + rows] if wanted(index) else None)
        return
    try:
        stream = datasets.load_dataset(
            source.dataset_name, source.config_name, split=source.split, streaming=True
        )
    except Exception as error:  # datasets raises many types; each becomes one line
        raise ValueError(f"{source.name}: {_first_line(error)}") from error
    checked = False
    for index, batch in enumerate(stream.iter(batch_size=chunk_rows)):
        if not checked:
            _check_columns(source.name, list(batch), columns)
            checked = True
        rows = len(batch[columns[0]])
        yield rows, ({c: batch[c] for c in _used(list(batch), columns)} if wanted(index) else None)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
