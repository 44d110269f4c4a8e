"""Upload endpoints of the test Hub: preupload, the LFS batch / PUT / verify, and the NDJSON commit.

A commit applies its operations (add a file inline or by LFS object, delete a file or a folder) to a copy of
the base commit's files, so a failed commit changes nothing. ``create_pr`` commits go to ``refs/pr/N``.
LFS is served for model repos only; xet is not served (`LocalHub.env` sets ``HF_HUB_DISABLE_XET``).
"""

import base64
import fnmatch
import hashlib
import json

from .protocol import HubError, Request, Response, Route, is_true, json_response
from .store import LFS_PATTERNS, Blob, HubState, Repo


def upload_mode(hub: HubState, path: str, size: int) -> str:
    name = path.rsplit("/", 1)[-1]
    lfs = size > hub.lfs_threshold or any(fnmatch.fnmatch(name, pattern) for pattern in LFS_PATTERNS)
    return "lfs" if lfs else "regular"


def preupload(hub: HubState, request: Request, repo: str, rev: str) -> Response:
    with hub.lock:
        commit = hub.repos[repo].commit_at(rev)
    files = []
    for item in request.json()["files"]:
        existing = commit.files.get(item["path"])
        mode = upload_mode(hub, item["path"], item["size"])
        oid = existing.local_oid if existing else None
        files.append({"path": item["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid})
    return json_response({"files": files, "commitOid": commit.oid})


def lfs_batch(hub: HubState, request: Request, repo: str) -> Response:
    payload = request.json()
    if payload.get("operation") != "upload":
        raise HubError(400, "Only the LFS upload operation is supported by this test Hub")
    objects = []
    for item in payload["objects"]:
        obj = {"oid": item["oid"], "size": item["size"], "authenticated": True}
        if item["oid"] not in hub.lfs_objects:  # present objects get no actions: nothing to upload
            href = f"{hub.url}/_lfs/{repo}/{item['oid']}"
            obj["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
        objects.append(obj)
    return json_response({"transfer": "basic", "objects": objects})


def lfs_upload(hub: HubState, request: Request, repo: str, oid: str) -> Response:
    if hashlib.sha256(request.body).hexdigest() != oid:
        raise HubError(400, f"Uploaded content does not match sha256 {oid}")
    with hub.lock:
        hub.lfs_objects[oid] = request.body
    return Response(200)


def lfs_verify(hub: HubState, request: Request, repo: str, oid: str) -> Response:
    if oid not in hub.lfs_objects:
        raise HubError(404, f"LFS object {oid} was not uploaded")
    return json_response({})


def commit(hub: HubState, request: Request, repo: str, rev: str) -> Response:
    header, *operations = (json.loads(line) for line in request.body.splitlines() if line.strip())
    if header["key"] != "header":
        raise HubError(400, "The first NDJSON line of a commit must be its header")
    with hub.lock:
        repo_obj = hub.repos[repo]
        base = repo_obj.commit_at(rev)
        if header["value"].get("parentCommit") not in (None, base.oid):
            raise HubError(412, "A commit has happened since the parent commit. Please pull and retry.")
        files = dict(base.files)
        for operation in operations:
            apply(hub, files, operation["key"], operation["value"])
        new = repo_obj.add_commit(files, header["value"]["summary"], base.oid)
        ref, pr_url = target_ref(hub, repo_obj, rev, is_true(request.query.get("create_pr")))
        repo_obj.refs[ref] = new.oid
    url = f"{hub.url}/{repo}/commit/{new.oid}"
    return json_response({"commitOid": new.oid, "commitUrl": url, "pullRequestUrl": pr_url})


def apply(hub: HubState, files: dict[str, Blob], key: str, value: dict) -> None:
    """One commit operation on ``files`` (path -> blob), in place."""
    path = value["path"]
    if key == "file":
        files[path] = Blob(base64.b64decode(value["content"]), lfs=False)
    elif key == "lfsFile":
        if value["oid"] not in hub.lfs_objects:
            raise HubError(422, f"LFS object {value['oid']} of {path} was not uploaded")
        files[path] = Blob(hub.lfs_objects[value["oid"]], lfs=True)
    elif key == "deletedFile":
        if files.pop(path, None) is None:
            raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
    elif key == "deletedFolder":
        for name in [name for name in files if name.startswith(f"{path.rstrip('/')}/")]:
            del files[name]
    else:
        raise HubError(400, f"Unsupported commit operation {key!r}")


def target_ref(hub: HubState, repo: Repo, rev: str, create_pr: bool) -> tuple[str, str | None]:
    """The ref a commit moves, and the pull request's URL when ``create_pr``."""
    if create_pr:
        number = 1 + sum(ref.startswith("refs/pr/") for ref in repo.refs)
        return f"refs/pr/{number}", f"{hub.url}/{repo.repo_id}/discussions/{number}"
    if rev not in repo.refs:
        raise HubError(400, f"Cannot commit to {rev}: not a branch", "RevisionNotFound")
    return rev, None


ROUTES = [
    Route("POST", "preupload", "/api/models/{repo}/preupload/{rev}", "write", preupload),
    Route("POST", "lfs_batch", r"/{repo}\.git/info/lfs/objects/batch", "write", lfs_batch),
    Route("PUT", "lfs_upload", "/_lfs/{repo}/{oid}", "public", lfs_upload),
    Route("POST", "lfs_verify", "/_lfs/{repo}/{oid}/verify", "write", lfs_verify),
    Route("POST", "commit", "/api/models/{repo}/commit/{rev}", "write", commit),
    # Dataset and Space repos have no LFS routes: their files must go inline (small, not in LFS_PATTERNS).
    Route("POST", "preupload", "/api/datasets/{repo}/preupload/{rev}", "write", preupload),
    Route("POST", "commit", "/api/datasets/{repo}/commit/{rev}", "write", commit),
    Route("POST", "preupload", "/api/spaces/{repo}/preupload/{rev}", "write", preupload),
    Route("POST", "commit", "/api/spaces/{repo}/commit/{rev}", "write", commit),
]
