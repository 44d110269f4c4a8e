"""Sharing on the Hugging Face Hub: the only module of rnn-models that talks to the Hub.

`push_folder` uploads a folder written by ``save_pretrained`` (weights, config and the model code that
``trust_remote_code`` needs) as one commit; `push_space` writes a demo Space. Failures become a
`HubPushError` with a one-line message that names the repository and the cause; the access token never
appears in it, nor in logs. The card's text comes from `rnn_models.hub.model_card`.
"""

import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from huggingface_hub import CommitOperationAdd, HfApi, get_token
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import validate_repo_id

__all__ = [
    "IGNORE_PATTERNS",
    "REQUIRED_FILES",
    "HubPushError",
    "check_model_folder",
    "push_folder",
    "push_space",
]

logger = logging.getLogger(__name__)

REQUIRED_FILES = ("config.json", "model.safetensors")
# Trainer checkpoints and TensorBoard runs stay local, as do temporary and editor files.
IGNORE_PATTERNS = ["checkpoint-*/", "runs/", "*.tmp", "*.temp", "*.swp", "*~", ".DS_Store"]
RETRY_HINT = "nothing was changed locally; run the same command again"


class HubPushError(RuntimeError):
    """A push to the Hub failed; the message is one line naming the repository and the cause."""


def push_folder(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    private: bool = False,
    commit_message: str | None = None,
    revision: str | None = None,
    token: str | None = None,
    create_pr: bool = False,
    readme: str | None = None,
) -> str:
    """Uploads a saved model folder to the Hub repo ``repo_id`` in one commit; returns the commit (or PR) URL.

    Creates the repo (and the branch ``revision``) when missing. Trainer checkpoints, ``runs/`` and temporary
    files are left out (`IGNORE_PATTERNS`). The token is ``token``, else ``HF_TOKEN``, else the saved login.
    The local folder is only read: a ``readme`` (e.g. the card re-rendered with ``repo_id``) replaces
    README.md in a staged copy of hard links.

    Example:
        >>> from rnn_models.hub.push import push_folder
        >>> push_folder("no/such/folder", "me/toxic-lstm")
        Traceback (most recent call last):
        FileNotFoundError: no/such/folder is not a folder
        >>> push_folder("toxic-lstm", "me/toxic-lstm", private=True)  # doctest: +SKIP
        'https://huggingface.co/me/toxic-lstm/commit/...'
    """
    folder = check_model_folder(folder)
    validate_repo_id(repo_id)  # a malformed id is a ValueError, not a failed push
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, private=private, exist_ok=True)
        if revision not in (None, "main") and not revision.startswith("refs/"):
            api.create_branch(repo_id, branch=revision, exist_ok=True)
        with _staged(folder, readme) as upload_from:
            commit = api.upload_folder(
                repo_id=repo_id,
                folder_path=upload_from,
                commit_message=commit_message or f"Upload {folder.name} with rnn-models",
                revision=revision,
                create_pr=create_pr,
                ignore_patterns=IGNORE_PATTERNS,
            )
    except Exception as err:
        secret = token or get_token()
        raise _push_error(err, repo_id, api.endpoint, secret) from _safe_cause(err, secret)
    url = commit.pr_url or commit.commit_url
    logger.info("Pushed %s to %s: %s", folder, repo_id, url)
    return url


