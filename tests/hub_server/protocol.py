"""The HTTP exchange of the test Hub, as plain data: `Request`, `Response`, `HubError` and `Route`.

Endpoint modules (`repos`, `upload`, `download`) each declare a list of `Route`; `server` matches a request
against all of them and calls the route's handler as ``handler(hub, request, **path_parameters)``.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

PLACEHOLDERS = {
    "{repo}": r"(?P<repo>[^/]+/[^/]+)",
    "{rev}": r"(?P<rev>[^/]+)",
    "{oid}": r"(?P<oid>[0-9a-f]{64})",
}
# Access of a route: "public" (no token checked, like a presigned storage URL), "user" (any valid token),
# "read" (the repo must be readable), "write" (a write token).
ACCESS = ("public", "user", "read", "write")


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


class HubError(Exception):
    """An error answer: status, message and the ``X-Error-Code`` huggingface_hub maps to its exceptions."""

    def __init__(self, status: int, message: str, code: str | None = None, **extra: object):
        super().__init__(message)
        self.status, self.message, self.code, self.extra = status, message, code, extra

    def response(self, in_headers: bool = True) -> Response:
        """The JSON error body, and the message in ``X-Error-Message`` as well when ``in_headers``."""
        headers = {"X-Error-Message": self.message} if in_headers else {}
        headers |= {"X-Error-Code": self.code} if self.code else {}
        return json_response({"error": self.message, **self.extra}, self.status, **headers)


@dataclass(frozen=True)
class Route:
    """One endpoint: ``methods`` ("GET HEAD"), a ``name`` (for `LocalHub.fail_next`), the path ``pattern``
    (with the `PLACEHOLDERS`), its ``access`` (`ACCESS`) and the ``handler`` that answers it."""

    methods: str
    name: str
    pattern: str
    access: str
    handler: Callable[..., Response]

    def __post_init__(self) -> None:
        if self.access not in ACCESS:
            raise ValueError(f"unknown access {self.access!r} of route {self.name}")

    @cached_property
    def regex(self) -> re.Pattern:
        return compile_route(self.pattern)

    def match(self, method: str, path: str) -> dict[str, Any] | None:
        """The path parameters when this route answers ``method path``, else None."""
        found = self.regex.fullmatch(path)
        return found.groupdict() if found and method in self.methods.split() else None


def compile_route(pattern: str) -> re.Pattern:
    for placeholder, regex in PLACEHOLDERS.items():
        pattern = pattern.replace(placeholder, regex)
    return re.compile(pattern)
