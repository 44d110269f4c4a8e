"""`predict` / `evaluate` on tables read in chunks: every row once, in order, NaN kept; a killed run resumes
to the very bytes of an uninterrupted one; a broken row is named and the rows before it are kept."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import POISON, comments_table, default_preset_model, nan_word_model
from sklearn.metrics import roc_auc_score
from transformers import pipeline

from rnn_models.commands.cli import main
from rnn_models.serving import partial_output
from rnn_models.serving.inference import load_model, predict_scores

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}  # this checkout's rnn_models


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    texts = pd.read_csv(comments_table(tmp_path_factory.mktemp("t") / "t.csv", 60))["comment_text"]
    return nan_word_model(tmp_path_factory.mktemp("model"), texts.fillna("").tolist())


@pytest.fixture(scope="module")
def default_model(tmp_path_factory):
    """The default preset (raw-text n-grams: text_features.json, text_feature_ids), tiny."""
    texts = pd.read_csv(comments_table(tmp_path_factory.mktemp("t") / "t.csv", 60), keep_default_na=False)
    return default_preset_model(tmp_path_factory.mktemp("default"), texts["comment_text"].tolist())


def pipeline_scores(model: Path, texts: list[str]) -> list[float]:
    """Scores from transformers' own pipeline, one text at a time: independent of our batching."""
    classify = pipeline("text-classification", model=str(model))
    return [classify(text)[0]["score"] for text in texts]


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_row_once_in_input_order_nan_scores_written_and_counted(suffix, model, tmp_path, capsys):
    table = comments_table(tmp_path / f"comments{suffix}", 40, poison_rows=(3, 31))
    out = tmp_path / "scores.csv"
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "7", "--batch_size", "3"]
    assert main([*argv, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    written = pd.read_csv(out, keep_default_na=False, dtype={"id": str})
    expected_ids = [f"c{i:05d}" for i in range(40)]
    assert list(written.columns) == ["id", "toxic"] and list(written["id"]) == expected_ids
    source = comments_table(tmp_path / "ref.csv", 40, poison_rows=(3, 31))
    reference = pd.read_csv(source, keep_default_na=False)["comment_text"].tolist()
    scores = np.array([float(v) for v in written["toxic"]])
    assert np.isnan(scores).tolist() == [
        POISON in text for text in reference
    ]  # exactly the two poisoned rows
    clean = [i for i, text in enumerate(reference) if POISON not in text]
    assert scores[clean].tolist() == pytest.approx(
        [pipeline_scores(model, [reference[i]])[0] for i in clean], abs=2e-6
    )
    assert "2 of 40 rows got NaN scores from the model; they are written as NaN" in err
    assert "wrote 40 rows (id, toxic)" in err and hidden_files(tmp_path) == []


def test_stdout_lines_equal_the_output_file(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 25, poison_rows=(5,))
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "4"]
    assert main([*argv, "--output", str(tmp_path / "scores.jsonl")]) == 0
    capsys.readouterr()
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed == (tmp_path / "scores.jsonl").read_text() and len(printed.splitlines()) == 25
    assert '"toxic": NaN' in printed.splitlines()[5]


KILLER = """
import os, signal, sys
from rnn_models.commands.cli import main
from rnn_models.serving import partial_output
from rnn_models.serving.inference import load_model, predict_scores
from rnn_models.serving.partial_output import PartialOutput

chunks, where, sig = int(sys.argv[1]), sys.argv[2], getattr(signal, sys.argv[3])
write_marker = PartialOutput._write_marker

def killing_marker(self):
    if where == "data_written" and self.progress.chunks == chunks + 1:
        os.kill(os.getpid(), sig)  # the chunk's rows are in the file, its marker is not: resume cuts them
    write_marker(self)
    if where == "marker_written" and self.progress.chunks == chunks:
        os.kill(os.getpid(), sig)

PartialOutput._write_marker = killing_marker
sys.exit(main(sys.argv[4:]))
"""


def killed_run(
    tmp_path: Path, argv: list[str], chunks: int, where: str, sig: str
) -> subprocess.CompletedProcess:
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    command = [sys.executable, str(script), str(chunks), where, sig, *argv]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=300)


