"""Score files: Kaggle's columns, atomic writes, no silent overwrite."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from rnn_models.serving import score_files as submission
from rnn_models.serving.score_files import write_scores

SCORES = np.array([[0.1, 0.7], [0.123456789, 0.0]])


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl"])
def test_key_column_then_one_score_column_per_label(tmp_path, suffix):
    path = write_scores(tmp_path / f"out{suffix}", "id", ["a", "b"], ["toxic", "insult"], SCORES)
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        table = pd.DataFrame(rows)
    else:
        table = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    assert list(table.columns) == ["id", "toxic", "insult"] and list(table["id"]) == ["a", "b"]
    assert table[["toxic", "insult"]].to_numpy().tolist() == [[0.1, 0.7], [0.123457, 0.0]]


def test_an_existing_file_is_kept_unless_overwrite(tmp_path):
    path = tmp_path / "submission.csv"
    path.write_text("mine")
    with pytest.raises(FileExistsError, match=r"submission.csv exists; pass --overwrite"):
        write_scores(path, "id", ["a", "b"], ["toxic", "insult"], SCORES)
    assert path.read_text() == "mine"
    write_scores(path, "id", ["a", "b"], ["toxic", "insult"], SCORES, overwrite=True)
    assert path.read_text().startswith("id,toxic,insult\n")


def test_a_file_that_appears_while_writing_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "submission.csv"
    real_link = os.link

    def someone_else_writes_first(source, target):
        path.write_text("theirs")
        real_link(source, target)

    monkeypatch.setattr(submission.os, "link", someone_else_writes_first)
    with pytest.raises(FileExistsError, match=r"exists; pass --overwrite"):
        write_scores(path, "id", ["a", "b"], ["toxic", "insult"], SCORES)
    assert path.read_text() == "theirs" and sorted(p.name for p in tmp_path.iterdir()) == ["submission.csv"]


def test_a_failed_write_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="zip"):
        write_scores(tmp_path / "out.csv", "id", ["a"], ["toxic", "insult"], SCORES)  # one key, two rows
    assert list(tmp_path.iterdir()) == []
