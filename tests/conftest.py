"""Tiny configurations and inputs shared by the tests (no network, no files outside tmp_path)."""

import pytest
import torch
from hub_server import local_hub  # noqa: F401

from rnn_models import RNNConfig

TINY = {"vocab_size": 30, "embedding_dim": 6, "hidden_size": 5}


def tiny_config(preset: str = "lstm", **overrides) -> RNNConfig:
    """A reference preset shrunk to test size (same cell, directions and dropouts)."""
    return RNNConfig.from_preset(preset, **{**TINY, **overrides})


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _isolated_hf_home(tmp_path_factory, monkeypatch):
    """Remote code and caches go to a throw-away HF_HOME, never the user's."""
    home = tmp_path_factory.mktemp("hf_home")
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_MODULES_CACHE", str(home / "modules"))


@pytest.fixture(autouse=True, scope="session")
def _session_in_a_temporary_folder(tmp_path_factory):
    """Module and session fixtures run in a throw-away folder too, never in the checkout."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("cwd"))
        yield


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """Each test runs in its own tmp_path: the current folder's contents (a trained `rnn-model/` left by
    `rnn-models train`, say) change no result, and default outputs land in tmp_path, not the checkout."""
    monkeypatch.chdir(tmp_path)
