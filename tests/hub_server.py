"""A Hub-compatible HTTP server for tests (in memory, 127.0.0.1, random port) and its `local_hub` fixture.

`LocalHub` speaks the part of the Hub's HTTP protocol that huggingface_hub 2.x uses to create a model repo,
upload to it (preupload, LFS batch + PUT + verify, NDJSON commit), list it and download from it (resolve).
It adds what tests need around that: bearer-token auth (write and read-only tokens), private repos, branches
and pull-request refs, a request log, and faults injected into chosen endpoints (`LocalHub.fail_next`).
Model, dataset and Space repos with ``namespace/name`` ids are supported (a dataset repo is keyed
``datasets/namespace/name`` in `LocalHub.repos`, a Space ``spaces/namespace/name``); LFS uploads to
dataset and Space repos, xet, pagination and redirects are not.
"""

import base64
import fnmatch
import hashlib
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

__all__ = ["READ_TOKEN", "USER", "WRITE_TOKEN", "Fault", "LocalHub", "LoggedRequest", "local_hub"]

WRITE_TOKEN = "hf_FAKEtoken_DO_NOT_LEAK_1234567890"
READ_TOKEN = "hf_FAKEreadonly_DO_NOT_LEAK_0987654321"
USER = "tester"
LFS_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth", "*.h5", "*.npy", "*.npz", "*.onnx", "*.msgpack")
GITATTRIBUTES = "".join(f"{pattern} filter=lfs diff=lfs merge=lfs -text\n" for pattern in LFS_PATTERNS)
DATE = "2025-01-01T00:00:00.000Z"
PLACEHOLDERS = {
    "{repo}": r"(?P<repo>[^/]+/[^/]+)",
    "{rev}": r"(?P<rev>[^/]+)",
    "{oid}": r"(?P<oid>[0-9a-f]{64})",
}

# (methods, route, path pattern, access). Access: "public" (no token checked, like a presigned storage URL),
# "user" (any valid token), "read" (the repo must be readable), "write" (a write token). Handler: `_on_<route>`.
ROUTES = [
    ("GET", "whoami", "/api/whoami-v2", "user"),
    ("GET", "agent_harnesses", "/api/agent-harnesses", "public"),
    ("POST", "create_repo", "/api/repos/create", "write"),
    ("POST", "validate_yaml", "/api/validate-yaml", "public"),
    ("GET", "repo_info", "/api/models/{repo}(?:/revision/{rev})?", "read"),
    ("GET", "refs", "/api/models/{repo}/refs", "read"),
    ("GET", "tree", "/api/models/{repo}/tree/{rev}(?:/(?P<path>.+))?", "read"),
    ("POST", "paths_info", "/api/models/{repo}/paths-info/{rev}", "read"),
    ("POST", "branch", "/api/models/{repo}/branch/(?P<branch>[^/]+)", "write"),
    ("POST", "preupload", "/api/models/{repo}/preupload/{rev}", "write"),
    ("POST", "lfs_batch", r"/{repo}\.git/info/lfs/objects/batch", "write"),
    ("PUT", "lfs_upload", "/_lfs/{repo}/{oid}", "public"),
    ("POST", "lfs_verify", "/_lfs/{repo}/{oid}/verify", "write"),
    ("POST", "commit", "/api/models/{repo}/commit/{rev}", "write"),
    ("GET HEAD", "resolve", "/{repo}/resolve/{rev}/(?P<path>.+)", "read"),
    # Dataset repos: the same handlers; `_match` keys them as "datasets/namespace/name".
    ("GET", "repo_info", "/api/datasets/{repo}(?:/revision/{rev})?", "read"),
    ("GET", "refs", "/api/datasets/{repo}/refs", "read"),
    ("GET", "tree", "/api/datasets/{repo}/tree/{rev}(?:/(?P<path>.+))?", "read"),
    ("POST", "paths_info", "/api/datasets/{repo}/paths-info/{rev}", "read"),
    ("POST", "preupload", "/api/datasets/{repo}/preupload/{rev}", "write"),
    ("POST", "commit", "/api/datasets/{repo}/commit/{rev}", "write"),
    ("GET HEAD", "resolve", "/datasets/{repo}/resolve/{rev}/(?P<path>.+)", "read"),
    # Space repos: enough to create one, commit to it and read it back.
    ("GET", "repo_info", "/api/spaces/{repo}(?:/revision/{rev})?", "read"),
    ("POST", "preupload", "/api/spaces/{repo}/preupload/{rev}", "write"),
    ("POST", "commit", "/api/spaces/{repo}/commit/{rev}", "write"),
    ("GET HEAD", "resolve", "/spaces/{repo}/resolve/{rev}/(?P<path>.+)", "read"),
]
# URL prefix -> the key prefix of such repos in `LocalHub.repos` (model repos have none).
REPO_KINDS = {
    "/api/datasets/": "datasets/",
    "/datasets/": "datasets/",
    "/api/spaces/": "spaces/",
    "/spaces/": "spaces/",
}


