"""A resumed run scores with the model the interrupted run used, or refuses: a folder whose files the scorer
reads changed in place (same size and time included), or a Hub repository that got a new commit."""

import json
import os
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest
from builders import comments_table, default_preset_model

from rnn_models.commands.cli import main
from rnn_models.serving.partial_output import PartialOutput

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")  # the test Hub's client
REPO = "tester/default-preset"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny default-preset folder (text_features.json included) and a 40-row table."""
    folder = tmp_path_factory.mktemp("built")
    table = comments_table(folder / "comments.csv", 40)
    texts = pd.read_csv(table, keep_default_na=False)["comment_text"].tolist()
    return default_preset_model(folder / "model", texts), table


def interrupt(monkeypatch, argv: list[str], after_chunks: int = 2) -> None:
    """Runs ``argv`` until ``after_chunks`` chunks are in the partial file, then stops it as Ctrl-C does."""
    append = PartialOutput.append

    def append_then_stop(self, *args, **kwargs):
        append(self, *args, **kwargs)
        if self.progress.chunks == after_chunks:
            self.close()
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(PartialOutput, "append", append_then_stop)
        assert main(argv) == 130


def flip_weights_keeping_size_and_time(folder: Path) -> None:
    path = folder / "model.safetensors"
    before = path.stat()
    data = bytearray(path.read_bytes())
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_size])
    start = 8 + header_size + next(t["data_offsets"][0] for t in header.values() if t.get("dtype") == "F32")
    data[start : start + 4] = struct.pack("<f", 0.123)  # the first value of a float tensor
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # what a size-and-time check would see


def reorder_text_features(folder: Path) -> None:
    path = folder / "text_features.json"
    features = json.loads(path.read_text())
    features["words"] = features["words"][::-1]  # other ids for the same n-grams
    path.write_text(json.dumps(features))


def truncate_on_the_right(folder: Path) -> None:
    path = folder / "tokenizer_config.json"
    path.write_text(path.read_text().replace('"truncation_side": "left"', '"truncation_side": "right"'))


def export_other_weights(folder: Path) -> None:
    import torch

    from rnn_models.serving.inference import load_model
    from rnn_models.serving.onnx_serving import export_onnx

    model, _ = load_model(str(folder), "cpu")
    with torch.no_grad():
        model.text_features.bias.fill_(1.0)
    export_onnx(model, folder / "model.onnx")


CHANGES = {
    "model.safetensors": (flip_weights_keeping_size_and_time, "torch"),
    "text_features.json": (reorder_text_features, "torch"),
    "tokenizer_config.json": (truncate_on_the_right, "torch"),
    "model.onnx": (export_other_weights, "onnx"),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_resume_refuses_a_folder_changed_in_place_naming_the_file(name, built, tmp_path, monkeypatch, capsys):
    change, backend = CHANGES[name]
    if backend == "onnx":
        pytest.importorskip("onnxruntime")
    model = shutil.copytree(built[0], tmp_path / "model")
    if backend == "onnx":
        assert main(["export-onnx", "--model", str(model)]) == 0
    out = tmp_path / "scores.csv"
    argv = [
        "predict",
        "--model",
        str(model),
        "--file",
        str(built[1]),
        "--chunk_rows",
        "8",
        "--output",
        str(out),
    ]
    argv += ["--backend", backend]
    interrupt(monkeypatch, argv)
    change(model)
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"was written with model file {name} (sha256) '" in err, err
    assert not out.exists() and (tmp_path / ".scores.csv.partial.json").exists()  # kept to decide on


def test_resume_refuses_a_hub_model_with_a_new_commit_and_pins_one_commit(
    local_hub, built, tmp_path, monkeypatch, capsys
):
    model = shutil.copytree(built[0], tmp_path / "model")
    assert main(["push", "--model", str(model), "--repo_id", REPO]) == 0
    first = local_hub.repos[REPO].refs["main"]
    scoring = ["predict", "--model", REPO, "--file", str(built[1]), "--chunk_rows", "8", "--output"]
    whole = tmp_path / "whole.csv"
    assert main([*scoring, str(whole)]) == 0
    unchanged, changed = tmp_path / "unchanged.csv", tmp_path / "changed.csv"
    interrupt(monkeypatch, [*scoring, str(unchanged)])
    interrupt(monkeypatch, [*scoring, str(changed)])
    marker = json.loads((tmp_path / ".changed.csv.partial.json").read_text())
    assert marker["settings"]["model revision"] == first  # the commit it loaded, not only the name
    reorder_text_features(model)
    assert main(["push", "--model", str(model), "--repo_id", REPO]) == 0
    second = local_hub.repos[REPO].refs["main"]
    assert second != first
    capsys.readouterr()
    assert main([*scoring, str(changed), "--resume"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"was written with model revision '{first}', this run has '{second}'" in err
    assert not changed.exists()
    local_hub.repos[REPO].refs["main"] = first  # the branch moved back: the same model again
    assert main([*scoring, str(unchanged), "--resume"]) == 0
    assert unchanged.read_bytes() == whole.read_bytes()
