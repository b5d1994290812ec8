"""Confluent Cloud Flink adapter: the statements API (`sql/v1`) behind `FlinkCluster`.

A job is one statement in `organizations/{org}/environments/{env}/statements`, reached at
`https://flink.<region>.<cloud>.confluent.cloud` (or the cluster's `rest_url`) with a Flink API
key as HTTP basic auth (the injected client holds it; it is never in a URL, body or message).

- `submit(statements, config)`: the compiled job as one statement (`streamt.sql.confluent`:
  the INSERT over the topics' tables), its properties `sql.current-catalog` /
  `sql.current-database` plus the job's options Confluent has (`sql.*`; `table.exec.state.ttl`
  -> `sql.state-ttl`); options Confluent manages itself (checkpointing, state backend,
  parallelism) are not sent; any other option is refused by name. The statement's name is
  derived from the job name and a hash of what is sent, so the same job is the same name; its
  label `streamt-job` carries the job name back to `list_jobs`. A name that exists already is
  resumed when STOPPED, adopted when PENDING/RUNNING, deleted and created again when
  FAILED/COMPLETED. Returns the statement name (the job id).
- `stop_with_savepoint(name)`: Confluent Cloud takes no savepoints. The statement is stopped
  (`PATCH` JSON Patch `/spec/stopped` = true) and awaited STOPPED; what is returned is
  `confluent-statement:<name>`, which the next `submit` sends as `sql.tables.initial-offset-from`
  (carry-over offsets: the new statement starts where the old one stopped, documented for
  stateless statements only; Confluent refuses it for stateful ones, and the upgrade fails
  there, leaving the old statement stopped and resumable by `streamt rollback`).
- `resume(name)`: `/spec/stopped` = false; `cancel(name)` / `delete(name)`: `DELETE` (gone: fine).
- `list_jobs`: every statement of the environment (pages of 100, following `metadata.next`),
  phases mapped to Flink job states (PENDING -> INITIALIZING, DEGRADED -> RESTARTING,
  STOPPING -> CANCELLING, STOPPED -> CANCELED, COMPLETED -> FINISHED, FAILED/FAILING as is).
- `job_exceptions(name)`: the statement's `status.detail` when it failed or degraded (the last
  one this client read, once `cancel` deleted the statement).
- `checkpoint_stats` / `explain`: Confluent exposes no checkpoints and streamt runs no EXPLAIN
  there (AdapterError: `status` shows no checkpoint figures rather than zeros);
  `job_parallelism` / `free_slots`: Confluent Cloud scales a compute pool itself, there are no
  task slots to wait for (1 / (0, 0), never a slot shortfall: no failure names one).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from streamt.adapters._json import Shape
from streamt.adapters.http import HttpApi, RetryPolicy
from streamt.adapters.protocols import AdapterError, CheckpointState
from streamt.adapters.waiting import Waits
from streamt.resources import JobState
from streamt.sql.confluent import NotForConfluent, cloud_statement

SYSTEM = "confluent-flink"
CARRY_OVER = "confluent-statement:"  # what stop_with_savepoint hands the next submit
CARRY_OVER_PROPERTY = "sql.tables.initial-offset-from"
JOB_LABEL = "streamt-job"
JSON_PATCH = "application/json-patch+json"
_PHASES = {
    "PENDING": "INITIALIZING",
    "RUNNING": "RUNNING",
    "DEGRADED": "RESTARTING",
    "FAILING": "FAILING",
    "FAILED": "FAILED",
    "STOPPING": "CANCELLING",
    "STOPPED": "CANCELED",
    "DELETING": "CANCELLING",
    "COMPLETED": "FINISHED",
}
_FAILED = ("FAILED", "FAILING", "DEGRADED")
# job options Confluent Cloud manages itself: not statement properties there
_MANAGED = ("pipeline.name", "parallelism.default", "execution.checkpointing.", "state.")
_RENAMED = {"table.exec.state.ttl": "sql.state-ttl"}
_SAVEPOINT_KEYS = ("execution.savepoint.path", "execution.state-recovery.path")
_NAME_CHARS = re.compile(r"[^a-z0-9]+")
MAX_NAME = 72


def endpoint(cloud: str, region: str) -> str:
    """The statements API's root for a cloud and region."""
    return f"https://flink.{region}.{cloud}.confluent.cloud"


