"""The test Hub of tests/hub_server/, driven by huggingface_hub as the Hub tests drive it."""

import hashlib
import random
from pathlib import Path

import pytest
from hub_server import READ_TOKEN, WRITE_TOKEN
from huggingface_hub import HfApi, ModelCard, hf_hub_download, list_repo_files, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

# huggingface_hub's own LFS upload passes a file as `data=`, which httpx2 flags.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=:DeprecationWarning")

REPO = "tester/tiny"


def write_folder(folder: Path) -> dict[str, bytes]:
    """A small folder: regular files, a weights file (LFS by name) and a 1.2 MB file (LFS by size)."""
    rng = random.Random(0)
    files = {
        "config.json": b'{"hidden_size": 5}',
        "notes/readme.txt": b"hello",
        "model.safetensors": rng.randbytes(3000),
        "data/large.dat": rng.randbytes(1_200_000),
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return files


def test_upload_folder_then_download_gives_the_same_bytes(local_hub, tmp_path):
    files = write_folder(tmp_path / "model")
    api = HfApi()
    api.create_repo(REPO)
    commit = api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")

    assert local_hub.files(REPO).keys() == {".gitattributes", *files}
    for name, content in files.items():
        assert Path(hf_hub_download(REPO, name)).read_bytes() == content
    snapshot = Path(snapshot_download(REPO))
    assert {name: (snapshot / name).read_bytes() for name in files} == files
    assert list_repo_files(REPO) == sorted([".gitattributes", *files])
    info = api.model_info(REPO, files_metadata=True)
    assert info.sha == commit.oid
    assert {sibling.rfilename for sibling in info.siblings if sibling.lfs} == {
        "model.safetensors",
        "data/large.dat",
    }


def test_large_files_and_weights_go_through_lfs_and_only_once(local_hub, tmp_path):
    files = write_folder(tmp_path / "model")
    api = HfApi()
    api.create_repo(REPO)
    api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")
    api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model", path_in_repo="copy")

    puts = [request.path.rsplit("/", 1)[-1] for request in local_hub.requests if request.method == "PUT"]
    lfs = {hashlib.sha256(files[name]).hexdigest() for name in ("model.safetensors", "data/large.dat")}
    assert sorted(puts) == sorted(lfs)  # the second upload finds the objects already stored
    assert local_hub.files(REPO)["copy/data/large.dat"] == files["data/large.dat"]


def test_private_repo_is_hidden_without_a_valid_token(local_hub):
    api = HfApi()
    api.create_repo(REPO, private=True)
    api.upload_file(path_or_fileobj=b"secret", path_in_repo="notes.txt", repo_id=REPO)

    assert api.model_info(REPO).private
    assert api.model_info(REPO, token=READ_TOKEN).private
    with pytest.raises(RepositoryNotFoundError):
        api.model_info(REPO, token=False)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(REPO, "notes.txt", token=False)
    assert Path(hf_hub_download(REPO, "notes.txt")).read_bytes() == b"secret"


def test_tokens_invalid_is_401_and_read_only_is_403_on_writes(local_hub):
    api = HfApi()
    assert api.whoami(token=READ_TOKEN)["auth"]["accessToken"]["role"] == "read"
    with pytest.raises(HfHubHTTPError) as invalid:
        api.whoami(token="hf_not_a_valid_token")
    with pytest.raises(HfHubHTTPError) as read_only:
        api.create_repo(REPO, token=READ_TOKEN)

    assert invalid.value.response.status_code == 401
    assert read_only.value.response.status_code == 403
    assert REPO not in local_hub.repos


def test_model_card_round_trip(local_hub):
    HfApi().create_repo(REPO)
    card = ModelCard("---\nlicense: apache-2.0\ntags:\n- text-classification\n---\n\n# Tiny LSTM\n")
    card.push_to_hub(REPO)

    loaded = ModelCard.load(REPO)
    assert loaded.data.license == "apache-2.0" and loaded.data.tags == ["text-classification"]
    assert "# Tiny LSTM" in loaded.text
    assert HfApi().model_info(REPO).card_data.license == "apache-2.0"


def test_push_to_a_branch_leaves_main_alone(local_hub):
    api = HfApi()
    api.create_repo(REPO)
    api.create_branch(REPO, branch="dev")
    api.create_branch(REPO, branch="dev", exist_ok=True)
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="notes.txt", repo_id=REPO, revision="dev")

    assert Path(hf_hub_download(REPO, "notes.txt", revision="dev")).read_bytes() == b"v2"
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "notes.txt")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "notes.txt", revision="nope")
    assert {branch.name for branch in api.list_repo_refs(REPO).branches} == {"main", "dev"}


def test_create_pr_commits_to_a_pull_request_ref(local_hub):
    api = HfApi()
    api.create_repo(REPO)
    commit = api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=REPO, create_pr=True)

    assert commit.pr_revision == "refs/pr/1"
    assert "x.txt" in local_hub.files(REPO, "refs/pr/1") and "x.txt" not in local_hub.files(REPO)


def test_a_failed_commit_changes_nothing_and_the_retry_succeeds(local_hub, tmp_path):
    files = write_folder(tmp_path / "model")
    api = HfApi()
    api.create_repo(REPO)
    local_hub.fail_next("commit", status=500)
    with pytest.raises(HfHubHTTPError) as failure:
        api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")

    assert failure.value.response.status_code == 500
    assert list(local_hub.files(REPO)) == [".gitattributes"]
    api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")
    assert local_hub.files(REPO).keys() == {".gitattributes", *files}


def test_fail_next_after_lets_the_first_requests_through(local_hub, tmp_path):
    write_folder(tmp_path / "model")
    api = HfApi()
    api.create_repo(REPO)
    local_hub.fail_next("lfs_upload", status=403, after=1, message="Request has expired")
    with pytest.raises(RuntimeError, match="Error while uploading"):
        api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")

    assert len(local_hub.lfs_objects) == 1 and list(local_hub.files(REPO)) == [".gitattributes"]
    before = len(local_hub.requests)
    api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")
    assert [request.method for request in local_hub.requests[before:]].count("PUT") == 1
    with pytest.raises(ValueError, match="unknown route"):
        local_hub.fail_next("no_such_route")


def test_the_token_is_only_ever_sent_in_the_authorization_header(local_hub, tmp_path):
    write_folder(tmp_path / "model")
    api = HfApi()
    api.create_repo(REPO)
    api.upload_folder(repo_id=REPO, folder_path=tmp_path / "model")
    hf_hub_download(REPO, "model.safetensors")

    for request in local_hub.requests:
        assert WRITE_TOKEN not in request.path
        others = {name: value for name, value in request.headers.items() if name != "authorization"}
        assert WRITE_TOKEN not in str(others)
        if request.method == "PUT":  # storage URLs get no token
            assert "authorization" not in request.headers
        elif request.path.startswith("/api/repos/"):
            assert request.headers["authorization"] == f"Bearer {WRITE_TOKEN}"


def test_a_stopped_hub_refuses_connections_and_restarts_with_its_state(local_hub):
    api = HfApi()
    api.create_repo(REPO)
    url = local_hub.url
    local_hub.stop()
    with pytest.raises(Exception, match=r"(?i)connection refused"):
        api.model_info(REPO)

    local_hub.start()
    assert local_hub.url == url and api.model_info(REPO).id == REPO
