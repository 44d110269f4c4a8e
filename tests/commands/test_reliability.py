"""The reliability catalogue (docs/RELIABILITY.md): bad input, damaged models, interruption, determinism,
safe loading. Each case: a clear one-line error, nothing lost, nothing half-written, nothing unsafe run."""

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import torch
from builders import arguments, make_dataset
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands import cli
from rnn_models.commands.cli import main
from rnn_models.serving.inference import load_model, predict_scores
from rnn_models.text.tables import load_table
from rnn_models.training.job import train


def one_line_error(capsys, argv: list[str]) -> str:
    """Runs the CLI, expects exit 1 and one error line (after any progress bars), no traceback; returns it."""
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    errors = [line for line in err.splitlines() if line.startswith("rnn-models ")]
    assert len(errors) == 1 and err.endswith(errors[0]) and "Traceback" not in err, err
    return errors[0]


# -- data ---------------------------------------------------------------------------------------------


def test_undecodable_bytes_name_the_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"comment_text,toxic\n\xe9t\xe9 \xff\xfe,0\nok,1\n")
    with pytest.raises(ValueError, match=r"(?i)latin1.csv: could not be read as csv: .*utf-?8"):
        load_table(path)


def test_zero_byte_file_names_the_file(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty.csv"):
        load_table(tmp_path / "empty.csv")


def test_validation_split_with_one_class_fails_before_training(tmp_path, capsys):
    csv, vectors = make_dataset(tmp_path)
    valid = tmp_path / "valid.csv"
    pd.DataFrame({"comment_text": ["thanks", "great source"], "toxic": [0, 0]}).to_csv(valid, index=False)
    argv = ["train", "--train_file", str(csv), "--validation_file", str(valid), "--vectors", str(vectors)]
    err = one_line_error(capsys, [*argv, "--output_dir", str(tmp_path / "out")])
    assert "validation data holds only class 0 for 'toxic' (2 rows): ROC AUC is undefined" in err
    assert not (tmp_path / "out").exists()


def test_a_single_ten_megabyte_comment_is_scored(tmp_path):
    tokenizer = RNNTokenizerFast.from_texts(["you idiot", "thanks a lot"], max_length=50)
    model = RNNForSequenceClassification(tiny_config(vocab_size=len(tokenizer), max_length=50)).eval()
    huge = "thanks " * 1_500_000  # 10.5 MB
    scores = predict_scores(model, tokenizer, [huge + "you idiot", "you idiot"])
    assert scores.shape == (2, 1) and torch.isfinite(torch.tensor(scores)).all()
    ids = tokenizer([huge + "you idiot"], truncation=True, max_length=50)["input_ids"][0]
    assert len(ids) == 50 and ids[-2:] == [tokenizer.word_index["you"], tokenizer.word_index["idiot"]]


# -- vectors ------------------------------------------------------------------------------------------


def test_vectors_covering_no_word_are_an_error_not_an_all_zero_model(tmp_path):
    model_args, data_args, args = arguments(tmp_path)
    other = tmp_path / "other.txt"
    other.write_text("zebra 0.1 0.2\nquokka 0.3 0.4\n")
    model_args.vectors = str(other)
    with pytest.raises(ValueError, match=r"other.txt: none of the \d+ vocabulary words has a vector"):
        train(model_args, data_args, args)


# -- models -------------------------------------------------------------------------------------------


@pytest.fixture()
def saved(tmp_path) -> Path:
    tokenizer = RNNTokenizerFast.from_texts(["you idiot", "thanks a lot"])
    RNNForSequenceClassification(tiny_config(vocab_size=len(tokenizer))).save_pretrained(tmp_path / "m")
    tokenizer.save_pretrained(tmp_path / "m")
    return tmp_path / "m"


def test_missing_weights(saved, capsys):
    (saved / "model.safetensors").unlink()
    err = one_line_error(capsys, ["predict", "--model", str(saved), "hi"])
    assert "model.safetensors" in err


def test_truncated_weights(saved, capsys):
    data = (saved / "model.safetensors").read_bytes()
    (saved / "model.safetensors").write_bytes(data[: len(data) // 2])
    err = one_line_error(capsys, ["predict", "--model", str(saved), "hi"])
    assert "model.safetensors is damaged" in err


def test_config_of_another_model_type(saved, capsys):
    config = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**config, "model_type": "bert"}))
    err = one_line_error(capsys, ["predict", "--model", str(saved), "hi"])
    assert "config.json describes a 'bert' model, not an rnn-models classifier" in err


