"""The `rnn-models` command: one-line user errors, JSON outputs equal to the pipeline's scores."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score
from transformers import pipeline

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.cli import main
from rnn_models.commands.score import show_progress
from rnn_models.serving import inference

TEXTS = ["thanks for the fix", "you idiot stop this", "", "a fine source thanks", "stupid idiot edit"]
LABELS = [0, 1, 0, 0, 1]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=20)
    torch.manual_seed(0)
    config = tiny_config("bilstm", vocab_size=len(tokenizer), id2label={0: "toxic"}, max_length=20)
    RNNForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def table(tmp_path):
    path = tmp_path / "comments.csv"
    pd.DataFrame({"id": [f"c{i}" for i in range(5)], "comment_text": TEXTS, "toxic": LABELS}).to_csv(
        path, index=False
    )
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_texts_prints_one_json_line_per_text_with_pipeline_scores(model_dir, capsys):
    code, out, _ = run(capsys, "predict", "--model", str(model_dir), *TEXTS[:2])
    lines = [json.loads(line) for line in out.splitlines()]
    expected = pipeline("text-classification", model=str(model_dir))(TEXTS[:2])
    assert code == 0 and [line["text"] for line in lines] == TEXTS[:2]
    for line, want in zip(lines, expected, strict=True):
        assert line["toxic"] == pytest.approx(want["score"], abs=1e-6)


def test_predict_file_keys_rows_by_id(model_dir, table, capsys):
    code, out, _ = run(
        capsys, "predict", "--model", str(model_dir), "--file", str(table), "--batch_size", "2"
    )
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["id"] for line in lines] == ["c0", "c1", "c2", "c3", "c4"]
    _, out_single, _ = run(capsys, "predict", "--model", str(model_dir), TEXTS[4])
    assert lines[4]["toxic"] == json.loads(out_single)["toxic"]  # batching and sorting change nothing


def test_evaluate_prints_the_roc_auc_of_the_pipeline_scores(model_dir, table, capsys):
    code, out, _ = run(capsys, "evaluate", "--model", str(model_dir), "--file", str(table))
    result = json.loads(out)
    scores = [row["score"] for row in pipeline("text-classification", model=str(model_dir))(TEXTS)]
    expected = roc_auc_score(LABELS, scores)  # independent of rnn-models' scoring and metric code
    assert code == 0 and result["num_rows"] == 5
    assert result["roc_auc"] == pytest.approx(expected, abs=1e-6)
    assert result["roc_auc_per_label"] == {"toxic": pytest.approx(expected, abs=1e-6)}


TWO_LABEL_TEXTS = [
    "thanks for the fix", "you idiot stop this", "a fine source thanks", "stupid idiot edit",
    "please stop now", "great work here", "idiot", "this is a source", "stop the edit war", "fine thanks",
]  # fmt: skip


@pytest.fixture(scope="module")
def two_label_model(tmp_path_factory):
    """A model with labels [toxic, other], and a table whose labels its own scores rank perfectly."""
    folder = tmp_path_factory.mktemp("two_labels")
    tokenizer = RNNTokenizerFast.from_texts(TWO_LABEL_TEXTS, max_length=20)
    torch.manual_seed(3)
    config = tiny_config(
        "gru", vocab_size=len(tokenizer), id2label={0: "toxic", 1: "other"}, max_length=20,
        problem_type="multi_label_classification",
    )  # fmt: skip
    RNNForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    rows = pipeline("text-classification", model=str(folder))(TWO_LABEL_TEXTS, top_k=None)
    scores = {
        name: np.array([next(r["score"] for r in row if r["label"] == name) for row in rows])
        for name in ("toxic", "other")
    }
    labels = {name: (values > np.median(values)).astype(int) for name, values in scores.items()}
    path = folder / "table.csv"
    pd.DataFrame(
        {"comment_text": TWO_LABEL_TEXTS, "toxic": labels["toxic"], "other": labels["other"]}
    ).to_csv(path, index=False)
    return folder, path, scores, labels


@pytest.mark.parametrize("order", [["toxic", "other"], ["other", "toxic"]])
def test_evaluate_matches_label_columns_to_the_model_labels_by_name(order, two_label_model, capsys):
    folder, path, scores, labels = two_label_model
    argv = ["evaluate", "--model", str(folder), "--file", str(path), "--label_columns", *order]
    code, out, _ = run(capsys, *argv)
    result = json.loads(out)
    expected = {name: roc_auc_score(labels[name], scores[name]) for name in order}
    assert code == 0 and expected == {"toxic": 1.0, "other": 1.0}  # each label's own scores rank it perfectly
    assert (
        result["roc_auc_per_label"] == pytest.approx(expected) and list(result["roc_auc_per_label"]) == order
    )
    swapped = roc_auc_score(labels["toxic"], scores["other"])  # what matching by position gave for one order
    assert swapped < 1.0


def test_evaluate_pairs_a_column_with_a_label_of_another_name(two_label_model, tmp_path, capsys):
    folder, path, scores, labels = two_label_model
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(path).rename(columns={"toxic": "is_toxic"}).to_csv(renamed, index=False)
    argv = ["evaluate", "--model", str(folder), "--file", str(renamed), "--label_columns", "is_toxic=toxic"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert json.loads(out)["roc_auc_per_label"] == {
        "is_toxic": roc_auc_score(labels["toxic"], scores["toxic"])
    }


def test_missing_texts_are_counted_on_stderr(model_dir, tmp_path, capsys):
    rows = [
        {"comment_text": "you idiot", "toxic": 1},
        {"comment_text": None, "toxic": 0},
        {"comment_text": "", "toxic": 0},
    ]
    path = tmp_path / "texts.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    for command in ("predict", "evaluate"):
        code, out, err = run(capsys, command, "--model", str(model_dir), "--file", str(path))
        assert code == 0 and out
        assert err == (
            f"rnn-models {command}: 2 of 3 rows have no text in column 'comment_text' (empty or missing); "
            "they are scored as empty texts\n"
        )
    _, _, clean_err = run(capsys, "predict", "--model", str(model_dir), "one text")
    assert clean_err == ""  # nothing to say when every row has a text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--train_file", "missing.csv"], r"rnn-models train: error: missing.csv: no such file"),
        (
            ["evaluate", "--model", "MODEL", "--file", "TABLE", "--label_columns", "insult"],
            r"--label_columns insult: the model has no label 'insult'; its labels are toxic",
        ),
        (
            ["evaluate", "--model", "MODEL", "--file", "TABLE", "--label_columns", "insult=toxic"],
            r"no column 'insult'",
        ),
        (["predict", "--model", "MODEL"], r"give either texts or --file"),
        (["predict", "--model", "/no/such/model", "hi"], r"rnn-models predict: error: "),
    ],
)
def test_user_errors_are_one_line_without_traceback(argv, message, model_dir, table, capsys):
    argv = [str(model_dir) if a == "MODEL" else str(table) if a == "TABLE" else a for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.endswith("\n") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(message, err), err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--train_file", "missing.csv"], r"^rnn-models train: error: missing.csv: no such file$"),
        (["--validation_file", "missing.csv"], r"^rnn-models train: error: missing.csv: no such file$"),
        (["--label_columns", "hate"], r"^rnn-models train: error: .*no column 'hate'"),
        (["--vectors", "missing.txt"], r"error: \S*missing.txt: no such word-vector file$"),
    ],
)
def test_train_input_errors_come_before_an_existing_output_folder(argv, message, capsys):
    """`rnn-models train` once, then again with a bad input: the input is named, not the folder the first
    run left in the current folder, and nothing is written."""
    folder = Path("rnn-model")  # the default --output_dir, in this test's own folder
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    code, out, err = run(capsys, "train", *argv)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert re.search(message, err.strip()), err
    assert [p.name for p in Path().iterdir()] == ["rnn-model"]
    assert [p.name for p in folder.iterdir()] == ["config.json"]
    assert (folder / "config.json").read_text() == "{}"


def test_debug_shows_the_traceback(capsys):
    with pytest.raises(FileNotFoundError):
        main(["train", "--train_file", "missing.csv", "--debug"])


def test_usage_and_unknown_command(capsys):
    assert main([]) == 2 and "usage: rnn-models" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert main(["fly"]) == 2 and "unknown command 'fly'" in capsys.readouterr().err


def test_console_script_exits_non_zero_without_traceback(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rnn_models",
            "train",
            "--train_file",
            str(tmp_path / "none.csv"),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip().endswith("none.csv: no such file") and "Traceback" not in done.stderr


def test_predict_output_writes_the_kaggle_submission_format(model_dir, table, tmp_path, capsys):
    submission = tmp_path / "submission.csv"
    argv = ["predict", "--model", str(model_dir), "--file", str(table)]
    code, out, err = run(capsys, *argv, "--output", str(submission))
    written = pd.read_csv(submission)
    _, printed, _ = run(capsys, *argv)
    expected = [json.loads(line) for line in printed.splitlines()]
    assert code == 0 and out == "" and "wrote 5 rows" in err
    assert list(written.columns) == ["id", "toxic"] and list(written["id"]) == [row["id"] for row in expected]
    assert list(written["toxic"]) == pytest.approx([row["toxic"] for row in expected], abs=1e-12)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_predict_output_never_overwrites_without_overwrite(model_dir, table, tmp_path, capsys):
    submission = tmp_path / "submission.csv"
    submission.write_text("mine\n")
    argv = ["predict", "--model", str(model_dir), "--file", str(table), "--output", str(submission)]
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.strip().endswith("submission.csv exists; pass --overwrite to replace it")
    assert submission.read_text() == "mine\n"
    assert run(capsys, *argv, "--overwrite")[0] == 0
    assert submission.read_text().startswith("id,toxic\n")


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("out.xlsx", r"out.xlsx: unsupported output type '.xlsx'; expected one of .csv, .tsv, .jsonl"),
        ("no/such/dir/out.csv", r"no/such/dir: no such folder for --output"),
    ],
)
def test_predict_output_errors_are_one_line(output, message, model_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "predict", "--model", str(model_dir), "hi", "--output", output)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert re.search(message, err), err


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("flag", "disabled"), [([], False), (["--disable_tqdm"], True), (["--disable_tqdm", "false"], False)]
)
def test_progress_bar_shows_on_a_terminal_unless_disabled(
    flag, disabled, model_dir, table, monkeypatch, capsys
):
    monkeypatch.setattr(inference, "PROGRESS_DELAY_S", 0)  # no wait before the bar: it shows at once
    argv = ["predict", "--model", str(model_dir), "--file", str(table), "--batch_size", "2"]
    _, piped, piped_err = run(capsys, *argv, *flag)  # stderr is no terminal here: never a bar
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, out, _ = run(capsys, *argv, *flag)
    assert code == 0 and out == piped and len(out.splitlines()) == 5  # stdout is the same, bar or not
    assert "rows/s" not in piped_err
    bar = terminal.getvalue()
    # A CSV read in chunks has no row count up front: the bar counts rows and rows/s.
    assert ("scoring" in bar and "scoring: 5 rows" in bar and "rows/s" in bar) is not disabled


def test_progress_bar_leaves_the_output_file_as_it_was(model_dir, table, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(inference, "PROGRESS_DELAY_S", 0)
    argv = ["predict", "--model", str(model_dir), "--file", str(table), "--batch_size", "2", "--output"]
    run(capsys, *argv, str(tmp_path / "piped.csv"))
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    assert run(capsys, *argv, str(tmp_path / "terminal.csv"))[0] == 0
    assert "scoring: 5 rows" in sys.stderr.getvalue()
    assert (tmp_path / "terminal.csv").read_bytes() == (tmp_path / "piped.csv").read_bytes()


def test_show_progress_needs_a_terminal_and_no_disable_flag():
    assert show_progress(False, FakeTerminal()) is True
    assert show_progress(True, FakeTerminal()) is False
    assert show_progress(False, io.StringIO()) is False


def test_predict_explain_adds_the_top_words_with_spans_and_contributions(model_dir, capsys):
    from rnn_models.serving.explanations import explain

    code, out, _ = run(capsys, "predict", "--model", str(model_dir), "--explain", "--top_k", "2", *TEXTS[:2])
    lines = [json.loads(line) for line in out.splitlines()]
    _, plain, _ = run(capsys, "predict", "--model", str(model_dir), *TEXTS[:2])
    assert code == 0 and [line["toxic"] for line in lines] == [
        json.loads(p)["toxic"] for p in plain.splitlines()
    ]
    for line, expected in zip(lines, explain(str(model_dir), TEXTS[:2]), strict=True):
        toxic = line["explanations"]["toxic"]
        want = expected.labels["toxic"]
        assert toxic["logit"] == pytest.approx(want.logit, abs=1e-6)
        assert toxic["baseline_logit"] == pytest.approx(want.baseline_logit, abs=1e-6)
        assert [(w["word"], w["start"], w["end"]) for w in toxic["words"]] == [
            (w.word, w.start, w.end) for w in want.top(2)
        ]
        assert all(line["text"][w["start"] : w["end"]] == w["word"] for w in toxic["words"])
        magnitudes = [abs(w["contribution"]) for w in toxic["words"]]
        assert len(magnitudes) == 2 and magnitudes == sorted(magnitudes, reverse=True)


def test_predict_explain_to_csv_adds_a_words_column_per_label(model_dir, table, tmp_path, capsys):
    out_csv = tmp_path / "why.csv"
    argv = ["predict", "--model", str(model_dir), "--file", str(table), "--explain", "--top_k", "1"]
    code, _, _ = run(capsys, *argv, "--output", str(out_csv))
    frame = pd.read_csv(out_csv, keep_default_na=False)
    assert code == 0 and list(frame.columns) == ["id", "toxic", "toxic_words"]
    words = [json.loads(cell) for cell in frame["toxic_words"]]
    assert [len(w) for w in words] == [1, 1, 0, 1, 1]  # the empty text has no word
    for text, [word, *_] in ((t, w) for t, w in zip(TEXTS, words, strict=True) if w):
        assert text[word["start"] : word["end"]] == word["word"]
    code, out, _ = run(capsys, *argv)  # JSON lines on stdout: the same words
    assert [json.loads(line)["explanations"]["toxic"]["words"] for line in out.splitlines()] == words


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--backend", "onnx"], "--explain needs --backend torch"),
        (["--top_k", "0"], "--top_k 0: expected a number of words, 1 or more"),
    ],
)
def test_predict_explain_errors_are_one_line(flags, message, model_dir, capsys):
    code, out, err = run(capsys, "predict", "--model", str(model_dir), "--explain", *flags, "hi")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_predict_explain_labels_explains_only_those(tmp_path, capsys):
    folder = tmp_path / "two-labels"
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=20)
    config = tiny_config(
        "gru", vocab_size=len(tokenizer), max_length=20, id2label={0: "toxic", 1: "insult"},
        problem_type="multi_label_classification",
    )  # fmt: skip
    RNNForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    argv = ["predict", "--model", str(folder), "--explain", "--explain_labels", "insult", "--top_k", "1"]
    code, _, _ = run(capsys, *argv, "--output", str(tmp_path / "why.csv"), "you idiot stop this")
    frame = pd.read_csv(tmp_path / "why.csv")
    assert code == 0 and list(frame.columns) == ["text", "toxic", "insult", "insult_words"]
    code, out, _ = run(capsys, *argv, "you idiot stop this")
    assert code == 0 and list(json.loads(out)["explanations"]) == ["insult"]
    code, _, err = run(capsys, *argv[:-4], "hi", "--explain_labels", "rude")
    assert code == 1 and "--explain_labels rude: the model's labels are toxic, insult" in err
    code, _, err = run(capsys, "predict", "--model", str(folder), "hi", "--explain_labels", "insult")
    assert code == 1 and "--explain_labels chooses the labels of --explain; add --explain" in err
