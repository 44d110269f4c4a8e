import json

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from rnn_models.text.tables import demo_data_path, load_table, reference_split

ROWS = [
    {"id": "a", "comment_text": "hello there", "toxic": 0, "insult": 0},
    {"id": "b", "comment_text": "you idiot", "toxic": 1, "insult": 1},
    {"id": "c", "comment_text": "", "toxic": 0, "insult": 0},
    {"id": "d", "comment_text": "NA", "toxic": 0, "insult": 0},
]


def write(tmp_path, suffix: str, rows=ROWS):
    path = tmp_path / f"table{suffix}"
    frame = pd.DataFrame(rows)
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif suffix == ".jsonl":
        path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    else:
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_format_reads_the_same_rows(tmp_path, suffix):
    table = load_table(write(tmp_path, suffix), label_columns=["toxic", "insult"])
    assert table["comment_text"] == [
        "hello there",
        "you idiot",
        "",
        "NA",
    ]  # "NA" stays a word, empty stays empty
    assert table["toxic"] == [0, 1, 0, 0] and table["insult"] == [0, 1, 0, 0]


def test_missing_texts_become_empty_strings(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"comment_text": null, "toxic": 0}\n{"comment_text": "ok", "toxic": 1}\n')
    assert load_table(path)["comment_text"] == ["", "ok"]


def test_missing_column_lists_the_available_ones(tmp_path):
    path = write(tmp_path, ".csv")
    with pytest.raises(
        ValueError,
        match=r"table.csv: no column 'severe_toxic'; available columns: id, comment_text, toxic, insult",
    ):
        load_table(path, label_columns=["severe_toxic"])
    with pytest.raises(ValueError, match=r"no column 'text'"):
        load_table(path, text_column="text")


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope.csv: no such file"):
        load_table(tmp_path / "nope.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(
        ValueError, match=r"t.xlsx: unsupported file type '.xlsx'; expected one of .csv, .tsv"
    ):
        load_table(tmp_path / "t.xlsx")


@pytest.mark.parametrize("bad", [2, 0.5, "yes", -1])
def test_labels_must_be_zero_or_one(tmp_path, bad):
    rows = [dict(row) for row in ROWS]
    rows[2]["toxic"] = bad
    with pytest.raises(ValueError, match=r"column 'toxic', data row 3: expected a label 0 or 1, got"):
        load_table(write(tmp_path, ".jsonl", rows))


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("comment_text,toxic\n")
    with pytest.raises(ValueError, match=r"empty.csv"):
        load_table(path)


def test_reference_split_is_sklearns_split_row_for_row():
    table = load_table("demo")
    train, valid = reference_split(table, ["toxic"], max_rows=500, validation_split=0.2, seed=42)
    texts, labels = table["comment_text"][:500], table["toxic"][:500]
    x_train, x_valid, y_train, y_valid = train_test_split(
        texts, labels, stratify=labels, random_state=42, test_size=0.2, shuffle=True
    )
    assert train["comment_text"] == x_train and valid["comment_text"] == x_valid
    assert train["toxic"] == y_train and valid["toxic"] == y_valid


def test_split_that_cannot_be_stratified_says_what_to_do(tmp_path):
    rows = [{"comment_text": f"t{i}", "toxic": int(i == 0)} for i in range(10)]
    with pytest.raises(ValueError, match=r"cannot split 10 rows stratified on 'toxic'.*--validation_file"):
        reference_split(load_table(write(tmp_path, ".jsonl", rows)), ["toxic"])
    with pytest.raises(ValueError, match=r"validation_split=1.5 is invalid"):
        reference_split(load_table("demo"), ["toxic"], validation_split=1.5)


def test_demo_data_has_jigsaw_columns_and_a_realistic_toxic_share():
    table = load_table(
        "demo", label_columns=["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    )
    share = np.mean(table["toxic"])
    assert table.num_rows == 1500 and 0.07 <= share <= 0.09  # Jigsaw's 8.1%, stratified
    assert all(table.select(range(50))["comment_text"])  # real comments, none empty
    notice = (demo_data_path().parent / "demo_comments.NOTICE.md").read_text()
    assert "CC BY-SA 3.0" in notice and "CC0" in notice and "offensive" in notice
