"""Shared HTTP plumbing for the REST adapters: one request/retry/check path.

`HttpApi` wraps an injected `httpx.Client` (its `base_url` is the system's root URL) and:
- counts every request attempt in `calls` (the "calls per system" of a benchmark);
- retries transient failures with bounded exponential backoff: connection errors and 429
  always; timeouts and 5xx only for idempotent methods (a POST that may have been processed is
  never repeated);
- checks the status before any body is used, and decodes JSON only through `Reply.json()`;
- raises `AdapterError(system, message, url, status, body excerpt)` for everything else.

Credentials live in the injected client (`httpx.BasicAuth`), never in URLs, messages or logs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import httpx

from streamt.adapters.protocols import AdapterError

log = logging.getLogger("streamt.adapters")

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
DEFAULT_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries, including the first
    base_delay_s: float = 0.25
    max_delay_s: float = 4.0

    def delay(self, attempt: int) -> float:
        """Backoff before try number `attempt + 1` (attempt counts from 1)."""
        return float(min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1))))


NO_RETRY = RetryPolicy(attempts=1)


def http_client(
    base_url: str,
    *,
    username: str | None = None,
    password: str | None = None,
    ca_location: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> httpx.Client:
    """A client for one system: base URL, optional basic auth, optional CA bundle, timeouts."""
    auth = httpx.BasicAuth(username, password or "") if username else None
    verify: str | bool = ca_location or True
    try:
        return httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=auth,
            verify=verify,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 5.0)),
            headers={"Accept": "application/json"},
        )
    except httpx.InvalidURL:
        # httpx's reason may quote a piece of a resolved password: never repeat it
        raise AdapterError(
            "http",
            "the URL is not valid once its ${VAR} references are resolved; a user name or "
            "password inside a URL must be percent-encoded ('/', '@', ':', '#', line breaks)",
            url=_without_userinfo(base_url),
        ) from None


def _without_userinfo(url: str) -> str:
    """`url` with whatever precedes its last `@` masked (a malformed user-info included)."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[-1]}"


@dataclass(frozen=True)
class Reply:
    system: str
    method: str
    url: str
    status: int
    text: str

    def json(self) -> object:
        """The decoded body; invalid JSON is an AdapterError naming the call."""
        if not self.text.strip():
            return None
        try:
            value: object = json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise AdapterError(
                self.system,
                f"{self.method} returned invalid JSON ({exc.msg})",
                url=self.url,
                status=self.status,
                body=self.text,
            ) from None
        return value


class HttpApi:
    """Request/retry/check logic shared by the REST adapters of one system."""

    def __init__(
        self,
        system: str,
        client: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.system = system
        self.client = client
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.calls = 0

    def url(self, path: str) -> str:
        return str(self.client.base_url).rstrip("/") + path

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        params: Mapping[str, str | list[str]] | None = None,
        ok: Collection[int] = (200, 201, 202, 204),
        allow: Collection[int] = (),
        retry: RetryPolicy | None = None,
        content_type: str | None = None,
    ) -> Reply:
        """Send, retrying transient failures; statuses outside `ok` + `allow` raise.
        `content_type`: the body's media type when it is not plain JSON (a JSON Patch)."""
        policy = retry or self.retry
        idempotent = method.upper() in IDEMPOTENT
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(method, path, json_body, params, idempotent, content_type)
            if isinstance(outcome, Reply):
                if outcome.status in ok or outcome.status in allow:
                    return outcome
                outcome = self._status_error(outcome, idempotent)
            if not outcome.transient or attempt >= policy.attempts:
                raise outcome
            delay = policy.delay(attempt)
            log.debug("%s %s %s: %s; retry in %.2fs", self.system, method, path, outcome, delay)
            self.sleep(delay)

    def _attempt(
        self,
        method: str,
        path: str,
        json_body: object,
        params: Mapping[str, str | list[str]] | None,
        idempotent: bool,
        content_type: str | None = None,
    ) -> Reply | AdapterError:
        self.calls += 1
        url = self.url(path)
        log.debug("%s %s %s", self.system, method, url)
        try:
            if content_type is None:
                response = self.client.request(method, path, params=params, json=json_body)
            else:
                body = json.dumps(json_body).encode()
                headers = {"Content-Type": content_type}
                response = self.client.request(
                    method, path, params=params, content=body, headers=headers
                )
        except httpx.ConnectError as exc:
            return AdapterError(self.system, f"cannot connect ({exc})", url=url, transient=True)
        except httpx.TimeoutException as exc:
            kind = type(exc).__name__
            # a connect timeout never reached the server; a read timeout may have been processed
            transient = idempotent or isinstance(exc, httpx.ConnectTimeout)
            return AdapterError(self.system, f"timed out ({kind})", url=url, transient=transient)
        except httpx.HTTPError as exc:
            return AdapterError(
                self.system, f"request failed ({exc})", url=url, transient=idempotent
            )
        return Reply(self.system, method, str(response.url), response.status_code, response.text)

    def _status_error(self, reply: Reply, idempotent: bool) -> AdapterError:
        transient = reply.status == 429 or (reply.status >= 500 and idempotent)
        return AdapterError(
            self.system,
            f"{reply.method} failed",
            url=reply.url,
            status=reply.status,
            body=reply.text,
            transient=transient,
        )

    def get_json(self, path: str, params: Mapping[str, str | list[str]] | None = None) -> object:
        return self.request("GET", path, params=params, ok=(200,)).json()

    def close(self) -> None:
        self.client.close()
