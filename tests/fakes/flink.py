"""Flink REST API (JobManager) and SQL Gateway REST API v1/v2 (Flink's
`docs/static/generated/rest_v1_dispatcher.yml` and `rest_v2_sql_gateway.yml`) as one model.

What it holds: jobs (id, name, state, parallelism, exception history, the savepoint it restored
from), savepoint triggers, completed savepoints, task slots, and per SQL Gateway session its
properties, its in-memory catalog (tables, views, temporary functions) and its operations.

What it answers, as Flink does:
- `GET /overview` (slots), `GET /jobs/overview`, `GET /jobs/{id}` (vertices with task counts and max parallelism),
  `GET /jobs/{id}/exceptions` (`exceptionHistory.entries`), `GET /jobs/{id}/checkpoints`;
  an unknown job -> 404 `{"errors": [...]}`;
- `PATCH /jobs/{id}?mode=cancel` -> 202 and CANCELED; a job already terminal -> 409;
- `POST /jobs/{id}/stop` -> 202 `{"request-id"}`; the trigger reads IN_PROGRESS for
  `savepoint_polls` polls (1), then COMPLETED with `operation.location` (the job goes FINISHED)
  or, for a job not RUNNING, a `failure-cause`; Flink finishes a stop nobody polls any more
  too (`finish_stops`); `GET /jobs/{id}/checkpoints` shows a stop's savepoint in `history`
  (`checkpoint_type` SYNC_SAVEPOINT, IN_PROGRESS while the job runs, then COMPLETED with its
  `external_path`, also as `latest.savepoint`), as Flink 2.2 answers;
- sessions: `POST /v2/sessions` -> `{"sessionHandle"}`; `DELETE` -> `{"status": "CLOSED"}`;
  statements -> `{"operationHandle"}`, status RUNNING once then FINISHED or ERROR; results
  need `rowFormat` from v2 on (400 without it); an ERROR operation's result fetch -> 500 with
  the server-side stack trace; an unknown session -> 500.

Statements, as this model understands them (never by asking streamt): `SET 'k' = 'v'`,
`CREATE [TEMPORARY] TABLE | VIEW` (a name defined twice in a session fails), `CREATE TEMPORARY
[SYSTEM] FUNCTION`, `INSERT INTO`, `EXECUTE STATEMENT SET BEGIN ... END`, `EXPLAIN ...`. Every
table an INSERT writes or reads (after FROM / JOIN / TABLE) must have been defined in the session
("Object 'x' not found"), and a restore path (`execution.savepoint.path` /
`execution.state-recovery.path`) must be a savepoint this cluster wrote, else the job fails with
FileNotFoundException. An INSERT starts a job named by `pipeline.name`. Other statements fail
with a parse error. Column types and changelogs are not modelled: the planner judges those
(tools/flink_explain, tests/integration).
"""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass, field

import httpx

from .http import Router, json_body, reply

ACTIVE = frozenset({"CREATED", "INITIALIZING", "RUNNING", "RESTARTING", "FAILING", "CANCELLING"})
RESTORE_KEYS = ("execution.savepoint.path", "execution.state-recovery.path")
# Identifiers: `quoted` (`` doubles a backtick) or bare words; strings and comments are skipped.
TOKEN = re.compile(
    r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|`((?:[^`]|``)+)`|([A-Za-z_][\w$]*)|(\S)", re.S
)
KEYWORDS = frozenset(
    [
        "SELECT",
        "FROM",
        "WHERE",
        "JOIN",
        "LEFT",
        "RIGHT",
        "FULL",
        "INNER",
        "OUTER",
        "CROSS",
        "ON",
        "AS",
        "TABLE",
        "LATERAL",
        "UNNEST",
        "WITH",
        "GROUP",
        "BY",
        "ORDER",
        "HAVING",
        "LIMIT",
        "UNION",
        "ALL",
        "INSERT",
        "INTO",
        "VALUES",
        "FOR",
        "SYSTEM_TIME",
        "OF",
    ]
)


def _tokens(sql: str) -> list[tuple[str, str]]:
    """(kind, text): kind "id" for identifiers (quoted or bare), "kw" for bare keywords,
    "p" for punctuation; strings and comments dropped."""
    out = []
    for m in TOKEN.finditer(sql):
        quoted, bare, punct = m.groups()
        if quoted is not None:
            out.append(("id", quoted.replace("``", "`")))
        elif bare is not None:
            out.append(("kw" if bare.upper() in KEYWORDS else "id", bare))
        elif punct is not None:
            out.append(("p", punct))
    return out


