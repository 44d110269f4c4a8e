"""A Hub-compatible HTTP server for tests (in memory, 127.0.0.1, random port) and its `local_hub` fixture.

`LocalHub` speaks the part of the Hub's HTTP protocol that huggingface_hub 2.x uses to create a model repo,
upload to it (preupload, LFS batch + PUT + verify, NDJSON commit), list it and download from it (resolve).
It adds what tests need around that: bearer-token auth (write and read-only tokens), private repos, branches
and pull-request refs, a request log, and faults injected into chosen endpoints (`LocalHub.fail_next`).
Model, dataset and Space repos with ``namespace/name`` ids are supported (a dataset repo is keyed
``datasets/namespace/name`` in `LocalHub.repos`, a Space ``spaces/namespace/name``); LFS uploads to
dataset and Space repos, xet, pagination and redirects are not.

Where things are:

- `protocol`: `Request`, `Response`, `HubError` (an error answer) and `Route` (one endpoint).
- `store`: the data (repos, commits, blobs, LFS objects, tokens) as `HubState`; the test tokens and user.
- `repos`: whoami, create a repo, repo info, refs, tree, paths-info, branches.
- `upload`: preupload, the LFS batch / upload / verify, the commit.
- `download`: resolve (GET / HEAD, byte ranges).
- `server`: `LocalHub`, the HTTP server over a `HubState`: routing, auth, request log, `fail_next`.
- `fixture`: `local_hub`, and `point_huggingface_hub_at` for the values huggingface_hub read at import.
"""

from .fixture import local_hub, point_huggingface_hub_at
from .server import Fault, LocalHub, LoggedRequest
from .store import READ_TOKEN, USER, WRITE_TOKEN

__all__ = [
    "READ_TOKEN",
    "USER",
    "WRITE_TOKEN",
    "Fault",
    "LocalHub",
    "LoggedRequest",
    "local_hub",
    "point_huggingface_hub_at",
]