def statement_name(job: str, sql: str, properties: Mapping[str, str]) -> str:
    """`<job name as lowercase letters, digits and dashes>-<12 hex of a hash of what is sent>`:
    stable for the same job and SQL, new when either changes (a statement's SQL is fixed). Where
    it starts from is not part of it: a rollback to the SQL of a stopped statement is that
    statement, resumed."""
    slug = _NAME_CHARS.sub("-", job.lower()).strip("-") or "streamt"
    kept = sorted((k, v) for k, v in properties.items() if k != CARRY_OVER_PROPERTY)
    sent = json.dumps([job, sql, kept], separators=(",", ":"))
    digest = hashlib.sha256(sent.encode()).hexdigest()[:12]
    return f"{slug[: MAX_NAME - 13].rstrip('-')}-{digest}"


class ConfluentFlinkClient:
    """`FlinkCluster` over Confluent Cloud's Flink statements API."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        organization_id: str,
        environment_id: str,
        compute_pool_id: str,
        database: str,
        catalog: str | None = None,
        principal: str | None = None,
        retry: RetryPolicy | None = None,
        timeout_s: float = 180.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = HttpApi(SYSTEM, client, retry=retry, sleep=sleep)
        self.base = f"/sql/v1/organizations/{organization_id}/environments/{environment_id}"
        self.ids = (organization_id, environment_id)
        self.pool, self.principal = compute_pool_id, principal
        self.catalog, self.database = catalog or environment_id, database
        self.timeout_s, self.clock = timeout_s, clock
        self.details: dict[str, str] = {}  # statement -> the failure detail last read

    @property
    def calls(self) -> int:
        return self.api.calls

    def _path(self, name: str = "") -> str:
        return f"{self.base}/statements" + (f"/{name}" if name else "")

    # ------------------------------------------------------------ reading

    def statement(self, name: str) -> Mapping[str, object] | None:
        """The statement document, None when there is none of that name."""
        reply = self.api.request("GET", self._path(name), ok=(200,), allow=(404,))
        if reply.status == 404:
            return None
        return Shape(SYSTEM, reply.url).obj(reply.json(), "statement")

    def statements(self) -> Iterator[Mapping[str, object]]:
        params: dict[str, str | list[str]] = {"page_size": "100"}
        while True:
            reply = self.api.request("GET", self._path(), params=params, ok=(200,))
            shape = Shape(SYSTEM, reply.url)
            body = shape.obj(reply.json(), "statement list")
            for item in shape.arr(body.get("data") or [], "data"):
                yield shape.obj(item, "statement")
            following = shape.opt_str(shape.obj(body.get("metadata") or {}, "metadata"), "next")
            token = parse_qs(urlsplit(following).query).get("page_token", [""])[0]
            if not token:
                return
            params = {"page_size": "100", "page_token": token}

    def list_jobs(self) -> Sequence[JobState]:
        jobs = [self._job(doc) for doc in self.statements()]
        return sorted(jobs, key=lambda j: (j.name, j.start_time_ms))

    def _job(self, doc: Mapping[str, object]) -> JobState:
        shape = Shape(SYSTEM, self.api.url(self._path()))
        name = shape.str_(doc, "name")
        metadata = shape.obj(doc.get("metadata") or {}, "metadata")
        labels = shape.obj(metadata.get("labels") or {}, "metadata.labels")
        job = labels.get(JOB_LABEL)
        return JobState(
            job_id=name,
            name=job if isinstance(job, str) and job else name,
            state=_PHASES.get(self._phase(doc), "UNKNOWN"),
            start_time_ms=_epoch_ms(shape.opt_str(metadata, "created_at")),
        )

    def _phase(self, doc: Mapping[str, object]) -> str:
        status = doc.get("status")
        phase = status.get("phase") if isinstance(status, dict) else None
        detail = status.get("detail") if isinstance(status, dict) else None
        name = doc.get("name")
        if phase in _FAILED and isinstance(detail, str) and detail and isinstance(name, str):
            self.details[name] = detail
        return phase if isinstance(phase, str) else ""

    def job_exceptions(self, job_id: str) -> list[str]:
        doc = self.statement(job_id)
        if doc is not None and self._phase(doc) not in _FAILED:
            return []
        detail = self.details.get(job_id, "")
        return [detail] if detail else []

    def job_parallelism(self, job_id: str) -> int:
        return 1

    def free_slots(self) -> tuple[int, int]:
        return 0, 0

    def checkpoint_stats(self, job_id: str) -> CheckpointState:
        raise AdapterError(SYSTEM, "Confluent Cloud Flink exposes no checkpoint statistics")

    def explain(self, statements: Sequence[str]) -> list[str]:
        raise AdapterError(SYSTEM, "Confluent Cloud Flink statements are not explained by streamt")

    # ------------------------------------------------------------ writing

    def submit(
        self, statements: Sequence[str], config: Mapping[str, str], waits: Waits | None = None
    ) -> str:
        try:
            sql = cloud_statement(statements).sql
        except NotForConfluent as exc:
            raise AdapterError(SYSTEM, f"the job cannot run on Confluent Cloud: {exc}") from None
        job = config.get("pipeline.name", "")
        properties = self.properties(config)
        name = statement_name(job, sql, properties)
        body: dict[str, object] = {
            "name": name,
            "organization_id": self.ids[0],
            "environment_id": self.ids[1],
            "metadata": {"labels": {JOB_LABEL: job}} if job else {},
            "spec": {
                "statement": sql,
                "properties": properties,
                "compute_pool_id": self.pool,
                "stopped": False,
                **({"principal": self.principal} if self.principal else {}),
            },
        }
        reply = self.api.request(
            "POST", self._path(), json_body=body, ok=(200, 201, 202), allow=(409,)
        )
        if reply.status == 409:
            return self._existing(name, body, waits or Waits())
        return name

    def properties(self, config: Mapping[str, str]) -> dict[str, str]:
        """The statement properties of a job's options (see the module docstring)."""
        out = {"sql.current-catalog": self.catalog, "sql.current-database": self.database}
        refused: list[str] = []
        for key, value in config.items():
            if key in _SAVEPOINT_KEYS:
                if not value.startswith(CARRY_OVER):
                    refused.append(key)
                else:
                    out[CARRY_OVER_PROPERTY] = value[len(CARRY_OVER) :]
            elif key.startswith("sql."):
                out[key] = value
            elif key in _RENAMED:
                out[_RENAMED[key]] = value
            elif not key.startswith(_MANAGED):
                refused.append(key)
        if refused:
            raise AdapterError(
                SYSTEM,
                f"Confluent Cloud Flink has no option {', '.join(sorted(refused))}: statement "
                "properties are sql.* (remove it from advanced.flink.config)",
            )
        return out

    def _existing(self, name: str, body: Mapping[str, object], waits: Waits) -> str:
        doc = self.statement(name)
        phase = self._phase(doc) if doc is not None else ""
        if phase == "STOPPED":
            self.resume(name)
        elif phase in ("FAILED", "COMPLETED", ""):
            if doc is not None:
                self.delete(name)
                self._await_gone(name, waits)
            self.api.request("POST", self._path(), json_body=body, ok=(200, 201, 202))
        return name  # PENDING / RUNNING / DEGRADED: the same statement is already there

    def _stopped(self, name: str, stopped: bool) -> None:
        patch = [{"op": "replace", "path": "/spec/stopped", "value": stopped}]
        self.api.request(
            "PATCH", self._path(name), json_body=patch, ok=(200, 202), content_type=JSON_PATCH
        )

    def stop(self, name: str) -> None:
        self._stopped(name, True)

    def resume(self, name: str) -> None:
        self._stopped(name, False)

    def delete(self, name: str) -> None:
        self.api.request("DELETE", self._path(name), ok=(200, 202, 204), allow=(404,))

    def cancel(self, job_id: str) -> None:
        self.delete(job_id)

    def _await_gone(self, name: str, waits: Waits) -> None:
        """A deleted statement is DELETING for a while: its name is free once it is gone."""
        deadline, delay = self.clock() + self.timeout_s, 0.1
        while self.statement(name) is not None:
            if self.clock() > deadline:
                raise AdapterError(SYSTEM, f"statement {name} is still being deleted")
            waits.pause(delay, self.api.sleep)
            delay = min(delay * 2, 1.0)

    def stop_with_savepoint(
        self, job_id: str, directory: str | None = None, waits: Waits | None = None
    ) -> str:
        self.stop(job_id)
        waits = waits or Waits()
        deadline, delay, watch = self.clock() + self.timeout_s, 0.1, waits.watch(self.clock)
        while True:
            doc = self.statement(job_id)
            phase = self._phase(doc) if doc is not None else "gone"
            if phase == "STOPPED":
                return CARRY_OVER + job_id
            if phase in ("FAILED", "COMPLETED", "gone") or self.clock() > deadline:
                raise AdapterError(SYSTEM, f"statement {job_id} is {phase}, not STOPPED")
            watch.tick(f"statement {phase}, stopping")
            waits.pause(delay, self.api.sleep)
            delay = min(delay * 2, 1.0)


def _epoch_ms(stamp: str) -> int:
    try:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return 0
