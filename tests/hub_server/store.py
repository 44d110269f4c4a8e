"""What the test Hub holds, in memory: repos of commits of blobs, stored LFS objects, tokens (`HubState`).

The endpoint modules read and change a `HubState` under its ``lock``; `server.LocalHub` adds the HTTP
server, the dispatch, the request log and the injected faults on top of it.
"""

import hashlib
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property

import yaml

from .protocol import HubError

WRITE_TOKEN = "hf_FAKEtoken_DO_NOT_LEAK_1234567890"
READ_TOKEN = "hf_FAKEreadonly_DO_NOT_LEAK_0987654321"
USER = "tester"
LFS_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.h5", "*.npy", "*.npz", "*.onnx", "*.msgpack")
GITATTRIBUTES = "".join(f"{pattern} filter=lfs diff=lfs merge=lfs -text\n" for pattern in LFS_PATTERNS)
DATE = "2025-01-01T00:00:00.000Z"


def git_sha1(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Blob:
    content: bytes
    lfs: bool

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @cached_property
    def oid(self) -> str:
        """Git blob id: of the LFS pointer for LFS files, as on the Hub."""
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\nsize {len(self.content)}\n"
        return git_sha1(pointer.encode() if self.lfs else self.content)

    @property
    def local_oid(self) -> str:
        """What the client compares with in preupload: sha256 for LFS files, git sha1 otherwise."""
        return self.sha256 if self.lfs else git_sha1(self.content)

    def sibling(self) -> dict:
        """File metadata in ``siblings`` of the repo info (with ``files_metadata=True``)."""
        lfs = {"size": len(self.content), "sha256": self.sha256, "pointerSize": 134}
        return {"size": len(self.content), "blobId": self.oid, **({"lfs": lfs} if self.lfs else {})}

    def entry(self, path: str) -> dict:
        entry = {"type": "file", "oid": self.oid, "size": len(self.content), "path": path}
        if self.lfs:
            entry["lfs"] = {"oid": self.sha256, "size": len(self.content), "pointerSize": 134}
        return entry


@dataclass
class Commit:
    oid: str
    files: dict[str, Blob]
    message: str
    parent: str | None


@dataclass
class Repo:
    repo_id: str
    private: bool
    refs: dict[str, str] = field(default_factory=dict)  # branch or refs/pr/N -> commit oid
    commits: dict[str, Commit] = field(default_factory=dict)

    def commit_at(self, revision: str) -> Commit:
        oid = self.refs.get(revision, revision)
        if oid not in self.commits:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return self.commits[oid]

    def add_commit(self, files: dict[str, Blob], message: str, parent: str | None) -> Commit:
        digest = hashlib.sha1(f"{self.repo_id}:{parent}:{message}:{len(self.commits)}".encode())
        for path, blob in sorted(files.items()):
            digest.update(f"{path}:{blob.oid}".encode())
        commit = Commit(digest.hexdigest(), dict(files), message, parent)
        self.commits[commit.oid] = commit
        return commit


def card_data(files: dict[str, Blob]) -> dict | None:
    """The YAML header of README.md, as the Hub reports it in ``cardData``."""
    readme = files.get("README.md")
    match = re.match(r"---\n(.*?)\n---", readme.content.decode(), re.S) if readme else None
    return yaml.safe_load(match.group(1)) if match else None


def tree_entries(files: dict[str, Blob], folder: str, recursive: bool) -> list[dict]:
    """Tree listing of ``folder`` ("" = root): files and sub-folders, all levels when ``recursive``."""
    prefix = f"{folder}/" if folder else ""
    entries: dict[str, dict] = {}
    for path, blob in files.items():
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        for depth in range(1, len(parts)):
            sub = prefix + "/".join(parts[:depth])
            entries[sub] = {"type": "directory", "oid": git_sha1(sub.encode()), "size": 0, "path": sub}
            if not recursive:
                break
        if recursive or len(parts) == 1:
            entries[path] = blob.entry(path)
    return [entries[path] for path in sorted(entries)]


class HubState:
    """The Hub's data. Tokens map to a role, ``"write"`` or ``"read"``; files over ``lfs_threshold`` bytes
    or matching `LFS_PATTERNS` are uploaded through LFS. Repos are keyed ``namespace/name`` (models),
    ``datasets/namespace/name`` and ``spaces/namespace/name``."""

    def __init__(self, tokens: dict[str, str] | None = None, lfs_threshold: int = 1_000_000):
        self.tokens = dict(tokens or {WRITE_TOKEN: "write", READ_TOKEN: "read"})
        self.lfs_threshold = lfs_threshold
        self.repos: dict[str, Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}
        self.lock = threading.RLock()
        self.port = 0  # set when serving starts; kept across restarts

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def role(self, authorization: str | None) -> str | None:
        """The role of the ``Authorization`` header's token, None without one; 401 for an unknown token."""
        if authorization is None:
            return None
        token = authorization.removeprefix("Bearer ")
        if token not in self.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    def create_repo(self, repo_id: str, private: bool = False) -> Repo:
        """Creates ``repo_id`` with an initial commit holding ``.gitattributes``, as the Hub does."""
        with self.lock:
            repo = self.repos[repo_id] = Repo(repo_id, private)
            gitattributes = Blob(GITATTRIBUTES.encode(), lfs=False)
            repo.refs["main"] = repo.add_commit({".gitattributes": gitattributes}, "initial commit", None).oid
            return repo

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """Contents of ``repo_id`` at ``revision``, path -> bytes."""
        with self.lock:
            commit = self.repos[repo_id].commit_at(revision)
            return {path: blob.content for path, blob in commit.files.items()}