def _name(tokens: list[tuple[str, str]], i: int) -> tuple[str, int]:
    """The (possibly dotted) identifier starting at i, as its last part, and the next index."""
    name = tokens[i][1]
    while i + 2 < len(tokens) and tokens[i + 1] == ("p", ".") and tokens[i + 2][0] == "id":
        i += 2
        name = tokens[i][1]
    return name, i + 1


def reads(sql: str) -> tuple[set[str], set[str]]:
    """(tables read, names defined by WITH) of a query."""
    tokens = _tokens(sql)
    read, ctes = set(), set()
    for i, (kind, text) in enumerate(tokens):
        word = text.upper() if kind == "kw" else ""
        if word in ("FROM", "JOIN", "TABLE") and i + 1 < len(tokens) and tokens[i + 1][0] == "id":
            name, after = _name(tokens, i + 1)
            if after >= len(tokens) or tokens[after] != ("p", "("):  # not a function call
                read.add(name)
        if (
            kind == "id"
            and i + 2 < len(tokens)
            and tokens[i + 1][1].upper() == "AS"
            and tokens[i + 2] == ("p", "(")
        ):
            before = tokens[i - 1] if i else ("", "")
            if before[1].upper() == "WITH" or before == ("p", ","):
                ctes.add(text)
    return read, ctes


@dataclass
class Job:
    jid: str
    name: str
    state: str
    start: int
    parallelism: int = 1
    statements: list[str] = field(default_factory=list)
    config: dict[str, str] = field(default_factory=dict)
    restored_from: str = ""
    exceptions: list[str] = field(default_factory=list)  # stack traces, newest first
    end: int = -1
    stopped_with: str = ""  # the savepoint a stop-with-savepoint ended it with
    max_parallelism: int = (
        128  # `pipeline.max-parallelism`, else Flink's default for the parallelism
    )


@dataclass
class Session:
    properties: dict[str, str]
    tables: set[str] = field(default_factory=set)
    functions: set[str] = field(default_factory=set)
    statements: list[str] = field(default_factory=list)
    operations: dict[str, Operation] = field(default_factory=dict)


@dataclass
class Operation:
    statement: str
    polls: int = 0
    error: str = ""  # the server-side exception text, when the statement failed
    job_id: str = ""
    rows: list[list[object]] = field(default_factory=list)


class Refused(Exception):
    """A statement Flink refuses: the Java exception line that says why."""


def _not_found(name: str) -> Refused:
    return Refused(
        "org.apache.flink.table.api.ValidationException: SQL validation failed. "
        f"From line 1, column 1 to line 1, column 1: Object '{name}' not found"
    )


def _server_error(cause: str) -> dict[str, list[str]]:
    return {
        "errors": [
            "Internal server error.",
            "<Exception on server side:\n"
            "org.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n"
            "\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest\n"
            "Caused by: org.apache.flink.table.gateway.service.utils.SqlExecutionException: "
            "Failed to execute the operation.\n"
            f"Caused by: {cause}\n\t... 30 more\n\nEnd of exception on server side>",
        ]
    }


def _gateway_refusal(message: str) -> httpx.Response:
    cause = f"org.apache.flink.table.gateway.api.utils.SqlGatewayException: {message}"
    return reply(500, _server_error(cause))


