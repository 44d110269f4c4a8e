"""Account and repository endpoints of the test Hub: who am I, create a repo, its info, refs, tree, branches.

Each handler is ``handler(hub, request, **path_parameters) -> Response``; `ROUTES` lists them with their
paths and access. Dataset and Space repos share the handlers of model repos (their key in
``hub.repos`` starts with ``datasets/`` or ``spaces/``, see `server.REPO_KINDS`).
"""

from urllib.parse import parse_qs

import yaml

from .protocol import HubError, Request, Response, Route, is_true, json_response
from .store import DATE, USER, Blob, HubState, card_data, git_sha1, tree_entries


def whoami(hub: HubState, request: Request) -> Response:
    token = {"displayName": "tests", "role": hub.role(request.headers.get("authorization"))}
    return json_response({"type": "user", "name": USER, "orgs": [], "auth": {"accessToken": token}})


def agent_harnesses(hub: HubState, request: Request) -> Response:
    return json_response({"standardEnvVars": [], "harnesses": {}})


def create_repo(hub: HubState, request: Request) -> Response:
    payload = request.json()
    kind = payload.get("type") or "model"
    if kind not in ("model", "dataset", "space"):
        raise HubError(400, "Only model, dataset and space repos are supported by this test Hub")
    if kind == "space" and not payload.get("sdk"):
        raise HubError(400, "A Space needs an sdk (gradio, docker or static)")
    repo_id = f"{payload.get('organization') or USER}/{payload['name']}"
    key = repo_id if kind == "model" else f"{kind}s/{repo_id}"
    url = f"{hub.url}/{key}"
    with hub.lock:
        if key in hub.repos:
            raise HubError(409, f"You already created this {kind} repo", url=url)
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        hub.create_repo(key, private)
    return json_response({"url": url, "name": repo_id})


def validate_yaml(hub: HubState, request: Request) -> Response:
    try:
        card_data({"README.md": Blob(request.json()["content"].encode(), False)})
    except yaml.YAMLError as err:
        return json_response({"errors": [{"message": str(err)}], "warnings": []}, 400)
    return json_response({"errors": [], "warnings": []})


def repo_info(hub: HubState, request: Request, repo: str, rev: str = "main") -> Response:
    with hub.lock:
        private, commit = hub.repos[repo].private, hub.repos[repo].commit_at(rev)
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


def refs(hub: HubState, request: Request, repo: str) -> Response:
    with hub.lock:
        refs = dict(hub.repos[repo].refs)
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


def tree(hub: HubState, request: Request, repo: str, rev: str, path: str = "") -> Response:
    with hub.lock:
        files = hub.repos[repo].commit_at(rev).files
    entries = tree_entries(files, path.strip("/"), is_true(request.query.get("recursive")))
    if path and not entries:
        raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
    return json_response(entries)


def paths_info(hub: HubState, request: Request, repo: str, rev: str) -> Response:
    form = parse_qs(request.body.decode())
    with hub.lock:
        files = hub.repos[repo].commit_at(rev).files
    entries = []
    for path in form.get("paths", []):
        if path in files:
            entries.append(files[path].entry(path))
        elif any(name.startswith(f"{path}/") for name in files):
            entries.append({"type": "directory", "oid": git_sha1(path.encode()), "size": 0, "path": path})
    return json_response(entries)


def branch(hub: HubState, request: Request, repo: str, branch: str) -> Response:
    start = request.json().get("startingPoint") or "main"
    with hub.lock:
        repo_obj = hub.repos[repo]
        if branch in repo_obj.refs:
            raise HubError(409, f"Reference already exists: refs/heads/{branch}")
        repo_obj.refs[branch] = repo_obj.commit_at(start).oid
    return json_response({})


ROUTES = [
    Route("GET", "whoami", "/api/whoami-v2", "user", whoami),
    Route("GET", "agent_harnesses", "/api/agent-harnesses", "public", agent_harnesses),
    Route("POST", "create_repo", "/api/repos/create", "write", create_repo),
    Route("POST", "validate_yaml", "/api/validate-yaml", "public", validate_yaml),
    Route("GET", "repo_info", "/api/models/{repo}(?:/revision/{rev})?", "read", repo_info),
    Route("GET", "refs", "/api/models/{repo}/refs", "read", refs),
    Route("GET", "tree", "/api/models/{repo}/tree/{rev}(?:/(?P<path>.+))?", "read", tree),
    Route("POST", "paths_info", "/api/models/{repo}/paths-info/{rev}", "read", paths_info),
    Route("POST", "branch", "/api/models/{repo}/branch/(?P<branch>[^/]+)", "write", branch),
    # Dataset repos: info, refs, tree and paths; Space repos: info only.
    Route("GET", "repo_info", "/api/datasets/{repo}(?:/revision/{rev})?", "read", repo_info),
    Route("GET", "refs", "/api/datasets/{repo}/refs", "read", refs),
    Route("GET", "tree", "/api/datasets/{repo}/tree/{rev}(?:/(?P<path>.+))?", "read", tree),
    Route("POST", "paths_info", "/api/datasets/{repo}/paths-info/{rev}", "read", paths_info),
    Route("GET", "repo_info", "/api/spaces/{repo}(?:/revision/{rev})?", "read", repo_info),
]
