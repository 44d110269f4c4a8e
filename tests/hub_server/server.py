"""`LocalHub`: the test Hub's HTTP server (127.0.0.1, random port), dispatch, auth, request log and faults.

A request is matched against the `ROUTES` of the endpoint modules (`repos`, `upload`, `download`), checked
against the route's access (`protocol.ACCESS`), then answered by its handler, or by a fault injected with
`LocalHub.fail_next`.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import download, repos, upload
from .protocol import HubError, Request, Response, Route
from .store import WRITE_TOKEN, HubState

ROUTES: list[Route] = [*repos.ROUTES, *upload.ROUTES, *download.ROUTES]
# URL prefix -> the key prefix of such repos in `LocalHub.repos` (model repos have none).
REPO_KINDS = {
    "/api/datasets/": "datasets/",
    "/datasets/": "datasets/",
    "/api/spaces/": "spaces/",
    "/spaces/": "spaces/",
}


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


class LocalHub(HubState):
    """An in-memory Hub on ``self.url``; ``with LocalHub() as hub:`` or the `local_hub` fixture.

    Tokens map to a role, ``"write"`` or ``"read"``; any valid token may read private repos and write to any
    namespace (no per-user permissions). Files over ``lfs_threshold`` bytes (1 MB, the Hub uses 10 MB) or
    matching `store.LFS_PATTERNS` are uploaded through LFS; the upload URLs it hands out need no token.
    """

    def __init__(self, tokens: dict[str, str] | None = None, lfs_threshold: int = 1_000_000):
        super().__init__(tokens, lfs_threshold)
        self.requests: list[LoggedRequest] = []
        self.faults: list[Fault] = []
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle and test helpers -------------------------------------------------------------------

    def start(self) -> "LocalHub":
        """Starts serving (again, on the same port after `stop`, with the same state)."""
        self._httpd = _Server(("127.0.0.1", self.port), _Handler)
        self._httpd.hub = self
        self.port = self._httpd.server_address[1]
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
        if route not in {known.name for known in ROUTES}:
            raise ValueError(f"unknown route {route!r}")
        with self.lock:
            self.faults.append(Fault(route, status, after, times, message))

    # -- dispatch -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(LoggedRequest(request.method, request.path, dict(request.headers)))
        try:
            route, params = self._match(request)
            self._authorize(route.access, request, params.get("repo"))
            if fault := self._take_fault(route.name):  # an injected failure: its message in the body only
                return HubError(fault.status, fault.message).response(in_headers=False)
            return route.handler(self, request, **params)
        except HubError as err:
            return err.response()

    def _match(self, request: Request) -> tuple[Route, dict[str, str]]:
        path = urlsplit(request.path).path
        for route in ROUTES:
            found = route.match(request.method, path)
            if found is not None:
                params = {key: unquote(value) for key, value in found.items() if value}
                kind = next((key for url, key in REPO_KINDS.items() if path.startswith(url)), "")
                if "repo" in params:
                    params["repo"] = kind + params["repo"]
                return route, params
        raise HubError(404, f"Not found: {request.method} {path}")

    def _authorize(self, access: str, request: Request, repo_id: str | None) -> None:
        if access == "public":  # like a presigned storage URL: no token needed, none checked
            return
        role = self.role(request.headers.get("authorization"))
        if access in ("user", "write") and role is None:
            raise HubError(401, "You must be authenticated to access this resource")
        if access == "write" and role != "write":
            raise HubError(403, "You don't have the rights to write with this token (read-only token)")
        repo = self.repos.get(repo_id) if repo_id else None
        if repo_id and (repo is None or (repo.private and role is None)):
            raise HubError(401 if role is None else 404, "Repository not found", "RepoNotFound")

    def _take_fault(self, name: str) -> Fault | None:
        with self.lock:
            fault = next((fault for fault in self.faults if fault.route == name), None)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                return None
            if fault is not None:
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
            return fault


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
