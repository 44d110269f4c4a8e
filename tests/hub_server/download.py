"""Download endpoint of the test Hub: ``resolve`` (GET and HEAD), with ETags, LFS headers and byte ranges."""

import re

from .protocol import HubError, Request, Response, Route
from .store import HubState


def resolve(hub: HubState, request: Request, repo: str, rev: str, path: str) -> Response:
    with hub.lock:
        commit = hub.repos[repo].commit_at(rev)
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


ROUTES = [
    Route("GET HEAD", "resolve", "/{repo}/resolve/{rev}/(?P<path>.+)", "read", resolve),
    Route("GET HEAD", "resolve", "/datasets/{repo}/resolve/{rev}/(?P<path>.+)", "read", resolve),
    Route("GET HEAD", "resolve", "/spaces/{repo}/resolve/{rev}/(?P<path>.+)", "read", resolve),
]
