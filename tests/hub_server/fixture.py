"""The `local_hub` fixture: a running `LocalHub` that huggingface_hub, transformers and datasets talk to."""

import os
import sys
from collections.abc import Iterator

import pytest

from .server import LocalHub


def point_huggingface_hub_at(hub: LocalHub, monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes this process use ``hub``: the environment, plus the values read at import time from it."""
    import huggingface_hub.hf_api
    import transformers.utils.hub
    from huggingface_hub import constants

    for name, value in hub.env().items():
        monkeypatch.setenv(name, value)
    home = os.environ["HF_HOME"]  # throw-away: conftest's per-test one, else the fixture's
    values = {
        "ENDPOINT": hub.url,
        "HUGGINGFACE_CO_URL_TEMPLATE": hub.url + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_XET": True,
        "HF_HUB_DISABLE_TELEMETRY": True,
        "HF_HOME": home,
        "HF_HUB_CACHE": os.path.join(home, "hub"),
        "HF_ASSETS_CACHE": os.path.join(home, "assets"),
        "HF_XET_CACHE": os.path.join(home, "xet"),
        "HF_TOKEN_PATH": os.path.join(home, "token"),
        "HF_STORED_TOKENS_PATH": os.path.join(home, "stored_tokens"),
        "AGENT_HARNESSES_PATH": os.path.join(home, ".agent_harnesses.json"),
    }
    for name, value in values.items():
        monkeypatch.setattr(constants, name, value)
    # Module-level helpers (huggingface_hub.upload_file, ...) are methods of an HfApi made at import time.
    monkeypatch.setattr(huggingface_hub.hf_api.api, "endpoint", hub.url)
    monkeypatch.setattr(sys.modules["huggingface_hub.utils.tqdm"], "HF_HUB_DISABLE_PROGRESS_BARS", True)
    monkeypatch.setattr(
        transformers.utils.hub, "_hf_api", None, raising=False
    )  # rebuilt on use, with the new endpoint
    import datasets.config  # datasets keeps its own copies of the endpoint and the offline switch

    for name, value in {
        "HF_ENDPOINT": hub.url,
        "HUB_DATASETS_URL": hub.url + "/datasets/{repo_id}/resolve/{revision}/{path}",
        "HF_HUB_OFFLINE": False,
        "HF_DATASETS_OFFLINE": False,
    }.items():
        monkeypatch.setattr(datasets.config, name, value)


@pytest.fixture
def local_hub(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalHub]:
    """A running `LocalHub` that huggingface_hub here and in child processes (``hub.env()``) talks to."""
    if "hf_home" not in os.environ.get("HF_HOME", ""):  # conftest's autouse fixture normally made one
        monkeypatch.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf_home")))
    with LocalHub() as hub:
        point_huggingface_hub_at(hub, monkeypatch)
        yield hub