def push_space(
    space_id: str, model_id: str, *, private: bool = False, token: str | None = None, title: str | None = None
) -> str:
    """Creates (or updates) the Gradio Space ``space_id`` that demos the Hub model ``model_id``, in one commit.

    The Space holds `rnn_models.hub.space.space_files`: app.py, explanations.py, requirements.txt (torch,
    transformers, captum, gradio) and its README. Returns the commit URL; failures are a one-line `HubPushError`.

    Example:
        >>> push_space("me/toxic-demo", "not-a-repo-id")
        Traceback (most recent call last):
        ValueError: 'not-a-repo-id': expected a Hub model repository id, USER/NAME
        >>> push_space("me/toxic-demo", "me/toxic-lstm")  # doctest: +SKIP
        'https://huggingface.co/spaces/me/toxic-demo/commit/...'
    """
    from .space import space_files

    files = space_files(model_id, title)
    validate_repo_id(space_id)
    api = HfApi(token=token)
    operations = [CommitOperationAdd(path, text.encode("utf-8")) for path, text in files.items()]
    try:
        api.create_repo(space_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
        commit = api.create_commit(
            space_id, operations, commit_message=f"Demo of {model_id} (rnn-models)", repo_type="space"
        )
    except Exception as err:
        secret = token or get_token()
        raise _push_error(err, space_id, api.endpoint, secret) from _safe_cause(err, secret)
    return commit.commit_url


@contextmanager
def _staged(folder: Path, readme: str | None) -> Iterator[Path]:
    """``folder`` itself, or a temporary copy (hard links where possible) whose README.md is ``readme``."""
    if readme is None:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix=".push-", dir=folder.parent) as tmp:
        staged = Path(tmp) / folder.name
        shutil.copytree(
            folder, staged, copy_function=_link_or_copy, ignore=shutil.ignore_patterns("checkpoint-*")
        )
        (staged / "README.md").unlink(missing_ok=True)  # a hard link: never write through it
        (staged / "README.md").write_text(readme, encoding="utf-8")
        yield staged


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def check_model_folder(folder: str | os.PathLike) -> Path:
    """Returns ``folder`` as a Path if it holds a saved model (`REQUIRED_FILES`); raises FileNotFoundError.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as empty:
        ...     check_model_folder(empty)
        Traceback (most recent call last):
        FileNotFoundError: ... is not a saved model folder: missing config.json, model.safetensors
    """
    path = Path(folder)
    if not path.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} is not a saved model folder: missing {', '.join(missing)}")
    return path


def _push_error(err: Exception, repo_id: str, endpoint: str, token: str | None) -> HubPushError:
    message = f"Could not push to {repo_id}: {_describe(err, endpoint)}"
    if token:
        message = message.replace(token, "***")
    return HubPushError(" ".join(message.split()))


def _describe(err: Exception, endpoint: str) -> str:
    """The cause of a failed push, in a few words, from the first informative exception in the chain."""
    for cause in _chain(err):
        if isinstance(cause, HfHubHTTPError) and cause.response is not None:
            return _describe_http(cause)
        if isinstance(cause, OfflineModeIsEnabled):
            return "offline mode is on (HF_HUB_OFFLINE=1)"
        if isinstance(cause, (ConnectionError, TimeoutError, socket.gaierror)) or _is_transport_error(cause):
            return f"the Hub at {endpoint} is unreachable ({_network_cause(err)})"
    summary = next(iter(str(err).splitlines()), "")
    return f"upload failed ({type(err).__name__}: {summary}); {RETRY_HINT}"


def _describe_http(err: HfHubHTTPError) -> str:
    status, request = err.response.status_code, err.response.request
    where = f"{request.method} {urlsplit(str(request.url)).path}"
    on_hub_api = where.split()[1].startswith("/api/") or ".git/info/lfs/" in where
    if status == 401 and on_hub_api:
        return "authentication failed (401): check HF_TOKEN or run `hf auth login`"
    if status == 403 and on_hub_api:
        return "permission denied (403): this token cannot write there; use a token with write access"
    if status == 404 and on_hub_api:
        return f"not found (404 from {where}): check the repository id and the revision"
    return f"upload failed ({status} from {where}); {RETRY_HINT}"


def _network_cause(err: Exception) -> str:
    for cause in _chain(err):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host name not resolved"
        if isinstance(cause, TimeoutError) or "Timeout" in type(cause).__name__:
            return "timed out"
    return "network error"


def _is_transport_error(err: BaseException) -> bool:
    """An error of the HTTP client below huggingface_hub (httpx / httpx2): connection, timeout, protocol."""
    module = type(err).__module__.split(".")[0]
    return module.startswith(("httpx", "httpcore")) and type(err).__name__ != "HTTPStatusError"


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _safe_cause(err: Exception, token: str | None) -> Exception | None:
    """``err`` to chain to, or None (no chained traceback) when any text in its chain holds the token."""
    texts = [str(cause) + repr(cause.args) for cause in _chain(err)]
    return None if token and any(token in text for text in texts) else err
