"""A tiny router shared by the fake servers: path templates with `{name}` segments."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

Handler = Callable[..., httpx.Response]


def reply(status: int, body: object = None) -> httpx.Response:
    if body is None:
        return httpx.Response(status)
    return httpx.Response(status, json=body)


def json_body(request: httpx.Request) -> Any:
    """The request's JSON body; `ValueError` when it is not JSON."""
    return json.loads(request.content or b"null")


@dataclass
class Router:
    """Routes `(method, template)` to handlers; the segments of a template's `{name}` parts are
    passed percent-decoded as keyword arguments. Every request is kept in `seen`. Requests are
    answered one at a time (apply calls a system from several threads within a phase; a real
    server's state stays consistent under that, so the model's must too)."""

    routes: list[tuple[str, list[str], Handler]] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)
    answered: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, method: str, template: str, handler: Handler) -> None:
        self.routes.append((method, template.strip("/").split("/"), handler))

    def dispatch(
        self, request: httpx.Request, missing: Callable[[str], httpx.Response]
    ) -> httpx.Response:
        with self.lock:
            response = self._dispatch(request, missing)
            self.answered.append((request.method, request.url.path, response.status_code))
        return response

    def _dispatch(
        self, request: httpx.Request, missing: Callable[[str], httpx.Response]
    ) -> httpx.Response:
        self.seen.append(request)
        raw = request.url.raw_path.decode().split("?")[0]
        parts = raw.strip("/").split("/")
        for method, template, handler in self.routes:
            if method != request.method or len(template) != len(parts):
                continue
            args: dict[str, str] = {}
            for want, got in zip(template, parts, strict=True):
                if want.startswith("{"):
                    args[want[1:-1]] = unquote(got)
                elif want != got:
                    break
            else:
                return handler(request, **args)
        return missing(f"{request.method} {raw}")
