"""Flink SQL Gateway REST calls: sessions, statements, operation polling, result fetching.

Payload shapes follow Flink's `docs/static/generated/rest_v{1,2}_sql_gateway.yml`:
`POST /sessions {sessionName, properties}` -> `{sessionHandle}`;
`POST /sessions/{s}/statements {statement}` -> `{operationHandle}`;
`GET .../operations/{o}/status` -> `{status}` (RUNNING, FINISHED, ERROR, ...);
`GET .../operations/{o}/result/{token}?rowFormat=JSON` -> `{resultType, jobID, results, nextResultUri}`.
An operation in ERROR answers its result fetch with HTTP 500 `{"errors": [..., "<stack trace>"]}`;
`error_summary` turns that into the first useful line plus the root cause.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from streamt.adapters._json import Shape
from streamt.adapters.http import NO_RETRY, HttpApi, Reply
from streamt.adapters.protocols import AdapterError
from streamt.adapters.waiting import Waits

log = logging.getLogger("streamt.adapters")
TERMINAL_OK = "FINISHED"
TERMINAL_BAD = frozenset({"ERROR", "CANCELED", "CLOSED", "TIMEOUT"})
# Exceptions that only wrap the real cause; skipped when picking the useful line.
WRAPPERS = ("SqlGatewayException", "SqlExecutionException", "TableException: Failed to execute")


def _simple_name(line: str) -> str:
    """`org.apache.flink.table.api.ValidationException: x` -> `ValidationException: x`."""
    head, sep, rest = line.partition(": ")
    if " " in head or "." not in head:
        return line
    return head.rsplit(".", 1)[1] + sep + rest


def error_summary(reply_text: str) -> str:
    """First useful line + root cause from a gateway error body (or a plain text)."""
    texts: list[str] = []
    try:
        body = json.loads(reply_text)
        errors = body.get("errors") if isinstance(body, dict) else None
        texts = [e for e in errors if isinstance(e, str)] if isinstance(errors, list) else []
    except ValueError:
        pass
    text = "\n".join(texts) if texts else reply_text
    lines = [ln.strip() for ln in text.splitlines()]
    causes = [ln.removeprefix("Caused by: ") for ln in lines if ln.startswith("Caused by: ")]
    heads = [ln for ln in lines if ln and not ln.startswith(("at ", "...", "<Exception"))]
    candidates = [c for c in causes if not any(w in c for w in WRAPPERS)] or causes or heads
    if not candidates:
        return text.strip()[:500] or "unknown error"
    first, root = _simple_name(candidates[0]), _simple_name(candidates[-1])
    return first if root in first else f"{first} (root cause: {root})"


class StatementError(AdapterError):
    """Flink refused a statement; `summary` is the useful line + root cause of its error."""

    def __init__(self, system: str, what: str, summary: str, reply: Reply) -> None:
        super().__init__(system, f"{what}: {summary}", url=reply.url, status=reply.status)
        self.summary = summary


@dataclass(frozen=True)
class OperationResult:
    job_id: str  # "" for statements that start no job
    rows: tuple[tuple[object, ...], ...]


class SqlGateway:
    """Thin client of one SQL Gateway; `api_version` is the REST version prefix (v2+ for jobID)."""

    def __init__(
        self,
        api: HttpApi,
        *,
        api_version: str = "v2",
        timeout_s: float = 180.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        """`sleep` (tests): how polls sleep, instead of on the caller's stop event."""
        self.api, self.prefix, self.timeout_s, self.clock = api, f"/{api_version}", timeout_s, clock
        self.sleep = sleep

    def open_session(self, properties: Mapping[str, str], name: str = "streamt") -> str:
        body = {"sessionName": name, "properties": dict(properties)}
        reply = self.api.request("POST", f"{self.prefix}/sessions", json_body=body, ok=(200,))
        shape = Shape(self.api.system, reply.url)
        return shape.str_(shape.obj(reply.json()), "sessionHandle")

    def close_session(self, session: str) -> None:
        """Best effort: a failed close must not hide the statement's own error (idle sessions
        expire on the gateway anyway)."""
        try:
            self.api.request("DELETE", f"{self.prefix}/sessions/{session}", allow=(404, 500))
        except AdapterError as exc:
            log.debug("could not close SQL Gateway session: %s", exc)

    def run(self, session: str, statement: str, waits: Waits | None = None) -> OperationResult:
        """Execute one statement, wait for it, fetch its results; errors raise AdapterError,
        `waits.stop` ends the wait with `Interrupted` (the statement may still start its job)."""
        waits = waits or Waits()
        base = f"{self.prefix}/sessions/{session}"
        reply = self.api.request(
            "POST",
            f"{base}/statements",
            json_body={"statement": statement},
            ok=(200,),
            allow=(400, 500),
        )
        if reply.status != 200:
            raise self._failure(reply)
        shape = Shape(self.api.system, reply.url)
        operation = shape.str_(shape.obj(reply.json()), "operationHandle")
        status = self._wait(f"{base}/operations/{operation}", waits)
        if status != TERMINAL_OK:
            fetched = self._fetch(f"{base}/operations/{operation}/result/0")
            raise self._failure(fetched, f"statement ended {status}")
        return self._results(f"{base}/operations/{operation}/result/0", waits)

    def _wait(self, operation_path: str, waits: Waits) -> str:
        deadline, delay, watch = self.clock() + self.timeout_s, 0.05, waits.watch(self.clock)
        while True:
            reply = self.api.request("GET", f"{operation_path}/status", ok=(200,))
            shape = Shape(self.api.system, reply.url)
            status = shape.str_(shape.obj(reply.json()), "status")
            if status == TERMINAL_OK or status in TERMINAL_BAD:
                return status
            if self.clock() > deadline:
                message = f"statement still {status} after {self.timeout_s:.0f}s"
                raise AdapterError(self.api.system, message, url=reply.url)
            watch.tick(f"statement {status}")
            waits.pause(delay, self.sleep)
            delay = min(delay * 2, 1.0)

    def _fetch(self, path: str) -> Reply:
        sep = "&" if "?" in path else "?"
        if "rowFormat=" not in path and self.prefix != "/v1":
            path = f"{path}{sep}rowFormat=JSON"
        return self.api.request("GET", path, ok=(200,), allow=(500,), retry=NO_RETRY)

    def _results(self, path: str, waits: Waits) -> OperationResult:
        rows: list[tuple[object, ...]] = []
        job_id, deadline, delay = "", self.clock() + self.timeout_s, 0.05
        next_path: str | None = path
        while next_path:
            reply = self._fetch(next_path)
            if reply.status != 200:
                raise self._failure(reply)
            shape = Shape(self.api.system, reply.url)
            body = shape.obj(reply.json())
            job_id = job_id or shape.opt_str(body, "jobID")
            result_type = shape.opt_str(body, "resultType")
            rows.extend(self._rows(shape, body.get("results")))
            following = body.get("nextResultUri")
            if result_type == "EOS" or not isinstance(following, str) or (job_id and rows):
                break
            if result_type == "NOT_READY":
                if self.clock() > deadline:
                    raise AdapterError(self.api.system, "results not ready in time", url=reply.url)
                waits.pause(delay, self.sleep)
                delay = min(delay * 2, 1.0)
            next_path = following
        if not job_id and rows and self._is_job_id(rows[0]):
            job_id = str(rows[0][0])
        return OperationResult(job_id, tuple(rows))

    @staticmethod
    def _rows(shape: Shape, results: object) -> list[tuple[object, ...]]:
        if not isinstance(results, dict):
            return []
        out = []
        for row in shape.arr(results.get("data", []), "results.data"):
            fields = shape.obj(row, "row").get("fields")
            out.append(tuple(fields) if isinstance(fields, list) else ())
        return out

    @staticmethod
    def _is_job_id(row: tuple[object, ...]) -> bool:
        value = row[0] if len(row) == 1 else None
        return (
            isinstance(value, str)
            and len(value) == 32
            and all(c in "0123456789abcdef" for c in value)
        )

    def _failure(self, reply: Reply, what: str = "statement failed") -> StatementError:
        """The gateway's error, summarised. Statement text is never included: DDL may hold secrets."""
        return StatementError(self.api.system, what, error_summary(reply.text), reply)
