"""Tables read in chunks: the rows of the whole-table reader, in order, whatever the format and chunk size."""

import pandas as pd
import pytest
from builders import comments_table

from rnn_models.text.table_chunks import TableSource, iter_table_chunks
from rnn_models.text.tables import load_table


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("chunk_rows", [1, 7, 23, 100])
def test_chunks_hold_the_rows_of_the_whole_table_reader(suffix, chunk_rows, tmp_path):
    path = comments_table(tmp_path / f"comments{suffix}", 23)
    whole = load_table(path, "comment_text", ["toxic"])  # datasets, the whole file at once
    chunks = list(iter_table_chunks(TableSource(file=str(path)), "comment_text", ["toxic"], chunk_rows))
    assert [c.num_rows for c in chunks] == [min(chunk_rows, 23 - s) for s in range(0, 23, chunk_rows)]
    assert [c.first_row for c in chunks] == list(range(0, 23, chunk_rows))
    assert [t for c in chunks for t in c.texts] == whole["comment_text"]
    assert [k for c in chunks for k in c.keys] == whole["id"]
    assert [v for c in chunks for v in c.labels[0]] == whole["toxic"]


def test_other_processes_chunks_come_without_rows(tmp_path):
    path = comments_table(tmp_path / "comments.csv", 10)
    chunks = iter_table_chunks(
        TableSource(file=str(path)), "comment_text", None, 3, wanted=lambda i: i % 2 == 1
    )
    assert [(c.index, c.num_rows, len(c.texts), c.keys is None) for c in chunks] == [
        (0, 3, 0, True), (1, 3, 3, False), (2, 3, 0, True), (3, 1, 1, False),
    ]  # fmt: skip


def test_csv_ids_and_texts_keep_their_spelling(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,comment_text\n0001,007\n2,\n")
    (chunk,) = iter_table_chunks(TableSource(file=str(path)), "comment_text", None, 10)
    assert (chunk.keys, chunk.texts) == (["0001", "2"], ["007", ""])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,comment_text\n", r"t.csv: the table holds no rows"),
        ("id,text\n1,a\n", r"t.csv: no column 'comment_text'; available columns: id, text"),
    ],
)
def test_empty_tables_and_missing_columns_fail_in_one_line(content, message, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        list(iter_table_chunks(TableSource(file=str(path)), "comment_text", None, 10))


def test_a_chunk_size_below_one_is_refused():
    with pytest.raises(ValueError, match=r"--chunk_rows 0: expected a positive number of rows"):
        next(iter_table_chunks(TableSource(file="demo"), "comment_text", None, 0))


def test_a_saved_dataset_folder_is_sliced_into_chunks(tmp_path):
    frame = pd.read_csv(comments_table(tmp_path / "c.csv", 12), keep_default_na=False)
    folder = tmp_path / "data"
    folder.mkdir()
    frame.to_csv(folder / "test.csv", index=False)
    source = TableSource(dataset_name=str(folder), split="test")
    chunks = list(iter_table_chunks(source, "comment_text", ["toxic"], 5))
    assert [c.num_rows for c in chunks] == [5, 5, 2]
    assert [t for c in chunks for t in c.texts] == frame["comment_text"].tolist()


def test_a_streamed_dataset_gives_the_same_chunks(tmp_path):
    frame = pd.read_csv(comments_table(tmp_path / "c.csv", 12), keep_default_na=False)
    folder = tmp_path / "data"
    folder.mkdir()
    frame.to_csv(folder / "test.csv", index=False)
    chunks = {}
    for streaming in (False, True):
        source = TableSource(dataset_name=str(folder), split="test", streaming=streaming)
        chunks[streaming] = [
            (c.first_row, c.num_rows, c.texts, c.keys, c.labels)
            for c in iter_table_chunks(source, "comment_text", ["toxic"], 5)
        ]
    assert chunks[True] == chunks[False] and [n for _, n, *_ in chunks[True]] == [5, 5, 2]
