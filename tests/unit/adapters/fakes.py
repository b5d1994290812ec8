"""Test doubles for adapter unit tests: a scripted httpx transport and a no-wait sleep."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """Answers requests from a queue of (method, path-prefix, response-or-exception) steps."""

    steps: list[tuple[str, str, object]] = field(default_factory=list)
    seen: list[httpx.Request] = field(default_factory=list)

    def add(self, method: str, path: str, response: object) -> Script:
        self.steps.append((method, path, response))
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert self.steps, f"unexpected request {request.method} {request.url}"
        method, path, response = self.steps.pop(0)
        assert request.method == method, (
            f"expected {method} {path}, got {request.method} {request.url}"
        )
        raw_path = request.url.raw_path.decode().split("?")[0]
        assert raw_path == path, f"expected {method} {path}, got {request.method} {request.url}"
        if isinstance(response, Exception):
            raise response
        assert isinstance(response, httpx.Response)
        return response

    def body(self, index: int) -> object:
        return json.loads(self.seen[index].content)


def ok(payload: object = None, status: int = 200) -> httpx.Response:
    if payload is None:
        return httpx.Response(status)
    return httpx.Response(status, json=payload)


def text(body: str, status: int) -> httpx.Response:
    return httpx.Response(status, text=body)


def client(handler: Handler, base_url: str = "http://system.test") -> httpx.Client:
    return httpx.Client(base_url=base_url, transport=httpx.MockTransport(handler))


class Sleeps(list[float]):
    """A `sleep` that records delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
