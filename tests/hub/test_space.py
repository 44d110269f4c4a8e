"""`rnn-models push --space`: the Space's files on the (local) Hub, and its app.py without rnn-models."""

import ast
import json
import re

import pytest
import torch
from helpers import run_without_rnn_models

from conftest import tiny_config
from rnn_models import RNNForSequenceClassification, RNNTokenizerFast
from rnn_models.commands.cli import main
from rnn_models.hub.push import push_folder
from rnn_models.hub.space import REQUIREMENTS, space_files
from rnn_models.serving.inference import predict_scores

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

MODEL = "tester/toxic-tiny"
SPACE = "tester/toxic-demo"
TEXTS = ["thanks for the fix", "you idiot stop this", "stupid idiot edit"]

CHILD = """
import json
namespace = {"__name__": "space_app"}
exec(compile(APP, "app.py", "exec"), namespace)  # not __main__: no server, just the functions
model, tokenizer = namespace["load"](MODEL, trust_remote_code=True)
scores, words = namespace["explain"](model, tokenizer, TEXT)
print("RESULT", json.dumps({"scores": scores, "words": words}))
"""


def test_app_py_imports_only_torch_transformers_and_gradio():
    tree = ast.parse(space_files(MODEL)["app.py"])
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"os", "torch", "transformers", "gradio"}
    assert [line.split(">")[0].split("=")[0] for line in REQUIREMENTS] == ["torch", "transformers", "gradio"]


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

    code = f"APP = {expected['app.py']!r}\nMODEL = {MODEL!r}\nTEXT = {TEXTS[1]!r}\n" + CHILD
    output = run_without_rnn_models(code, env=local_hub.env())
    remote = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    assert remote["scores"]["toxic"] == pytest.approx(
        predict_scores(model, tokenizer, TEXTS[1:2])[0, 0], abs=1e-6
    )
    assert [word for word, _ in remote["words"]] == ["you", "idiot", "stop", "this"]


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
