"""push_folder against the local test Hub (tests/hub_server/): what is pushed loads where rnn-models is not
installed; every failure is one line naming the repo and the cause, leaves the folder alone and can be rerun."""

import json
import logging
import re
import socket
import traceback
from pathlib import Path

import pytest
import torch
from builders import fingerprint
from helpers import run_without_rnn_models
from hub_server import READ_TOKEN, WRITE_TOKEN
from huggingface_hub import constants

from rnn_models import RNNConfig, RNNForSequenceClassification
from rnn_models.hub.push import HubPushError, push_folder

# huggingface_hub's own LFS upload passes a file as `data=`, which httpx2 flags.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

REPO = "tester/tiny-lstm"
BAD_TOKEN = "hf_FAKEtoken_DO_NOT_LEAK_not_valid_000000"
SECRETS = (WRITE_TOKEN, READ_TOKEN, BAD_TOKEN)
MODEL_FILES = {
    ".gitattributes",
    "config.json",
    "model.safetensors",
    "configuration_rnn.py",
    "modeling_rnn.py",
    "recurrent_layers.py",
    "bag_of_ngrams.py",
    "classifier_head.py",
    "keras_padding.py",
    "from_vectors.py",
    "problem_type.py",
    "modeling_outputs.py",
    "presets.py",
    "text_feature_logits.py",
    "weight_init.py",
}
IDS = [[0, 0, 5, 6, 7], [3, 4, 0, 0, 0], [9, 8, 7, 6, 5]]
MASK = [[0, 0, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]]

CHILD = """
import json, torch
from transformers import AutoModelForSequenceClassification
model = AutoModelForSequenceClassification.from_pretrained(REPO, trust_remote_code=True).eval()
with torch.no_grad():
    logits = model(torch.tensor(IDS), attention_mask=torch.tensor(MASK)).logits
print(json.dumps({"module": type(model).__module__, "logits": logits.tolist()}))
"""


@pytest.fixture
def model_folder(tmp_path) -> Path:
    model = RNNForSequenceClassification(RNNConfig(vocab_size=30, embedding_dim=6, hidden_size=5))
    model.save_pretrained(tmp_path / "model")
    return tmp_path / "model"


@pytest.fixture
def logs(caplog) -> pytest.LogCaptureFixture:
    """Every log record of this process, huggingface_hub's and transformers' included, down to DEBUG."""
    for name in (None, "huggingface_hub", "transformers", "rnn_models"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_a_pushed_model_loads_without_the_package_and_gives_the_same_logits(local_hub, model_folder):
    url = push_folder(model_folder, REPO)

    assert re.fullmatch(rf"{local_hub.url}/{REPO}/commit/[0-9a-f]{{40}}", url)
    assert local_hub.files(REPO).keys() == MODEL_FILES
    code = f"REPO = {REPO!r}\nIDS = {IDS}\nMASK = {MASK}\n" + CHILD
    result = json.loads(run_without_rnn_models(code, env=local_hub.env()).strip().splitlines()[-1])

    assert result["module"].startswith("transformers_modules.")
    model = RNNForSequenceClassification.from_pretrained(model_folder).eval()
    with torch.no_grad():
        expected = model(torch.tensor(IDS), attention_mask=torch.tensor(MASK)).logits
    torch.testing.assert_close(torch.tensor(result["logits"]), expected)


def test_one_commit_without_checkpoints_runs_or_temporary_files(local_hub, model_folder):
    for junk in (
        "checkpoint-10/model.safetensors",
        "runs/events.out.tfevents",
        "model.tmp",
        "notes/draft.tmp",
    ):
        (model_folder / junk).parent.mkdir(parents=True, exist_ok=True)
        (model_folder / junk).write_bytes(b"junk")
    push_folder(model_folder, REPO, commit_message="First version")

    commits = [request for request in local_hub.requests if "/commit/" in request.path]
    assert len(commits) == 1
    assert local_hub.files(REPO).keys() == MODEL_FILES
    repo = local_hub.repos[REPO]
    assert repo.commits[repo.refs["main"]].message == "First version"


def test_push_to_a_private_repo_a_branch_and_a_pull_request(local_hub, model_folder):
    push_folder(model_folder, REPO, private=True, revision="dev")
    pr_url = push_folder(model_folder, REPO, create_pr=True)

    assert local_hub.repos[REPO].private
    assert local_hub.files(REPO, "dev").keys() == MODEL_FILES
    assert local_hub.files(REPO, "refs/pr/1").keys() == MODEL_FILES
    assert list(local_hub.files(REPO)) == [".gitattributes"]
    assert pr_url == f"{local_hub.url}/{REPO}/discussions/1"


def test_pushing_the_same_folder_twice_uploads_nothing_new(local_hub, model_folder):
    first = push_folder(model_folder, REPO)
    second = push_folder(model_folder, REPO)

    assert first == second
    assert [request.method for request in local_hub.requests].count("PUT") == 1  # model.safetensors, once


def test_the_token_argument_wins_over_hf_token_and_is_never_shown(
    local_hub, model_folder, monkeypatch, capfd, logs
):
    monkeypatch.setenv("HF_TOKEN", BAD_TOKEN)
    url = push_folder(model_folder, REPO, token=WRITE_TOKEN)

    api_requests = [request for request in local_hub.requests if request.path.startswith("/api/")]
    assert {request.headers["authorization"] for request in api_requests} == {f"Bearer {WRITE_TOKEN}"}
    shown = url + "".join(capfd.readouterr()) + logs.text
    assert not [secret for secret in SECRETS if secret in shown]


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("config.json", r"is not a saved model folder: missing config\.json"),
        ("model.safetensors", r"is not a saved model folder: missing model\.safetensors"),
        (".", r"is not a folder"),
    ],
    ids=["no-config", "no-weights", "no-folder"],
)
def test_a_folder_without_a_saved_model_is_refused_before_any_request(
    local_hub, model_folder, remove, message
):
    if remove == ".":
        model_folder = model_folder / "missing"
    else:
        (model_folder / remove).unlink()
    with pytest.raises(FileNotFoundError, match=rf"^{re.escape(str(model_folder))} {message}$"):
        push_folder(model_folder, REPO)
    assert local_hub.requests == []


