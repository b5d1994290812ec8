"""Flink adapter: JobManager REST (jobs, savepoints, checkpoints) + SQL Gateway (statements).

- `list_jobs`: one `GET /jobs/overview` for every job (name = `pipeline.name`, state, times).
- `submit(statements, config)`: a fresh SQL Gateway session whose properties are `config` (so one
  job's options never leak into another), runs every statement in order (SET / CREATE ... /
  the INSERT last), returns the job id of the last statement, closes the session. A resume from
  a savepoint is `config["execution.savepoint.path"]` (Flink 2.x reads it as the deprecated key
  of `execution.state-recovery.path`).
- `explain(statements)`: same, in a throwaway session, but the last statement runs as
  `EXPLAIN <statement>`; returns the gateway's error summaries ([] when valid), never raises for
  a planner error.
- `stop_with_savepoint`: `POST /jobs/{id}/stop`, polls `GET /jobs/{id}/savepoints/{trigger}`,
  then waits for the job to leave RUNNING; returns the savepoint path.
- `stop_savepoint`: the status and path of the savepoint a stop-with-savepoint of a job took
  (`GET /jobs/{id}/checkpoints`, type `SYNC_SAVEPOINT`): in progress, completed, failed.
- Every wait (the savepoint, the job leaving RUNNING, a SQL Gateway statement) takes the
  caller's `Waits` (`adapters/waiting.py`): it beats every 10 s and ends within a poll with
  `Interrupted` when the caller's stop event is set (Ctrl-C).
- `cancel`: `PATCH /jobs/{id}?mode=cancel`.
- `job_exceptions`: `GET /jobs/{id}/exceptions`, the meaningful cause of each failure, newest
  first (Flink 2.x: `exceptionHistory.entries[].stacktrace` + `taskName`, read by
  `streamt.adapters.java_trace`: the deepest cause with a message, the record, the operator;
  the `root-exception` field of Flink 1.x when there is no history).
- `job_parallelism`: slots a job needs (`GET /jobs/{id}`, the largest vertex parallelism: with
  the default slot sharing one slot runs one subtask of every vertex).
- `free_slots`: `GET /overview` -> (`slots-available`, `slots-total`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import httpx

from streamt.adapters._json import Shape
from streamt.adapters.http import HttpApi, RetryPolicy
from streamt.adapters.java_trace import meaningful_cause
from streamt.adapters.protocols import AdapterError, CheckpointState
from streamt.adapters.sql_gateway import SqlGateway, StatementError
from streamt.adapters.waiting import Waits
from streamt.resources import JobState

REST = "flink"
GATEWAY = "flink-sql-gateway"
TERMINAL_JOB_STATES = frozenset({"FINISHED", "CANCELED", "FAILED"})


class FlinkClient:
    """`FlinkCluster` over Flink REST (`rest`) and the SQL Gateway REST API (`gateway`)."""

    def __init__(
        self,
        rest: httpx.Client,
        gateway: httpx.Client,
        *,
        retry: RetryPolicy | None = None,
        gateway_api_version: str = "v2",
        timeout_s: float = 180.0,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`sleep` (tests): how waits sleep between polls, instead of on the stop event."""
        self.rest = HttpApi(REST, rest, retry=retry, sleep=sleep or time.sleep)
        self.gateway_api = HttpApi(GATEWAY, gateway, retry=retry, sleep=sleep or time.sleep)
        self.gateway = SqlGateway(
            self.gateway_api,
            api_version=gateway_api_version,
            timeout_s=timeout_s,
            clock=clock,
            sleep=sleep,
        )
        self.timeout_s, self.clock, self.sleep = timeout_s, clock, sleep
        # (statements, config) -> the stream graph explained for them (`stream_graph`)
        self._graphs: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], str] = {}

    @property
    def calls(self) -> int:
        return self.rest.calls + self.gateway_api.calls

    # ------------------------------------------------------------ jobs (REST)

    def list_jobs(self) -> Sequence[JobState]:
        reply = self.rest.request("GET", "/jobs/overview", ok=(200,))
        shape = Shape(REST, reply.url)
        jobs = shape.arr(shape.obj(reply.json()).get("jobs"), "jobs")
        return sorted(
            (self._job(shape, job) for job in jobs), key=lambda j: (j.name, j.start_time_ms)
        )

    @staticmethod
    def _job(shape: Shape, item: object) -> JobState:
        job = shape.obj(item, "job")
        return JobState(
            job_id=shape.str_(job, "jid"),
            name=shape.str_(job, "name"),
            state=shape.str_(job, "state"),
            start_time_ms=shape.int_(job, "start-time", 0),
            end_time_ms=shape.int_(job, "end-time", -1),
            duration_ms=shape.int_(job, "duration", 0),
        )

    def job_state(self, job_id: str) -> str:
        reply = self.rest.request("GET", f"/jobs/{job_id}", ok=(200,))
        shape = Shape(REST, reply.url)
        return shape.str_(shape.obj(reply.json()), "state")

    def stop_with_savepoint(
        self, job_id: str, directory: str | None = None, waits: Waits | None = None
    ) -> str:
        """Interrupted (`waits.stop`) while the savepoint is taken, Flink goes on: the job then
        ends FINISHED with it (`stop_savepoint`), or keeps running if it fails."""
        waits = waits or Waits()
        body: dict[str, object] = {"drain": False}
        if directory:
            body["targetDirectory"] = directory
        reply = self.rest.request("POST", f"/jobs/{job_id}/stop", json_body=body, ok=(200, 202))
        shape = Shape(REST, reply.url)
        trigger = shape.str_(shape.obj(reply.json()), "request-id")
        location = self._await_savepoint(job_id, trigger, waits)
        self._await_terminal(job_id, waits)
        return location

    def _await_savepoint(self, job_id: str, trigger: str, waits: Waits) -> str:
        deadline, delay, watch = self.clock() + self.timeout_s, 0.1, waits.watch(self.clock)
        while True:
            reply = self.rest.request("GET", f"/jobs/{job_id}/savepoints/{trigger}", ok=(200,))
            shape = Shape(REST, reply.url)
            body = shape.obj(reply.json())
            status = shape.opt_str(shape.obj(body.get("status", {}), "status"), "id")
            if status == "COMPLETED":
                return self._savepoint_location(shape, body.get("operation"), job_id)
            if self.clock() > deadline:
                raise AdapterError(REST, f"savepoint of job {job_id} still {status}", url=reply.url)
            watch.tick("savepoint in progress")
            waits.pause(delay, self.sleep)
            delay = min(delay * 2, 1.0)

    @staticmethod
    def _savepoint_location(shape: Shape, operation: object, job_id: str) -> str:
        op = shape.obj(operation or {}, "operation")
        location = op.get("location")
        if isinstance(location, str) and location:
            return location
        cause = shape.obj(op.get("failure-cause") or {}, "failure-cause")
        trace = shape.opt_str(cause, "stack-trace") or shape.opt_str(
            cause, "class", "unknown cause"
        )
        first = trace.strip().splitlines()[0] if trace.strip() else "unknown cause"
        raise AdapterError(
            REST, f"stop-with-savepoint of job {job_id} failed: {first}", url=shape.url
        )

    def _await_terminal(self, job_id: str, waits: Waits) -> str:
        deadline, delay, watch = self.clock() + self.timeout_s, 0.1, waits.watch(self.clock)
        while True:
            state = self.job_state(job_id)
            if state in TERMINAL_JOB_STATES:
                return state
            if self.clock() > deadline:
                raise AdapterError(REST, f"job {job_id} still {state} after stop")
            watch.tick(f"{state} after its savepoint, stopping")
            waits.pause(delay, self.sleep)
            delay = min(delay * 2, 1.0)

    def stop_savepoint(self, job_id: str) -> tuple[str, str]:
        """(status, path) of the newest savepoint a stop-with-savepoint of the job took
        (`GET /jobs/{id}/checkpoints`, the newest `SYNC_SAVEPOINT` of its history, else
        `latest.savepoint`): status IN_PROGRESS, COMPLETED or FAILED; ("", "") for none or a
        job Flink does not know. Flink's statistics lag the job by a moment: a job just
        FINISHED may still read IN_PROGRESS."""
        reply = self.rest.request("GET", f"/jobs/{job_id}/checkpoints", ok=(200,), allow=(404,))
        if reply.status == 404:
            return "", ""
        shape = Shape(REST, reply.url)
        body = shape.obj(reply.json())
        latest = shape.obj(body.get("latest") or {}, "latest")
        entries = [
            shape.obj(item, "checkpoint")
            for item in [*shape.arr(body.get("history") or [], "history"), latest.get("savepoint")]
            if item
        ]
        for entry in entries:
            if shape.opt_str(entry, "checkpoint_type") == "SYNC_SAVEPOINT":
                return shape.opt_str(entry, "status"), shape.opt_str(entry, "external_path")
        return "", ""

    def cancel(self, job_id: str) -> None:
        """Cancel without savepoint; a job that is gone (404) or already terminal (409) is fine."""
        self.rest.request(
            "PATCH", f"/jobs/{job_id}", params={"mode": "cancel"}, ok=(200, 202), allow=(404, 409)
        )

    def job_exceptions(self, job_id: str) -> list[str]:
        reply = self.rest.request("GET", f"/jobs/{job_id}/exceptions", ok=(200,))
        shape = Shape(REST, reply.url)
        body = shape.obj(reply.json())
        history = shape.obj(body.get("exceptionHistory") or {}, "exceptionHistory")
        causes = [
            meaningful_cause(
                shape.opt_str(entry, "stacktrace") or shape.opt_str(entry, "exceptionName"),
                shape.opt_str(entry, "taskName"),
            )
            for entry in (
                shape.obj(item, "exception")
                for item in shape.arr(history.get("entries") or [], "exceptionHistory.entries")
            )
        ]
        legacy = shape.opt_str(body, "root-exception")
        if not causes and legacy:
            causes.append(meaningful_cause(legacy))
        return [c for c in causes if c]

    def _vertices(self, job_id: str) -> tuple[Shape, list[Mapping[str, object]]]:
        """`GET /jobs/{id}`'s vertices."""
        reply = self.rest.request("GET", f"/jobs/{job_id}", ok=(200,))
        shape = Shape(REST, reply.url)
        vertices = shape.arr(shape.obj(reply.json()).get("vertices") or [], "vertices")
        return shape, [shape.obj(v, "vertex") for v in vertices]

    def job_parallelism(self, job_id: str) -> int:
        shape, vertices = self._vertices(job_id)
        return max((shape.int_(v, "parallelism", 1) for v in vertices), default=1)

    def max_parallelism(self, job_id: str) -> int:
        """The max parallelism (key groups) of the job's vertices; 0 when none says."""
        shape, vertices = self._vertices(job_id)
        return max((shape.int_(v, "maxParallelism", 0) for v in vertices), default=0)

    def tasks_started(self, job_id: str) -> bool:
        """Whether every vertex of the job runs (or finished): a job is RUNNING while its
        tasks still wait for task slots, so RUNNING alone does not mean it started."""
        shape, vertices = self._vertices(job_id)
        if not vertices:
            return False
        for vertex in vertices:  # a vertex reads RUNNING while some of its subtasks wait
            tasks = shape.obj(vertex.get("tasks") or {}, "tasks")
            waiting = [n for st, n in tasks.items() if st not in ("RUNNING", "FINISHED")]
            if any(isinstance(n, int) and n > 0 for n in waiting):
                return False
        return True

    def free_slots(self) -> tuple[int, int]:
        reply = self.rest.request("GET", "/overview", ok=(200,))
        shape = Shape(REST, reply.url)
        body = shape.obj(reply.json())
        return shape.int_(body, "slots-available", 0), shape.int_(body, "slots-total", 0)

    def checkpoint_stats(self, job_id: str) -> CheckpointState:
        reply = self.rest.request("GET", f"/jobs/{job_id}/checkpoints", ok=(200,))
        shape = Shape(REST, reply.url)
        body = shape.obj(reply.json())
        counts = shape.obj(body.get("counts", {}), "counts")
        latest = shape.obj(body.get("latest") or {}, "latest")
        completed = shape.obj(latest.get("completed") or {}, "latest.completed")
        restored = shape.obj(latest.get("restored") or {}, "latest.restored")
        return CheckpointState(
            completed=shape.int_(counts, "completed", 0),
            failed=shape.int_(counts, "failed", 0),
            last_completed_ms=shape.int_(completed, "latest_ack_timestamp", 0),
            last_path=shape.opt_str(completed, "external_path"),
            restored_path=shape.opt_str(restored, "external_path"),
        )

    # ------------------------------------------------------------ statements (SQL Gateway)

    def submit(
        self, statements: Sequence[str], config: Mapping[str, str], waits: Waits | None = None
    ) -> str:
        if not statements:
            raise ValueError("submit() needs at least one statement")
        session = self.gateway.open_session(config)
        try:
            result = None
            for statement in statements:
                result = self.gateway.run(session, statement, waits)
        finally:
            self.gateway.close_session(session)
        if result is None or not result.job_id:
            raise AdapterError(GATEWAY, "the last statement started no job (is it an INSERT?)")
        return result.job_id

    def stream_graph(self, statements: Sequence[str], config: Mapping[str, str]) -> str:
        """The stream graph Flink would run for this job script (`EXPLAIN JSON_EXECUTION_PLAN`
        of its INSERT, in a session with the job's config): planned, never executed. Kept per
        script: a plan and the replan of its apply ask for the same graphs."""
        if not statements:
            raise ValueError("stream_graph() needs at least one statement")
        key = (tuple(statements), tuple(sorted(config.items())))
        if key not in self._graphs:
            self._graphs[key] = self._explain_graph(statements, config)
        return self._graphs[key]

    def _explain_graph(self, statements: Sequence[str], config: Mapping[str, str]) -> str:
        *setup, last = statements
        session = self.gateway.open_session(config)
        try:
            for statement in setup:
                self.gateway.run(session, statement)
            result = self.gateway.run(
                session, f"EXPLAIN JSON_EXECUTION_PLAN {last.strip().rstrip(';')}"
            )
        finally:
            self.gateway.close_session(session)
        return "\n".join(str(cell) for row in result.rows for cell in row)

    def explain(self, statements: Sequence[str]) -> list[str]:
        if not statements:
            return []
        *setup, last = statements
        session = self.gateway.open_session({})
        try:
            for statement in [*setup, f"EXPLAIN {last.strip().rstrip(';')}"]:
                self.gateway.run(session, statement)
        except StatementError as exc:
            return [exc.summary]
        finally:
            self.gateway.close_session(session)
        return []


def newest_cause(flink: object, job_id: str) -> str:
    """The newest meaningful cause of a job's failures ("" when the client cannot say)."""
    ask = getattr(flink, "job_exceptions", None)
    if ask is None:
        return ""
    try:
        causes = ask(job_id)
    except AdapterError:
        return ""
    return str(causes[0]) if causes else ""