def test_tokenizer_larger_than_the_embedding_table(saved, capsys):
    RNNTokenizerFast.from_texts([" ".join(f"w{i}" for i in range(40))]).save_pretrained(saved)
    err = one_line_error(capsys, ["predict", "--model", str(saved), "hi"])
    assert "the tokenizer has 41 ids but the model's embedding table only 6 rows" in err


def test_pickled_weights_are_refused_unless_the_user_opts_in(saved, capsys):
    model = RNNForSequenceClassification.from_pretrained(saved)
    (saved / "model.safetensors").unlink()
    torch.save(model.state_dict(), saved / "pytorch_model.bin")
    err = one_line_error(capsys, ["predict", "--model", str(saved), "hi"])
    assert "model.safetensors" in err
    loaded, _ = load_model(str(saved), device="cpu", allow_pickle=True)
    torch.testing.assert_close(loaded.classifier.weight, model.classifier.weight)


def test_no_code_from_a_model_folder_runs_without_trust_remote_code(saved, tmp_path):
    marker = tmp_path / "code-ran"
    with open(saved / "modeling_rnn.py", "a") as handle:
        handle.write(f"\nopen({str(marker)!r}, 'w').close()\n")
    code = f"""
    from transformers import AutoModelForSequenceClassification
    try:
        AutoModelForSequenceClassification.from_pretrained({str(saved)!r}, trust_remote_code=False)
    except ValueError as error:
        print("REFUSED", "trust_remote_code" in str(error))
    """
    assert "REFUSED True" in run_without_rnn_models(textwrap.dedent(code))
    assert not marker.exists()


# -- interrupted training, determinism ------------------------------------------------------------------

KILLER = """
import os, signal, sys
from transformers import TrainerCallback
from rnn_models.commands.train import parse_train_args
from rnn_models.training.job import train

class KillAfterSecondCheckpoint(TrainerCallback):
    def on_save(self, args, state, control, **kwargs):
        if state.global_step >= 6:
            os.kill(os.getpid(), signal.SIGKILL)  # mid-epoch, right after a checkpoint, like a crash

train(*parse_train_args(sys.argv[1:]), callbacks=[KillAfterSecondCheckpoint()])
"""


def test_a_killed_run_resumes_from_its_last_checkpoint_and_finishes(tmp_path):
    csv, vectors = make_dataset(tmp_path)
    out = tmp_path / "out"
    argv = [
        "--train_file", str(csv), "--vectors", str(vectors), "--output_dir", str(out), "--preset", "lstm",
        "--num_train_epochs", "2", "--per_device_train_batch_size", "16", "--save_strategy", "steps",
        "--save_steps", "3", "--disable_tqdm", "true", "--no_vectors_cache",
    ]  # fmt: skip
    killed = subprocess.run([sys.executable, "-c", KILLER, *argv], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint-3", "checkpoint-6"]  # nothing final, no temp
    assert main(["train", *argv, "--resume_from_checkpoint", "last"]) == 0
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["global_step"] == 24 and (out / "model.safetensors").is_file()
    assert not any(p.name.startswith(".") for p in out.iterdir())


def test_same_seed_gives_the_same_weights_and_metrics(tmp_path):
    first = train(*arguments(tmp_path / "a", "--num_train_epochs", "1"))
    second = train(*arguments(tmp_path / "b", "--num_train_epochs", "1"))
    for (name, a), (_, b) in zip(
        first.trainer.model.state_dict().items(), second.trainer.model.state_dict().items(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    assert first.metrics["eval_roc_auc"] == second.metrics["eval_roc_auc"]
    assert first.metrics["eval_loss"] == second.metrics["eval_loss"]


def test_interrupted_cli_exits_130_without_traceback(monkeypatch, capsys):
    def interrupt(argv):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "train", interrupt)
    assert main(["train"]) == 130
    assert capsys.readouterr().err.strip() == "rnn-models train: interrupted"