def break_hub(case: str, hub, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Sets up one failure; returns the push_folder arguments that meet it."""
    if case == "hub_stopped":
        hub.stop()
    elif case == "unused_port":
        with socket.socket() as sock:  # bound then closed: nothing listens there
            sock.bind(("127.0.0.1", 0))
            monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{sock.getsockname()[1]}")
    elif case == "no_token":
        monkeypatch.delenv("HF_TOKEN")
    elif case == "commit_fails":
        hub.fail_next("commit", status=500, message=f"echoing the caller's token {WRITE_TOKEN}")
    elif case == "lfs_upload_fails":
        hub.fail_next("lfs_upload", status=403, message="Request has expired")
    return {
        "bad_token": {"token": BAD_TOKEN},
        "read_only_token": {"token": READ_TOKEN},
        "no_such_revision": {"revision": "refs/pr/99"},
    }.get(case, {})


def repair_hub(case: str, hub, monkeypatch: pytest.MonkeyPatch) -> None:
    if case == "hub_stopped":
        hub.start()
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setenv("HF_TOKEN", WRITE_TOKEN)


RETRY = r"; nothing was changed locally; run the same command again"


CAUSES = {
    "hub_stopped": r"the Hub at http://127\.0\.0\.1:\d+ is unreachable \(connection refused\)",
    "unused_port": r"the Hub at http://127\.0\.0\.1:\d+ is unreachable \(connection refused\)",
    "no_token": r"authentication failed \(401\): check HF_TOKEN or run `hf auth login`",
    "bad_token": r"authentication failed \(401\): check HF_TOKEN or run `hf auth login`",
    "read_only_token": r"permission denied \(403\): this token cannot write there; use a token with write access",
    "no_such_revision": rf"not found \(404 from POST /api/models/{REPO}/preupload/refs%2Fpr%2F99\): .*",
    "commit_fails": rf"upload failed \(500 from POST /api/models/{REPO}/commit/main\){RETRY}",
    "lfs_upload_fails": rf"upload failed \(403 from PUT /_lfs/{REPO}/[0-9a-f]{{64}}\){RETRY}",
}


@pytest.mark.parametrize("case", CAUSES)
def test_a_failed_push_says_why_in_one_line_changes_nothing_and_can_be_rerun(
    case, local_hub, model_folder, monkeypatch, capfd, logs
):
    before = fingerprint(model_folder)
    arguments = break_hub(case, local_hub, monkeypatch)
    with pytest.raises(HubPushError) as failure:
        push_folder(model_folder, REPO, **arguments)

    assert re.fullmatch(rf"Could not push to {REPO}: {CAUSES[case]}", str(failure.value))
    assert fingerprint(model_folder) == before
    shown = "".join(traceback.format_exception(failure.value)) + "".join(capfd.readouterr()) + logs.text
    assert not [secret for secret in SECRETS if secret in shown]
    repair_hub(case, local_hub, monkeypatch)
    push_folder(model_folder, REPO)
    assert local_hub.files(REPO).keys() == MODEL_FILES
    assert fingerprint(model_folder) == before