@pytest.mark.parametrize(("where", "sig"), [("data_written", "SIGKILL"), ("marker_written", "SIGTERM")])
def test_a_killed_run_resumes_to_the_bytes_of_an_uninterrupted_one(where, sig, model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 60, poison_rows=(12,))
    out, whole = tmp_path / "scores.csv", tmp_path / "whole" / "scores.csv"
    whole.parent.mkdir()
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "8", "--batch_size", "3"]
    assert main([*argv, "--output", str(whole)]) == 0
    capsys.readouterr()
    killed = killed_run(tmp_path, [*argv, "--output", str(out)], 3, where, sig)
    assert killed.returncode == -getattr(signal, sig), killed.stderr[-2000:]
    assert not out.exists() and hidden_files(tmp_path) == [".scores.csv.partial", ".scores.csv.partial.json"]
    marker = json.loads((tmp_path / ".scores.csv.partial.json").read_text())
    assert (marker["chunks"], marker["rows"]) == (3, 24)
    # Without --resume the partial rows are never thrown away.
    assert main([*argv, "--output", str(out)]) == 1
    assert "holds 24 rows scored by an interrupted run" in capsys.readouterr().err
    assert main([*argv, "--output", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert out.read_bytes() == whole.read_bytes() and hidden_files(tmp_path) == []
    assert "wrote 60 rows (id, toxic)" in err and "1 of 60 rows got NaN scores" in err


def test_resume_refuses_a_run_with_other_settings_or_another_table(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 30)
    out = tmp_path / "scores.csv"
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "5", "--output", str(out)]
    assert killed_run(tmp_path, argv, 2, "marker_written", "SIGKILL").returncode == -signal.SIGKILL
    assert main([*argv, "--resume", "--batch_size", "7"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "was written with batch_size 256, this run has 7; resume with the settings and model it was written with, "
        "or delete it to start over"
    )
    changed = pd.read_csv(table)
    changed.loc[6, "comment_text"] = "another text"  # in the second chunk, already scored
    changed.to_csv(table, index=False)
    assert main([*argv, "--resume"]) == 1
    assert (
        "--resume: data rows 6-10 differ from the ones the interrupted run scored" in capsys.readouterr().err
    )
    assert not out.exists() and (tmp_path / ".scores.csv.partial").exists()  # still there to decide on


def test_a_broken_row_in_the_middle_is_named_and_the_rows_before_it_are_kept(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 300)
    lines = table.read_text().splitlines(keepends=True)
    broken = lines.copy()
    broken[200] = 'c00199,"one text",0,an extra field\n'  # line 201 of the file, data row 200
    table.write_text("".join(broken))
    out, whole = tmp_path / "scores.csv", tmp_path / "whole" / "scores.csv"
    whole.parent.mkdir()
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "50"]
    assert main([*argv, "--output", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert re.search(
        r"comments.csv: Error tokenizing data. C error: Expected 3 fields in line 201, saw 4", err
    ), err
    assert err.endswith(
        f"the 150 rows scored before it are kept in {tmp_path / '.scores.csv.partial'}: run again with --resume to continue"
    )
    table.write_text("".join(lines))  # fixed
    assert main([*argv, "--output", str(out), "--resume"]) == 0
    assert main([*argv, "--output", str(whole)]) == 0
    assert out.read_bytes() == whole.read_bytes() and len(pd.read_csv(out)) == 300


def test_a_broken_json_line_and_a_missing_column_are_one_line_errors(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.jsonl", 30)
    lines = table.read_text().splitlines(keepends=True)
    lines[20] = '{"id": "c00020", "comment_text": "cut}\n'
    table.write_text("".join(lines))
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "8"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert (
        re.search(
            r"comments.jsonl:21: not a JSON object: Unterminated string starting at \(column 34\)$", err
        )
        and "\n" not in err
    )
    assert main([*argv[:-4], "--file", str(table), "--text_column", "content"]) == 1
    assert "no column 'content'; available columns: id, comment_text, toxic" in capsys.readouterr().err


def test_evaluate_in_chunks_equals_sklearn_and_writes_its_json_atomically(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 50)
    rows = pd.read_csv(table, keep_default_na=False)
    expected = roc_auc_score(rows["toxic"], pipeline_scores(model, rows["comment_text"].tolist()))
    out = tmp_path / "roc.json"
    argv = [
        "evaluate",
        "--model",
        str(model),
        "--file",
        str(table),
        "--chunk_rows",
        "6",
        "--output",
        str(out),
    ]
    assert main(argv) == 0 and capsys.readouterr().out == ""
    result = json.loads(out.read_text())
    assert result["num_rows"] == 50 and result["roc_auc"] == pytest.approx(expected, abs=1e-6)
    out.write_text("mine\n")
    assert main(argv) == 1
    assert capsys.readouterr().err.strip().endswith("roc.json exists; pass --overwrite to replace it")
    assert out.read_text() == "mine\n" and hidden_files(tmp_path) == []


def test_evaluate_names_the_data_row_of_a_bad_label(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 40)
    rows = pd.read_csv(table, keep_default_na=False)
    rows["toxic"] = rows["toxic"].astype(object)
    rows.loc[33, "toxic"] = "yes"
    rows.to_csv(table, index=False)
    assert main(["evaluate", "--model", str(model), "--file", str(table), "--chunk_rows", "10"]) == 1
    assert "column 'toxic', data row 34: expected a label 0 or 1, got 'yes'" in capsys.readouterr().err


def test_the_onnx_backend_scores_a_table_in_chunks_too(model, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    table = comments_table(tmp_path / "comments.csv", 30)
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "8"]
    assert main([*argv, "--output", str(tmp_path / "torch.csv")]) == 0
    assert main([*argv, "--output", str(tmp_path / "onnx.csv"), "--backend", "onnx"]) == 0
    torch_scores, onnx_scores = (pd.read_csv(tmp_path / f"{b}.csv") for b in ("torch", "onnx"))
    assert list(onnx_scores["id"]) == list(torch_scores["id"]) == [f"c{i:05d}" for i in range(30)]
    np.testing.assert_allclose(onnx_scores["toxic"], torch_scores["toxic"], atol=2e-6)


def test_streaming_needs_a_dataset_name(model, tmp_path, capsys):
    table = comments_table(tmp_path / "comments.csv", 3)
    assert main(["predict", "--model", str(model), "--file", str(table), "--streaming"]) == 1
    assert "--streaming reads a --dataset_name as it downloads" in capsys.readouterr().err


def test_the_default_preset_in_chunks_scores_and_evaluates_as_the_whole_table(
    default_model, tmp_path, capsys
):
    table = comments_table(tmp_path / "comments.csv", 45)
    rows = pd.read_csv(table, keep_default_na=False)
    model, tokenizer = load_model(str(default_model), "cpu")
    whole = predict_scores(model, tokenizer, rows["comment_text"].tolist())[:, 0]
    argv = ["--model", str(default_model), "--file", str(table), "--chunk_rows", "7", "--batch_size", "3"]
    assert main(["predict", *argv, "--output", str(tmp_path / "scores.csv")]) == 0
    written = pd.read_csv(tmp_path / "scores.csv")
    assert list(written["id"]) == list(rows["id"])
    np.testing.assert_allclose(written["toxic"], whole, atol=2e-6)
    capsys.readouterr()
    assert main(["evaluate", *argv]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["num_rows"] == 45
    assert result["roc_auc"] == pytest.approx(roc_auc_score(rows["toxic"], whole), abs=1e-6)


def test_a_killed_default_preset_run_resumes_to_the_bytes_of_an_uninterrupted_one(
    default_model, tmp_path, capsys
):
    table = comments_table(tmp_path / "comments.csv", 50)
    out, whole = tmp_path / "scores.csv", tmp_path / "whole" / "scores.csv"
    whole.parent.mkdir()
    argv = ["predict", "--model", str(default_model), "--file", str(table), "--chunk_rows", "8"]
    assert main([*argv, "--output", str(whole)]) == 0
    killed = killed_run(tmp_path, [*argv, "--output", str(out)], 3, "data_written", "SIGKILL")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert main([*argv, "--output", str(out), "--resume"]) == 0
    assert out.read_bytes() == whole.read_bytes() and hidden_files(tmp_path) == []


def test_a_run_that_died_after_renaming_its_output_blocks_no_later_run(model, tmp_path, monkeypatch, capsys):
    table = comments_table(tmp_path / "comments.csv", 20)
    out = tmp_path / "scores.csv"
    argv = ["predict", "--model", str(model), "--file", str(table), "--chunk_rows", "8", "--output", str(out)]
    real_publish = partial_output.publish

    def publish_then_die(*args):
        real_publish(*args)
        raise KeyboardInterrupt  # after the rename, before the marker is removed

    with monkeypatch.context() as patch:
        patch.setattr(partial_output, "publish", publish_then_die)
        assert main(argv) == 130
    finished = out.read_bytes()
    assert hidden_files(tmp_path) == [".scores.csv.partial.json"]
    capsys.readouterr()
    assert main(argv) == 1  # the output is there: replacing it still takes --overwrite
    assert capsys.readouterr().err.strip().endswith("scores.csv exists; pass --overwrite to replace it")
    for again in (["--overwrite"], ["--overwrite", "--resume"]):
        assert main([*argv, *again]) == 0, capsys.readouterr().err
        assert out.read_bytes() == finished and hidden_files(tmp_path) == []