class FlinkServer:
    def __init__(self, slots: int = 8, savepoint_dir: str = "file:/tmp/flink-savepoints") -> None:
        self.jobs: dict[str, Job] = {}
        self.sessions: dict[str, Session] = {}
        self.savepoints: set[str] = set()  # locations written by stop-with-savepoint
        self.triggers: dict[str, tuple[str, str]] = {}  # request id -> (job id, target dir)
        self.trigger_polls: dict[str, int] = {}
        self.savepoint_polls = 1  # how many polls a stop's savepoint reads IN_PROGRESS
        self.failed_stops: set[str] = set()  # triggers whose savepoint failed (job runs on)
        self.slots_total = slots
        self.slots_available: int | None = None  # None: total minus the running jobs' slots
        self.savepoint_dir = savepoint_dir
        self.submitted: list[tuple[list[str], dict[str, str]]] = []  # per job: statements, config
        # what the next started job does (a test's way of making the cluster misbehave)
        self.next_state: str | None = None
        self.next_causes: list[str] = []
        self.parallelism: int | None = None  # None: `parallelism.default` of the session, or 1
        self._clock = itertools.count(1_700_000_000_000, 1000)
        self.router = Router()
        r = self.router
        r.add("GET", "/overview", self._overview)
        r.add("GET", "/jobs/overview", self._jobs_overview)
        r.add("GET", "/jobs/{jid}", self._job)
        r.add("PATCH", "/jobs/{jid}", self._cancel)
        r.add("GET", "/jobs/{jid}/exceptions", self._exceptions)
        r.add("GET", "/jobs/{jid}/checkpoints", self._checkpoints)
        r.add("POST", "/jobs/{jid}/stop", self._stop)
        r.add("GET", "/jobs/{jid}/savepoints/{trigger}", self._savepoint_status)
        for v in ("v1", "v2", "v3", "v4"):
            r.add("POST", f"/{v}/sessions", self._open)
            r.add("DELETE", f"/{v}/sessions/{{sid}}", self._close)
            r.add("POST", f"/{v}/sessions/{{sid}}/statements", self._statement)
            r.add("GET", f"/{v}/sessions/{{sid}}/operations/{{oid}}/status", self._status)
            r.add("GET", f"/{v}/sessions/{{sid}}/operations/{{oid}}/result/{{token}}", self._result)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.router.dispatch(
            request, lambda what: reply(404, {"errors": [f"Not found: {what}"]})
        )

    # ------------------------------------------------------------ test hooks

    def add_job(self, name: str, state: str = "RUNNING") -> Job:
        job = Job(uuid.uuid4().hex, name, state, next(self._clock))
        self.jobs[job.jid] = job
        return job

    def running(self) -> list[Job]:
        return [j for j in self.jobs.values() if j.state == "RUNNING"]

    # ------------------------------------------------------------ REST

    def _unknown_job(self, jid: str) -> httpx.Response | None:
        if jid in self.jobs:
            return None
        return reply(
            404,
            {"errors": [f"org.apache.flink.runtime.rest.NotFoundException: Job {jid} not found"]},
        )

    def _overview(self, request: httpx.Request) -> httpx.Response:
        used = sum(j.parallelism for j in self.jobs.values() if j.state in ACTIVE)
        free = (
            self.slots_available
            if self.slots_available is not None
            else max(self.slots_total - used, 0)
        )
        running = sum(j.state == "RUNNING" for j in self.jobs.values())
        return reply(
            200,
            {
                "taskmanagers": 1,
                "slots-total": self.slots_total,
                "slots-available": free,
                "jobs-running": running,
                "flink-version": "2.2.0",
            },
        )

    def _summary(self, job: Job) -> dict[str, object]:
        return {
            "jid": job.jid,
            "name": job.name,
            "state": job.state,
            "start-time": job.start,
            "end-time": job.end,
            "duration": 1000,
            "last-modification": job.start,
        }

    def _jobs_overview(self, request: httpx.Request) -> httpx.Response:
        return reply(200, {"jobs": [self._summary(j) for j in self.jobs.values()]})

    def _job(self, request: httpx.Request, jid: str) -> httpx.Response:
        missing = self._unknown_job(jid)
        if missing:
            return missing
        job = self.jobs[jid]
        task_state = (
            job.state if job.state in ("RUNNING", "FINISHED", "CANCELED", "FAILED") else "SCHEDULED"
        )
        vertices = [
            {
                "id": f"v{i}",
                "name": name,
                "parallelism": job.parallelism,
                "maxParallelism": job.max_parallelism,
                "status": task_state,
                "tasks": {task_state: job.parallelism},
            }
            for i, name in enumerate(("Source", "Sink"))
        ]
        return reply(200, {**self._summary(job), "vertices": vertices})

    def _cancel(self, request: httpx.Request, jid: str) -> httpx.Response:
        if request.url.params.get("mode", "cancel") != "cancel":
            return reply(400, {"errors": ["Bad request: mode must be cancel"]})
        missing = self._unknown_job(jid)
        if missing:
            return missing
        job = self.jobs[jid]
        if job.state not in ACTIVE:
            return reply(
                409, {"errors": [f"Job cancellation failed: Job {jid} is in state {job.state}"]}
            )
        job.state, job.end = "CANCELED", next(self._clock)
        return reply(202, {})

    def _exceptions(self, request: httpx.Request, jid: str) -> httpx.Response:
        missing = self._unknown_job(jid)
        if missing:
            return missing
        entries = [
            {"exceptionName": t.split(":")[0], "stacktrace": t, "timestamp": 0, "taskName": None}
            for t in self.jobs[jid].exceptions
        ]
        return reply(
            200,
            {
                "root-exception": None,
                "all-exceptions": [],
                "truncated": False,
                "exceptionHistory": {"entries": entries, "truncated": False},
            },
        )

    def _checkpoints(self, request: httpx.Request, jid: str) -> httpx.Response:
        missing = self._unknown_job(jid)
        if missing:
            return missing
        restored, stopped = self.jobs[jid].restored_from, self.jobs[jid].stopped_with
        mine = [t for t, (j, _) in self.triggers.items() if j == jid]
        failed = bool(mine) and all(t in self.failed_stops for t in mine)
        stopping = self.jobs[jid].state == "RUNNING" and bool(mine) and not failed
        status = "COMPLETED" if stopped else "FAILED" if failed else "IN_PROGRESS"
        savepoint = {
            "className": status.lower(),
            "id": 1,
            "status": status,
            "is_savepoint": True,
            "checkpoint_type": "SYNC_SAVEPOINT",
            **({"external_path": stopped, "discarded": False} if stopped else {}),
        }
        history = [savepoint] if mine else []
        latest = {
            "completed": None,
            "savepoint": savepoint if stopped else None,
            "failed": None,
            "restored": {"external_path": restored, "is_savepoint": True} if restored else None,
        }
        counts = {
            "restored": int(bool(restored)),
            "total": 0,
            "in_progress": 0,
            "completed": 0,
            "failed": 0,
        }
        counts["in_progress"] = int(stopping)
        return reply(200, {"counts": counts, "summary": {}, "latest": latest, "history": history})

    def _stop(self, request: httpx.Request, jid: str) -> httpx.Response:
        missing = self._unknown_job(jid)
        if missing:
            return missing
        body = json_body(request) or {}
        trigger = uuid.uuid4().hex
        self.triggers[trigger] = (jid, str(body.get("targetDirectory") or self.savepoint_dir))
        self.trigger_polls[trigger] = 0
        return reply(202, {"request-id": trigger})

    def _savepoint_status(self, request: httpx.Request, jid: str, trigger: str) -> httpx.Response:
        if self.triggers.get(trigger, ("",))[0] != jid:
            return reply(
                404, {"errors": ["There is no savepoint operation with triggerId=" + trigger]}
            )
        self.trigger_polls[trigger] += 1
        if self.trigger_polls[trigger] <= self.savepoint_polls and trigger not in self.failed_stops:
            return reply(200, {"status": {"id": "IN_PROGRESS"}})
        location = self._stop_now(trigger)
        if not location:
            job = self.jobs[jid]
            cause = f"java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Job {jid} is not running (state {job.state})"
            return reply(
                200,
                {
                    "status": {"id": "COMPLETED"},
                    "operation": {
                        "failure-cause": {
                            "class": "java.util.concurrent.CompletionException",
                            "stack-trace": cause,
                        }
                    },
                },
            )
        return reply(200, {"status": {"id": "COMPLETED"}, "operation": {"location": location}})

    def _stop_now(self, trigger: str) -> str:
        """Take the trigger's savepoint and end its job FINISHED (once); "" for a job that was
        not RUNNING."""
        jid, directory = self.triggers[trigger]
        job = self.jobs[jid]
        if job.stopped_with:
            return job.stopped_with
        if job.state != "RUNNING" or trigger in self.failed_stops:
            return ""
        location = f"{directory}/savepoint-{jid[:6]}-{uuid.uuid4().hex[:12]}"
        self.savepoints.add(location)
        job.state, job.end, job.stopped_with = "FINISHED", next(self._clock), location
        return location

    def finish_stops(self) -> None:
        """What Flink does with a stop whose caller stopped polling: takes the savepoint and
        ends the job all the same."""
        for trigger in self.triggers:
            self._stop_now(trigger)

    def fail_stops(self) -> None:
        """Every stop not finished yet fails its savepoint: the jobs keep running."""
        self.failed_stops |= {
            t for t, (j, _) in self.triggers.items() if not self.jobs[j].stopped_with
        }

    # ------------------------------------------------------------ SQL Gateway

    def _session(self, sid: str) -> Session | httpx.Response:
        session = self.sessions.get(sid)
        if session is None:
            return _gateway_refusal(f"Session '{sid}' does not exist.")
        return session

    def _open(self, request: httpx.Request) -> httpx.Response:
        body = json_body(request) or {}
        properties = body.get("properties") or {}
        if not isinstance(properties, dict) or not all(
            isinstance(v, str) for v in properties.values()
        ):
            return reply(400, {"errors": ["properties must map strings to strings"]})
        sid = str(uuid.uuid4())
        self.sessions[sid] = Session(dict(properties))
        return reply(200, {"sessionHandle": sid})

    def _close(self, request: httpx.Request, sid: str) -> httpx.Response:
        session = self._session(sid)
        if isinstance(session, httpx.Response):
            return session
        del self.sessions[sid]
        return reply(200, {"status": "CLOSED"})

    def _statement(self, request: httpx.Request, sid: str) -> httpx.Response:
        session = self._session(sid)
        if isinstance(session, httpx.Response):
            return session
        body = json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("statement"), str):
            return reply(400, {"errors": ["Bad request: the statement is required"]})
        op = Operation(body["statement"])
        try:
            self._execute(session, op)
        except Refused as exc:
            op.error = str(exc)
        session.statements.append(op.statement)
        oid = str(uuid.uuid4())
        session.operations[oid] = op
        return reply(200, {"operationHandle": oid})

    def _operation(self, sid: str, oid: str) -> Operation | httpx.Response:
        session = self._session(sid)
        if isinstance(session, httpx.Response):
            return session
        op = session.operations.get(oid)
        if op is None:
            return _gateway_refusal(f"Can not find the submitted operation {oid}.")
        return op

    def _status(self, request: httpx.Request, sid: str, oid: str) -> httpx.Response:
        op = self._operation(sid, oid)
        if isinstance(op, httpx.Response):
            return op
        op.polls += 1
        if op.polls == 1:
            return reply(200, {"status": "RUNNING"})
        return reply(200, {"status": "ERROR" if op.error else "FINISHED"})

    def _result(self, request: httpx.Request, sid: str, oid: str, token: str) -> httpx.Response:
        version = request.url.path.split("/")[1]
        if version != "v1" and "rowFormat" not in request.url.params:
            return reply(
                400, {"errors": ["Bad request: the query parameter rowFormat is required"]}
            )
        op = self._operation(sid, oid)
        if isinstance(op, httpx.Response):
            return op
        if op.error:
            return reply(500, _server_error(op.error))
        if op.polls < 2:
            return reply(200, {"resultType": "NOT_READY", "nextResultUri": request.url.path})
        if token != "0":
            return reply(
                200,
                {
                    "resultType": "EOS",
                    "isQueryResult": False,
                    "resultKind": "SUCCESS_WITH_CONTENT",
                    "results": {"columns": [], "rowFormat": "JSON", "data": []},
                },
            )
        column = "job id" if op.job_id else "result"
        body: dict[str, object] = {
            "resultType": "PAYLOAD",
            "isQueryResult": False,
            "resultKind": "SUCCESS_WITH_CONTENT" if op.job_id or op.rows else "SUCCESS",
            "results": {
                "columns": [{"name": column, "logicalType": {"type": "VARCHAR", "nullable": True}}],
                "rowFormat": "JSON",
                "data": [{"kind": "INSERT", "fields": row} for row in op.rows],
            },
            "nextResultUri": request.url.path.rsplit("/", 1)[0] + "/1?rowFormat=JSON",
        }
        if op.job_id and version != "v1":
            body["jobID"] = op.job_id
        return reply(200, body)

    # ------------------------------------------------------------ statements

    def _execute(self, session: Session, op: Operation) -> None:
        sql = op.statement.strip().rstrip(";").strip()
        tokens = _tokens(sql)
        words = [t.upper() for k, t in tokens[:6] if k in ("kw", "id")]
        if words[:1] == ["SET"]:
            m = re.fullmatch(r"SET\s+'((?:[^']|'')+)'\s*=\s*'((?:[^']|'')*)'", sql, re.S | re.I)
            if not m:
                raise Refused(
                    "org.apache.flink.sql.parser.impl.ParseException: Encountered SET without 'key' = 'value'"
                )
            session.properties[m[1].replace("''", "'")] = m[2].replace("''", "'")
            op.rows = [["OK"]]
        elif words[:1] == ["CREATE"]:
            op.rows = [["OK"]]
            self._create(session, tokens)
        elif words[:1] == ["EXPLAIN"]:
            self._check_insert(session, sql[len("EXPLAIN") :])
            op.rows = [["== Abstract Syntax Tree ==\nLogicalSink(...)"]]
        elif words[:2] == ["INSERT", "INTO"] or words[:3] == ["EXECUTE", "STATEMENT", "SET"]:
            self._check_insert(session, sql)
            op.job_id = self._start(session, op.statement)
            op.rows = [[op.job_id]]
        else:
            raise Refused(
                f'org.apache.flink.sql.parser.impl.ParseException: Encountered "{sql.split()[0] if sql else ""}": not a statement this cluster runs'
            )

    def _create(self, session: Session, tokens: list[tuple[str, str]]) -> None:
        words = [t.upper() for _, t in tokens]
        i = 1
        if words[i] == "TEMPORARY":
            i += 1
        if words[i] == "SYSTEM":
            i += 1
        kind = words[i]
        i += 1
        if kind not in ("TABLE", "VIEW", "FUNCTION"):
            raise Refused(
                f"org.apache.flink.sql.parser.impl.ParseException: CREATE {kind} is not modelled"
            )
        if words[i : i + 3] == ["IF", "NOT", "EXISTS"]:
            name, _ = _name(tokens, i + 3)
            defined = session.functions if kind == "FUNCTION" else session.tables
            defined.add(name)
            return
        name, _ = _name(tokens, i)
        defined = session.functions if kind == "FUNCTION" else session.tables
        if name in defined:
            raise Refused(
                f"org.apache.flink.table.api.ValidationException: Could not execute Create{kind.title()} in path `default_catalog`.`default_database`.`{name}`: already exists"
            )
        if kind == "VIEW":
            read, ctes = reads(" ".join(t for _, t in tokens))
            for table in sorted(read - ctes - session.tables):
                raise _not_found(table)
        defined.add(name)

    def _check_insert(self, session: Session, sql: str) -> None:
        for part in re.split(r"(?i)\bINSERT\s+INTO\b", sql)[1:]:
            tokens = _tokens(part)
            if not tokens or tokens[0][0] != "id":
                raise Refused(
                    "org.apache.flink.sql.parser.impl.ParseException: INSERT INTO without a table"
                )
            target, _ = _name(tokens, 0)
            read, ctes = reads(part)
            for table in [target, *sorted(read - ctes)]:
                if table not in session.tables:
                    raise _not_found(table)

    def _start(self, session: Session, statement: str) -> str:
        config = dict(session.properties)
        name = config.get("pipeline.name", "insert-into_default_catalog.default_database")
        parallelism = self.parallelism or int(config.get("parallelism.default", "1"))
        job = Job(
            uuid.uuid4().hex,
            name,
            "RUNNING",
            next(self._clock),
            parallelism,
            [*session.statements, statement],
            config,
        )
        job.max_parallelism = int(
            config.get("pipeline.max-parallelism") or default_max_parallelism(parallelism)
        )
        restore = next((config[k] for k in RESTORE_KEYS if config.get(k)), "")
        if restore:
            job.restored_from = restore
            if restore not in self.savepoints:
                job.state = "FAILED"
                job.exceptions = [
                    f"java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory '{restore}' on file system 'file'."
                ]
        if self.next_state is not None:
            job.state, job.exceptions = self.next_state, list(self.next_causes)
            self.next_state, self.next_causes = None, []
        self.jobs[job.jid] = job
        self.submitted.append((job.statements, config))
        return job.jid


def default_max_parallelism(parallelism: int) -> int:
    """Flink's `KeyGroupRangeAssignment.computeDefaultMaxParallelism`: the parallelism plus
    half, rounded up to a power of two, within [128, 32768]."""
    wanted = parallelism + parallelism // 2
    power = 1
    while power < wanted:
        power *= 2
    return min(max(power, 128), 32768)