def compile_route(pattern: str) -> re.Pattern:
    for placeholder, regex in PLACEHOLDERS.items():
        pattern = pattern.replace(placeholder, regex)
    return re.compile(pattern)


COMPILED_ROUTES = [
    (methods.split(), name, compile_route(path), access) for methods, name, path, access in ROUTES
]


class HubError(Exception):
    """An error answer: status, message and the ``X-Error-Code`` huggingface_hub maps to its exceptions."""

    def __init__(self, status: int, message: str, code: str | None = None, **extra: object):
        super().__init__(message)
        self.status, self.message, self.code, self.extra = status, message, code, extra

    def response(self, in_headers: bool = True) -> "Response":
        """The JSON error body, and the message in ``X-Error-Message`` as well when ``in_headers``."""
        headers = {"X-Error-Message": self.message} if in_headers else {}
        headers |= {"X-Error-Code": self.code} if self.code else {}
        return json_response({"error": self.message, **self.extra}, self.status, **headers)


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


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # lower-cased names


@dataclass
class Fault:
    route: str
    status: int
    after: int  # matching requests let through before failing
    times: int
    message: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(data: object, status: int = 200, **headers: str) -> Response:
    return Response(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


def is_true(values: list[str] | None) -> bool:
    return bool(values) and values[0].lower() in ("1", "true")


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


class LocalHub:
    """An in-memory Hub on ``self.url``; ``with LocalHub() as hub:`` or the `local_hub` fixture.

    Tokens map to a role, ``"write"`` or ``"read"``; any valid token may read private repos and write to any
    namespace (no per-user permissions). Files over ``lfs_threshold`` bytes (1 MB, the Hub uses 10 MB) or
    matching `LFS_PATTERNS` are uploaded through LFS; the upload URLs it hands out need no token.
    """

    def __init__(self, tokens: dict[str, str] | None = None, lfs_threshold: int = 1_000_000):
        self.tokens = dict(tokens or {WRITE_TOKEN: "write", READ_TOKEN: "read"})
        self.lfs_threshold = lfs_threshold
        self.repos: dict[str, Repo] = {}
        self.lfs_objects: dict[str, bytes] = {}
        self.requests: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._port = 0

    # -- lifecycle and test helpers -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> "LocalHub":
        """Starts serving (again, on the same port after `stop`, with the same state)."""
        self._httpd = _Server(("127.0.0.1", self._port), _Handler)
        self._httpd.hub = self
        self._port = self._httpd.server_address[1]
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stops serving: clients then get "connection refused"."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "LocalHub":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment that points huggingface_hub (in a child process) at this server."""
        return {
            "HF_ENDPOINT": self.url,
            "HF_TOKEN": WRITE_TOKEN,
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_DISABLE_UPDATE_CHECK": "1",
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def fail_next(
        self,
        route: str,
        status: int = 500,
        *,
        after: int = 0,
        times: int = 1,
        message: str = "Internal Error",
    ) -> None:
        """Answers ``status`` to the next ``times`` requests of ``route`` after letting ``after`` through.

        Routes: whoami, create_repo, validate_yaml, repo_info, refs, tree, paths_info, preupload, commit,
        branch, lfs_batch, lfs_upload (the PUT of one LFS file), lfs_verify, resolve.
        """
        if route not in {name for _, name, _, _ in ROUTES}:
            raise ValueError(f"unknown route {route!r}")
        with self._lock:
            self.faults.append(Fault(route, status, after, times, message))

    def create_repo(self, repo_id: str, private: bool = False) -> Repo:
        """Creates ``repo_id`` with an initial commit holding ``.gitattributes``, as the Hub does."""
        with self._lock:
            repo = self.repos[repo_id] = Repo(repo_id, private)
            gitattributes = Blob(GITATTRIBUTES.encode(), lfs=False)
            repo.refs["main"] = repo.add_commit({".gitattributes": gitattributes}, "initial commit", None).oid
            return repo

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """Contents of ``repo_id`` at ``revision``, path -> bytes."""
        with self._lock:
            commit = self.repos[repo_id].commit_at(revision)
            return {path: blob.content for path, blob in commit.files.items()}

    # -- dispatch -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(LoggedRequest(request.method, request.path, dict(request.headers)))
        try:
            name, access, handler, params = self._match(request)
            self._authorize(access, request, params.get("repo"))
            if fault := self._take_fault(name):  # an injected failure: its message in the body only
                return HubError(fault.status, fault.message).response(in_headers=False)
            return handler(request, **params)
        except HubError as err:
            return err.response()

    def _match(self, request: Request) -> tuple[str, str, Callable[..., Response], dict[str, str]]:
        path = urlsplit(request.path).path
        for methods, name, pattern, access in COMPILED_ROUTES:
            match = pattern.fullmatch(path)
            if match and request.method in methods:
                params = {key: unquote(value) for key, value in match.groupdict().items() if value}
                kind = next((key for url, key in REPO_KINDS.items() if path.startswith(url)), "")
                if "repo" in params:
                    params["repo"] = kind + params["repo"]
                return name, access, getattr(self, f"_on_{name}"), params
        raise HubError(404, f"Not found: {request.method} {path}")

    def _role(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization")
        if authorization is None:
            return None
        token = authorization.removeprefix("Bearer ")
        if token not in self.tokens:
            raise HubError(401, "Invalid credentials in Authorization header")
        return self.tokens[token]

    def _authorize(self, access: str, request: Request, repo_id: str | None) -> None:
        if access == "public":  # like a presigned storage URL: no token needed, none checked
            return
        role = self._role(request)
        if access in ("user", "write") and role is None:
            raise HubError(401, "You must be authenticated to access this resource")
        if access == "write" and role != "write":
            raise HubError(403, "You don't have the rights to write with this token (read-only token)")
        repo = self.repos.get(repo_id) if repo_id else None
        if repo_id and (repo is None or (repo.private and role is None)):
            raise HubError(401 if role is None else 404, "Repository not found", "RepoNotFound")

    def _take_fault(self, name: str) -> Fault | None:
        with self._lock:
            fault = next((fault for fault in self.faults if fault.route == name), None)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                return None
            if fault is not None:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
            return fault

    # -- account and repos -------------------------------------------------------------------------

    def _on_whoami(self, request: Request) -> Response:
        token = {"displayName": "tests", "role": self._role(request)}
        return json_response({"type": "user", "name": USER, "orgs": [], "auth": {"accessToken": token}})

    def _on_agent_harnesses(self, request: Request) -> Response:
        return json_response({"standardEnvVars": [], "harnesses": {}})

    def _on_create_repo(self, request: Request) -> Response:
        payload = request.json()
        kind = payload.get("type") or "model"
        if kind not in ("model", "dataset", "space"):
            raise HubError(400, "Only model, dataset and space repos are supported by this test Hub")
        if kind == "space" and not payload.get("sdk"):
            raise HubError(400, "A Space needs an sdk (gradio, docker or static)")
        repo_id = f"{payload.get('organization') or USER}/{payload['name']}"
        key = repo_id if kind == "model" else f"{kind}s/{repo_id}"
        url = f"{self.url}/{key}"
        with self._lock:
            if key in self.repos:
                raise HubError(409, f"You already created this {kind} repo", url=url)
            private = payload.get("visibility") == "private" or bool(payload.get("private"))
            self.create_repo(key, private)
        return json_response({"url": url, "name": repo_id})

    def _on_validate_yaml(self, request: Request) -> Response:
        try:
            card_data({"README.md": Blob(request.json()["content"].encode(), False)})
        except yaml.YAMLError as err:
            return json_response({"errors": [{"message": str(err)}], "warnings": []}, 400)
        return json_response({"errors": [], "warnings": []})

    def _on_repo_info(self, request: Request, repo: str, rev: str = "main") -> Response:
        with self._lock:
            private, commit = self.repos[repo].private, self.repos[repo].commit_at(rev)
        blobs = is_true(request.query.get("blobs"))  # files_metadata=True
        siblings = [
            {"rfilename": path, **(blob.sibling() if blobs else {})} for path, blob in commit.files.items()
        ]
        data = card_data(commit.files) or {}
        return json_response(
            {
                "id": "/".join(repo.split("/")[-2:]),
                "author": repo.split("/")[-2],
                "sha": commit.oid,
                "private": private,
                "siblings": siblings,
            }
            | {
                "lastModified": DATE,
                "createdAt": DATE,
                "cardData": data or None,
                "tags": data.get("tags", []),
            }
        )

    def _on_refs(self, request: Request, repo: str) -> Response:
        with self._lock:
            refs = dict(self.repos[repo].refs)
        branches = [
            {"name": name, "ref": f"refs/heads/{name}", "targetCommit": oid}
            for name, oid in refs.items()
            if not name.startswith("refs/")
        ]
        prs = [
            {"name": name, "ref": name, "targetCommit": oid}
            for name, oid in refs.items()
            if name.startswith("refs/pr/")
        ]
        return json_response({"branches": branches, "tags": [], "converts": [], "pullRequests": prs})

    def _on_tree(self, request: Request, repo: str, rev: str, path: str = "") -> Response:
        with self._lock:
            files = self.repos[repo].commit_at(rev).files
        entries = tree_entries(files, path.strip("/"), is_true(request.query.get("recursive")))
        if path and not entries:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        return json_response(entries)

    def _on_paths_info(self, request: Request, repo: str, rev: str) -> Response:
        form = parse_qs(request.body.decode())
        with self._lock:
            files = self.repos[repo].commit_at(rev).files
        entries = []
        for path in form.get("paths", []):
            if path in files:
                entries.append(files[path].entry(path))
            elif any(name.startswith(f"{path}/") for name in files):
                entries.append({"type": "directory", "oid": git_sha1(path.encode()), "size": 0, "path": path})
        return json_response(entries)

    def _on_branch(self, request: Request, repo: str, branch: str) -> Response:
        start = request.json().get("startingPoint") or "main"
        with self._lock:
            repo_obj = self.repos[repo]
            if branch in repo_obj.refs:
                raise HubError(409, f"Reference already exists: refs/heads/{branch}")
            repo_obj.refs[branch] = repo_obj.commit_at(start).oid
        return json_response({})

    # -- upload -----------------------------------------------------------------------------------

    def _upload_mode(self, path: str, size: int) -> str:
        name = path.rsplit("/", 1)[-1]
        lfs = size > self.lfs_threshold or any(fnmatch.fnmatch(name, pattern) for pattern in LFS_PATTERNS)
        return "lfs" if lfs else "regular"

    def _on_preupload(self, request: Request, repo: str, rev: str) -> Response:
        with self._lock:
            commit = self.repos[repo].commit_at(rev)
        files = []
        for item in request.json()["files"]:
            existing = commit.files.get(item["path"])
            mode = self._upload_mode(item["path"], item["size"])
            oid = existing.local_oid if existing else None
            files.append({"path": item["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        return json_response({"files": files, "commitOid": commit.oid})

    def _on_lfs_batch(self, request: Request, repo: str) -> Response:
        payload = request.json()
        if payload.get("operation") != "upload":
            raise HubError(400, "Only the LFS upload operation is supported by this test Hub")
        objects = []
        for item in payload["objects"]:
            obj = {"oid": item["oid"], "size": item["size"], "authenticated": True}
            if item["oid"] not in self.lfs_objects:  # present objects get no actions: nothing to upload
                href = f"{self.url}/_lfs/{repo}/{item['oid']}"
                obj["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
            objects.append(obj)
        return json_response({"transfer": "basic", "objects": objects})

    def _on_lfs_upload(self, request: Request, repo: str, oid: str) -> Response:
        if hashlib.sha256(request.body).hexdigest() != oid:
            raise HubError(400, f"Uploaded content does not match sha256 {oid}")
        with self._lock:
            self.lfs_objects[oid] = request.body
        return Response(200)

    def _on_lfs_verify(self, request: Request, repo: str, oid: str) -> Response:
        if oid not in self.lfs_objects:
            raise HubError(404, f"LFS object {oid} was not uploaded")
        return json_response({})

    def _on_commit(self, request: Request, repo: str, rev: str) -> Response:
        header, *operations = (json.loads(line) for line in request.body.splitlines() if line.strip())
        if header["key"] != "header":
            raise HubError(400, "The first NDJSON line of a commit must be its header")
        with self._lock:
            repo_obj = self.repos[repo]
            base = repo_obj.commit_at(rev)
            if header["value"].get("parentCommit") not in (None, base.oid):
                raise HubError(412, "A commit has happened since the parent commit. Please pull and retry.")
            files = dict(base.files)
            for operation in operations:
                self._apply(files, operation["key"], operation["value"])
            commit = repo_obj.add_commit(files, header["value"]["summary"], base.oid)
            ref, pr_url = self._target_ref(repo_obj, rev, is_true(request.query.get("create_pr")))
            repo_obj.refs[ref] = commit.oid
        url = f"{self.url}/{repo}/commit/{commit.oid}"
        return json_response({"commitOid": commit.oid, "commitUrl": url, "pullRequestUrl": pr_url})

    def _apply(self, files: dict[str, Blob], key: str, value: dict) -> None:
        path = value["path"]
        if key == "file":
            files[path] = Blob(base64.b64decode(value["content"]), lfs=False)
        elif key == "lfsFile":
            if value["oid"] not in self.lfs_objects:
                raise HubError(422, f"LFS object {value['oid']} of {path} was not uploaded")
            files[path] = Blob(self.lfs_objects[value["oid"]], lfs=True)
        elif key == "deletedFile":
            if files.pop(path, None) is None:
                raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
        elif key == "deletedFolder":
            for name in [name for name in files if name.startswith(f"{path.rstrip('/')}/")]:
                del files[name]
        else:
            raise HubError(400, f"Unsupported commit operation {key!r}")

    def _target_ref(self, repo: Repo, rev: str, create_pr: bool) -> tuple[str, str | None]:
        if create_pr:
            number = 1 + sum(ref.startswith("refs/pr/") for ref in repo.refs)
            return f"refs/pr/{number}", f"{self.url}/{repo.repo_id}/discussions/{number}"
        if rev not in repo.refs:
            raise HubError(400, f"Cannot commit to {rev}: not a branch", "RevisionNotFound")
        return rev, None

    # -- download ---------------------------------------------------------------------------------

    def _on_resolve(self, request: Request, repo: str, rev: str, path: str) -> Response:
        with self._lock:
            commit = self.repos[repo].commit_at(rev)
        blob = commit.files.get(path)
        if blob is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        headers = {"ETag": f'"{blob.oid}"', "X-Repo-Commit": commit.oid, "Accept-Ranges": "bytes"}
        headers["Content-Type"] = "application/octet-stream"
        if blob.lfs:
            headers |= {"X-Linked-Etag": f'"{blob.sha256}"', "X-Linked-Size": str(len(blob.content))}
        start = re.fullmatch(r"bytes=(\d+)-", request.headers.get("range", ""))
        if start:
            offset = int(start.group(1))
            content_range = f"bytes {offset}-{len(blob.content) - 1}/{len(blob.content)}"
            return Response(206, blob.content[offset:], headers | {"Content-Range": content_range})
        return Response(200, blob.content, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    hub: LocalHub


class _Handler(BaseHTTPRequestHandler):
    """One request per connection (HTTP/1.0), so `LocalHub.stop` leaves no kept-alive connection behind."""

    server: _Server

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = parse_qs(urlsplit(self.path).query)
        request = Request(self.command, self.path, query, headers, self._read_body(headers))
        response = self.server.hub.handle(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", ""):
            return b"".join(self._chunks())
        return self.rfile.read(int(headers.get("content-length", 0)))

    def _chunks(self) -> Iterator[bytes]:
        while size := int(self.rfile.readline().split(b";")[0], 16):
            yield self.rfile.read(size + 2)[:size]  # each chunk ends with CRLF
        self.rfile.readline()  # the CRLF after the last, empty chunk

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read `LocalHub.requests`
        pass


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
