"""Datasets instead of files (`--dataset_name`): a local folder, a dataset repo on the local Hub; one-line errors."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from builders import make_dataset
from hub_server import USER
from huggingface_hub import HfApi

from rnn_models.commands.cli import main
from rnn_models.text.tables import load_dataset_split, read_tables
from rnn_models.training.job import DataArguments


@pytest.fixture(scope="module")
def dataset_folder(tmp_path_factory) -> tuple[Path, Path]:
    """A folder laid out like a Hub dataset repo: train.csv, validation.csv, test.csv (no labels)."""
    folder = tmp_path_factory.mktemp("comments")
    csv, vectors = make_dataset(folder / "source", rows=120)
    table = pd.read_csv(csv)
    table.iloc[:80].to_csv(folder / "train.csv", index=False)
    table.iloc[80:].to_csv(folder / "validation.csv", index=False)
    table.iloc[80:][["id", "comment_text"]].to_csv(folder / "test.csv", index=False)
    csv.unlink()  # only the three splits are data files of the folder
    return folder, vectors


def test_a_split_of_a_local_folder_reads_like_the_file(dataset_folder):
    folder, _ = dataset_folder
    split = load_dataset_split(str(folder), "validation")
    expected = pd.read_csv(folder / "validation.csv")
    assert split.num_rows == 40 and split["comment_text"] == list(expected["comment_text"])
    assert split["toxic"] == list(expected["toxic"])
    test = load_dataset_split(str(folder), "test", label_columns=None)  # no labels needed
    assert test["id"] == list(expected["id"]) and test["comment_text"] == split["comment_text"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"split": "dev"}, r"comments\d*\[dev\]: Unknown split \"dev\". Should be one of \['train', "),
        ({"label_columns": ["insult"]}, r"comments\d*\[train\]: no column 'insult'; available columns: id, "),
        ({"config_name": "big"}, r"comments\d*, config big\[train\]: BuilderConfig 'big' not found"),
    ],
)
def test_a_missing_split_column_or_config_is_one_line(dataset_folder, arguments, message):
    folder, _ = dataset_folder
    with pytest.raises(ValueError, match=message) as error:
        load_dataset_split(str(folder), **{"split": "train", **arguments})
    assert "\n" not in str(error.value)


def test_a_missing_dataset_is_one_line(tmp_path):
    with pytest.raises(
        ValueError, match=r"no-such-folder: not a local dataset folder, and not found on the Hub"
    ):
        load_dataset_split(str(tmp_path / "no-such-folder"), "train")


def test_validation_comes_from_the_named_split(dataset_folder):
    folder, _ = dataset_folder
    train, valid = read_tables(DataArguments(dataset_name=str(folder), validation_split_name="validation"))
    assert (train.num_rows, valid.num_rows) == (80, 40)
    train, valid = read_tables(DataArguments(dataset_name=str(folder)))
    assert (train.num_rows, valid) == (80, None)  # then the reference split of train


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"dataset_name": "x", "train_file": "t.csv"}, r"give --train_file or --dataset_name, not both"),
        ({"validation_split_name": "validation"}, r"--validation_split_name needs --dataset_name"),
        (
            {"dataset_name": "x", "validation_split_name": "v", "validation_file": "v.csv"},
            r"give --validation_split_name or --validation_file, not both",
        ),
    ],
)
def test_conflicting_data_options_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        read_tables(DataArguments(**arguments))


def test_train_evaluate_and_predict_on_a_dataset_folder(dataset_folder, tmp_path, capsys):
    folder, vectors = dataset_folder
    out = tmp_path / "model"
    code = main(
        [
            "train", "--dataset_name", str(folder), "--validation_split_name", "validation",
            "--vectors", str(vectors), "--no_vectors_cache", "--output_dir", str(out), "--max_steps", "2",
            "--per_device_train_batch_size", "16", "--disable_tqdm", "true", "--logging_strategy", "no",
        ]
    )  # fmt: skip
    results = json.loads((out / "eval_results.json").read_text())
    assert code == 0 and results["num_validation_rows"] == 40
    assert json.loads((out / "run_args.json").read_text())["data"]["dataset_name"] == str(folder)
    assert f"This model reached {results['roc_auc']:.4f} on {folder.name};" in (out / "README.md").read_text()
    capsys.readouterr()

    assert (
        main(["evaluate", "--model", str(out), "--dataset_name", str(folder), "--split", "validation"]) == 0
    )
    from_dataset = json.loads(capsys.readouterr().out)
    assert main(["evaluate", "--model", str(out), "--file", str(folder / "validation.csv")]) == 0
    assert from_dataset == json.loads(capsys.readouterr().out)

    submission = tmp_path / "submission.csv"
    argv = ["predict", "--model", str(out), "--dataset_name", str(folder), "--split", "test"]
    assert main([*argv, "--output", str(submission)]) == 0
    written = pd.read_csv(submission)
    assert list(written.columns) == ["id", "toxic"] and written.shape == (40, 2)
    assert list(written["id"]) == list(pd.read_csv(folder / "test.csv")["id"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "--dataset_name", "DATA"], r"--dataset_name .* needs --split \(e.g. --split test\)"),
        (
            ["evaluate", "--dataset_name", "DATA", "--file", "x.csv", "--split", "t"],
            r"--file or --dataset_name",
        ),
        (["evaluate"], r"give --file or --dataset_name with --split"),
        (["predict", "--dataset_name", "DATA", "--split", "dev"], r"Unknown split \"dev\""),
    ],
)
def test_cli_dataset_errors_are_one_line(argv, message, dataset_folder, tmp_path, capsys):
    folder, _ = dataset_folder
    argv = [str(folder) if a == "DATA" else a for a in argv]
    code = main([argv[0], "--model", str(tmp_path / "no-model"), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(message, err), err


def test_splits_with_different_columns_say_which_and_where(tmp_path):
    (tmp_path / "train.csv").write_text("comment_text,toxic\nhello,0\nyou idiot,1\n")
    (tmp_path / "test.csv").write_text("id,comment_text\na,hello\n")
    with pytest.raises(
        ValueError,
        match=r"\[train\]: All the data files must have the same columns; one has id, comment_text, another",
    ):
        load_dataset_split(str(tmp_path), "train")


def test_a_dataset_repository_on_the_local_hub(dataset_folder, local_hub):
    folder, _ = dataset_folder
    api = HfApi()
    api.create_repo(f"{USER}/comments", repo_type="dataset")
    for name in ("train.csv", "validation.csv"):
        api.upload_file(
            path_or_fileobj=folder / name, path_in_repo=name, repo_id=f"{USER}/comments", repo_type="dataset"
        )
    train, valid = read_tables(
        DataArguments(dataset_name=f"{USER}/comments", validation_split_name="validation")
    )
    assert valid["comment_text"] == load_dataset_split(str(folder), "validation")["comment_text"]
    assert (train.num_rows, valid.num_rows) == (80, 40)
    assert any(r.path.startswith(f"/datasets/{USER}/comments/resolve/") for r in local_hub.requests)
    with pytest.raises(ValueError, match=rf"{USER}/comments\[test\]: Unknown split \"test\""):
        load_dataset_split(f"{USER}/comments", "test")
    with pytest.raises(
        ValueError, match=rf"{USER}/nope: not a local dataset folder, and not found on the Hub"
    ):
        load_dataset_split(f"{USER}/nope", "train")
