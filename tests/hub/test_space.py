"""`rnn-models push --space`: the Space's files on the (local) Hub, and its app.py without rnn-models."""

import ast
import json
import re
import sys

import pytest
import torch
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.cli import main
from rnn_models.hub.push import push_folder
from rnn_models.hub.space import REQUIREMENTS, space_files
from rnn_models.serving.demo_app import explain
from rnn_models.serving.inference import predict_scores

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

MODEL = "tester/toxic-tiny"
SPACE = "tester/toxic-demo"
TEXTS = ["thanks for the fix", "you idiot stop this", "stupid idiot edit"]

CHILD = """
import json
import sys
sys.path.insert(0, SPACE_FOLDER)  # as `python app.py` puts the Space's folder first
import app  # not __main__: no server, just the functions
model, tokenizer = app.load(MODEL, trust_remote_code=True)
scores, segments = app.explain(model, tokenizer, TEXT)
print("RESULT", json.dumps({"scores": scores, "segments": segments, "from": app.explain_words.__module__}))
"""


def imported(source: str) -> set[str]:
    """The top-level modules a file imports, anywhere in it (``.x`` for a relative import of ``x``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or "").split(".")[0])
    return found


def test_app_py_imports_only_torch_transformers_gradio_and_explanations_py():
    files = space_files(MODEL)
    # app.py: `.explanations` in the package, `explanations` (the copy beside it) in a Space.
    assert imported(files["app.py"]) - sys.stdlib_module_names == {
        "torch", "transformers", "gradio", ".explanations", "explanations",
    }  # fmt: skip
    # explanations.py: `.inference` only to load a model folder by name; app.py passes a loaded model.
    assert imported(files["explanations.py"]) - sys.stdlib_module_names == {"torch", "captum", ".inference"}
    assert [line.split(">")[0].split("=")[0] for line in REQUIREMENTS] == [
        "torch", "transformers", "captum", "gradio",
    ]  # fmt: skip


def test_push_space_writes_a_gradio_space_that_scores_like_predict(local_hub, tmp_path, capsys):
    tokenizer = RNNTokenizerFast.from_texts(TEXTS, max_length=20)
    torch.manual_seed(0)
    config = tiny_config("gru", vocab_size=len(tokenizer), id2label={0: "toxic"}, max_length=20)
    model = RNNForSequenceClassification(config).eval()
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    push_folder(tmp_path, MODEL)

    assert main(["push", "--space", SPACE, "--model", MODEL]) == 0
    assert f"wrote the Space {SPACE} for {MODEL}" in capsys.readouterr().out
    files = local_hub.files(f"spaces/{SPACE}")
    expected = space_files(MODEL)
    assert {name: files[name].decode() for name in expected} == expected
    assert "sdk: gradio" in expected["README.md"] and f"- {MODEL}" in expected["README.md"]

    space = tmp_path / "space"
    space.mkdir()
    for name, text in expected.items():
        (space / name).write_text(text, encoding="utf-8")
    text = "You idiot,  stop this!"
    code = f"SPACE_FOLDER = {str(space)!r}\nMODEL = {MODEL!r}\nTEXT = {text!r}\n" + CHILD
    output = run_without_rnn_models(code, env=local_hub.env())
    remote = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    assert remote["from"] == "explanations"  # the copy next to app.py
    assert remote["scores"]["toxic"] == pytest.approx(
        predict_scores(model, tokenizer, [text])[0, 0], abs=1e-6
    )
    segments = explain(model, tokenizer, text)[1]  # the package's demo on the model it pushed
    assert [piece for piece, _ in remote["segments"]] == [piece for piece, _ in segments]
    words = [(piece, value) for piece, value in remote["segments"] if value is not None]
    assert [piece for piece, _ in words] == ["You", "idiot,", "stop", "this!"]
    assert [value for _, value in words] == pytest.approx(
        [value for _, value in segments if value is not None], abs=1e-6
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["push", "--model", MODEL], r"give --repo_id \(push a model folder\) or --space"),
        (["push", "--model", "folder", "--space", SPACE], r"'folder': expected a Hub model repository id"),
    ],
)
def test_push_space_errors_are_one_line(argv, message, capsys):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert re.search(message, err), err
