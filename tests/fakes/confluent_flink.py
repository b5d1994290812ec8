"""Confluent Cloud Flink statements API (`sql/v1`) as a model: this module's own reading of
Confluent's API reference (docs.confluent.io/cloud/current/api.html, "Statements (sql/v1)":
create, read, list, patch, delete) and the Flink guides (statement phases in "Monitor and
Manage Flink SQL Statements", "Carry-over Offsets"). It never imports streamt.

What it holds: one organization and environment, the API key allowed in it, its compute pools,
the catalog (the environment's id or name) and databases (a Kafka cluster's id or name) with
their tables (topics), the registered ML models, and the statements by name.

What it answers (every request needs `Authorization: Basic base64(key:secret)`, else 401 with
`WWW-Authenticate: Basic error="invalid_key"`; an unknown organization or environment is 404;
error bodies are `{"errors": [{"id", "status", "detail", "source"?}]}`):
- `POST .../statements`: `name` matching `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]...)*`,
  `spec.statement` non-empty, `spec.compute_pool_id` a pool of the environment, `spec.properties`
  strings with `sql.*` keys only, `sql.tables.initial-offset-from` an existing statement, body ids
  equal to the path's -> 200 the statement in phase PENDING; a taken name -> 409; else 400 with
  `source.pointer`;
- `GET .../statements[?page_size=&page_token=]`: `{api_version, kind: StatementList,
  metadata: {self, next}, data}`, pages of `page_size` (default 10, at most 100);
- `GET .../statements/{name}` -> the statement, 404 when there is none;
- `PATCH .../statements/{name}` with `Content-Type: application/json-patch+json` and `replace`
  operations on `/spec/stopped` (boolean), `/spec/compute_pool_id` or `/spec/principal` -> 200;
  another media type -> 415, a body that is no array -> 400, another operation or path -> 422
  ("Validation Failed");
- `DELETE .../statements/{name}` -> 202, the statement DELETING for one more read, then gone
  (404; its name free again), 404 when there is none.

Phases move on each read of a statement (`tick`): PENDING -> RUNNING, or FAILED with a detail
when its catalog or database is unknown, the SQL does not tokenize, it is not an INSERT /
SELECT, a table is not in the database, an ML model is not registered, or it carries offsets
over (`sql.tables.initial-offset-from`) while being stateful (GROUP BY, JOIN, OVER, DISTINCT,
windows, MATCH_RECOGNIZE). It reads statements by their tokens (sqlglot's tokenizer): it does
not judge Flink's grammar; a statement carrying offsets over stays PENDING until the one it names is STOPPED;
`spec.stopped` true -> STOPPING -> STOPPED, false again -> PENDING.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import sqlglot
from sqlglot.tokens import Token, TokenType

from .http import Router, json_body, reply

NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ROOT = "/sql/v1/organizations/{org}/environments/{env}/statements"
_STATEFUL = (TokenType.GROUP_BY, TokenType.JOIN, TokenType.OVER, TokenType.DISTINCT)
_WINDOW_TVFS = {"TUMBLE", "HOP", "CUMULATE", "SESSION", "MATCH_RECOGNIZE"}
_ML = {"ML_PREDICT", "ML_EVALUATE"}


@dataclass
class Statement:
    name: str
    spec: dict[str, Any]
    labels: dict[str, str]
    phase: str = "PENDING"
    detail: str = ""
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = "2026-01-01T00:00:00Z"
    version: int = 1


class ConfluentFlinkServer:
    def __init__(
        self,
        *,
        organization_id: str,
        environment_id: str,
        api_key: str,
        api_secret: str,
        compute_pools: tuple[str, ...],
        catalogs: tuple[str, ...],
        databases: dict[str, set[str]],  # database id or name -> its tables (topics)
        models: tuple[str, ...] = (),
    ) -> None:
        self.org, self.env = organization_id, environment_id
        token = base64.b64encode(f"{api_key}:{api_secret}".encode()).decode()
        self.authorization = f"Basic {token}"
        self.pools, self.catalogs, self.databases = compute_pools, catalogs, databases
        self.models = set(models)
        self.statements: dict[str, Statement] = {}
        self.created: list[str] = []  # every statement name created, in order
        self.router = Router()
        self.router.add("GET", ROOT, self._list)
        self.router.add("POST", ROOT, self._create)
        self.router.add("GET", ROOT + "/{name}", self._read)
        self.router.add("PATCH", ROOT + "/{name}", self._patch)
        self.router.add("DELETE", ROOT + "/{name}", self._delete)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("Authorization") != self.authorization:
            return httpx.Response(
                401,
                json=_errors(401, "The API Key is invalid"),
                headers={
                    "WWW-Authenticate": 'Basic error="invalid_key", '
                    'error_description="The API Key is invalid"'
                },
            )
        return self.router.dispatch(request, lambda what: reply(404, _errors(404, what)))

    # ------------------------------------------------------------ documents

    def document(self, st: Statement) -> dict[str, Any]:
        return {
            "api_version": "sql/v1",
            "kind": "Statement",
            "organization_id": self.org,
            "environment_id": self.env,
            "name": st.name,
            "metadata": {
                "self": f"{ROOT.format(org=self.org, env=self.env)}/{st.name}",
                "created_at": st.created_at,
                "updated_at": st.created_at,
                "uid": st.uid,
                "resource_version": str(st.version),
                "labels": dict(st.labels),
            },
            "spec": dict(st.spec),
            "status": {"phase": st.phase, "detail": st.detail},
        }

    def _scope(self, org: str, env: str) -> httpx.Response | None:
        if org != self.org or env != self.env:
            return reply(404, _errors(404, f"environment {env} not found in organization {org}"))
        return None

    # ------------------------------------------------------------ routes

    def _list(self, request: httpx.Request, org: str, env: str) -> httpx.Response:
        if (wrong := self._scope(org, env)) is not None:
            return wrong
        params = request.url.params
        size = int(params.get("page_size", "10"))
        if not 1 <= size <= 100:
            return reply(400, _errors(400, "page_size must be between 1 and 100"))
        start = int(params.get("page_token") or "0")
        names = sorted(self.statements)
        page = [self.tick(self.statements[n]) for n in names[start : start + size]]
        self._forget_deleted(page)
        more = start + size < len(names)
        base = ROOT.format(org=org, env=env)
        following = f"https://flink.example{base}?page_size={size}&page_token={start + size}"
        return reply(
            200,
            {
                "api_version": "sql/v1",
                "kind": "StatementList",
                "metadata": {"self": base, "next": following if more else ""},
                "data": [self.document(st) for st in page],
            },
        )

    def _read(self, _: httpx.Request, org: str, env: str, name: str) -> httpx.Response:
        if (wrong := self._scope(org, env)) is not None:
            return wrong
        st = self.statements.get(name)
        if st is None:
            return reply(404, _errors(404, f"statement {name} not found"))
        self._forget_deleted([st])
        return reply(200, self.document(self.tick(st)))

    def _delete(self, _: httpx.Request, org: str, env: str, name: str) -> httpx.Response:
        if (wrong := self._scope(org, env)) is not None:
            return wrong
        st = self.statements.get(name)
        if st is None:
            return reply(404, _errors(404, f"statement {name} not found"))
        st.phase = "DELETING"  # gone after the next read of it
        return reply(202)

    def _create(self, request: httpx.Request, org: str, env: str) -> httpx.Response:
        if (wrong := self._scope(org, env)) is not None:
            return wrong
        try:
            body = json_body(request)
        except ValueError:
            return reply(400, _errors(400, "the body is not JSON"))
        problem = self._create_problem(body)
        if problem is not None:
            pointer, detail = problem
            return reply(400, _errors(400, detail, pointer))
        if body["name"] in self.statements:
            return reply(409, _errors(409, f"statement name {body['name']} is already in use"))
        metadata = body.get("metadata") or {}
        spec = {"properties": {}, "stopped": False, **body["spec"]}
        created = _EPOCH + timedelta(seconds=len(self.created))
        st = Statement(
            body["name"], spec, dict(metadata.get("labels") or {}), created_at=_stamp(created)
        )
        self.created.append(st.name)
        self.statements[st.name] = st
        return reply(200, self.document(st))

    def _create_problem(self, body: Any) -> tuple[str, str] | None:
        if not isinstance(body, dict):
            return "", "the body must be a Statement object"
        name = body.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            return "/name", f"name {name!r} must match {NAME.pattern}"
        for key, want in (("organization_id", self.org), ("environment_id", self.env)):
            if key in body and body[key] != want:
                return f"/{key}", f"{key} does not match the request path"
        spec = body.get("spec")
        if not isinstance(spec, dict):
            return "/spec", "spec is required"
        statement = spec.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            return "/spec/statement", "spec.statement is required"
        pool = spec.get("compute_pool_id")
        if pool is not None and pool not in self.pools:
            return "/spec/compute_pool_id", f"compute pool {pool} not found"
        properties = spec.get("properties") or {}
        if not isinstance(properties, dict):
            return "/spec/properties", "spec.properties must be an object"
        for key, value in properties.items():
            if not key.startswith("sql.") or not isinstance(value, str):
                return "/spec/properties", f"property {key!r} is not supported"
        carried = properties.get("sql.tables.initial-offset-from")
        if carried is not None and carried not in self.statements:
            return "/spec/properties", f"statement {carried} for carry-over offsets not found"
        labels = (body.get("metadata") or {}).get("labels") or {}
        if not all(isinstance(v, str) for v in labels.values()):
            return "/metadata/labels", "label values must be strings"
        return None

    def _patch(self, request: httpx.Request, org: str, env: str, name: str) -> httpx.Response:
        if (wrong := self._scope(org, env)) is not None:
            return wrong
        if request.headers.get("Content-Type") != "application/json-patch+json":
            return reply(415, _errors(415, "use Content-Type: application/json-patch+json"))
        st = self.statements.get(name)
        if st is None:
            return reply(404, _errors(404, f"statement {name} not found"))
        try:
            ops = json_body(request)
        except ValueError:
            return reply(400, _errors(400, "the body is not JSON"))
        if not isinstance(ops, list):
            return reply(400, _errors(400, "a JSON Patch is an array of operations"))
        for op in ops:
            problem = _patch_problem(op)
            if problem:
                return reply(422, _errors(422, problem))
        for op in ops:
            key = op["path"].rsplit("/", 1)[1]
            if key == "stopped":
                self._stop(st, op["value"])
            else:
                st.spec[key] = op["value"]
            st.version += 1
        return reply(200, self.document(st))

    def _stop(self, st: Statement, stopped: bool) -> None:
        st.spec["stopped"] = stopped
        if stopped and st.phase in ("PENDING", "RUNNING", "DEGRADED", "FAILING"):
            st.phase = "STOPPING"
        elif not stopped and st.phase == "STOPPED":
            st.phase, st.detail = "PENDING", ""

    # ------------------------------------------------------------ phases

    def _forget_deleted(self, seen: list[Statement]) -> None:
        """A DELETING statement is answered once more, then it is gone (its name free)."""
        for st in seen:
            if st.phase == "DELETING":
                self.statements.pop(st.name, None)

    def tick(self, st: Statement) -> Statement:
        if st.phase == "STOPPING":
            st.phase = "STOPPED"
        elif st.phase == "PENDING" and not self._waiting(st):
            failure = self.failure(st)
            st.phase, st.detail = ("FAILED", failure) if failure else ("RUNNING", "")
        return st

    def _waiting(self, st: Statement) -> bool:
        carried = st.spec["properties"].get("sql.tables.initial-offset-from")
        other = self.statements.get(carried) if carried else None
        return other is not None and other.phase != "STOPPED"

    def failure(self, st: Statement) -> str:
        """Why the statement cannot run, "" when it can (this model's reading)."""
        properties = st.spec["properties"]
        catalog = properties.get("sql.current-catalog", "")
        database = properties.get("sql.current-database", "")
        if catalog not in self.catalogs:
            return f"Catalog '{catalog}' does not exist or you do not have permission to access it."
        if database not in self.databases:
            return f"Database '{database}' does not exist in catalog '{catalog}'."
        try:
            tokens = sqlglot.tokenize(st.spec["statement"], read="spark")
        except sqlglot.errors.TokenError as exc:
            return f"SQL parse failed. {exc}"
        if not tokens or tokens[0].token_type not in (TokenType.INSERT, TokenType.SELECT):
            return "Only INSERT INTO and SELECT statements run continuously here."
        tables = self.databases[database]
        for name in tables_read(tokens):
            if name not in tables:
                return f"Table '{name}' not found in '{catalog}'.'{database}'."
        for model in _models(tokens):
            if model not in self.models:
                return f"Model '{model}' not found in '{catalog}'.'{database}'."
        if "sql.tables.initial-offset-from" in properties and _stateful(tokens):
            return (
                "Carry-over offsets (sql.tables.initial-offset-from) apply to stateless "
                "statements only."
            )
        return ""


_NAMES = (TokenType.IDENTIFIER, TokenType.VAR)
_TABLE_BEFORE = (TokenType.FROM, TokenType.JOIN, TokenType.INTO, TokenType.TABLE)


def tables_read(tokens: list[Token]) -> set[str]:
    """Names after FROM / JOIN / INTO / TABLE, and after each comma of a FROM list (`FROM a AS
    x, b AS y`), that are not followed by `(` (a function) or `.` and are not a CTE's name
    (`name AS (`): this model's reading of a statement's tables (it does not parse Flink's
    grammar: window functions, MATCH_RECOGNIZE)."""
    kinds = [t.token_type for t in tokens] + [TokenType.SEMICOLON] * 3
    ctes = {
        t.text
        for i, t in enumerate(tokens)
        if kinds[i] in _NAMES
        and kinds[i + 1] is TokenType.ALIAS
        and kinds[i + 2] is TokenType.L_PAREN
    }
    found: set[str] = set()
    for i, kind in enumerate(kinds[: len(tokens)]):
        at, kind = i + 1, kind if kind in _TABLE_BEFORE else None
        while kind is not None and _is_table(kinds, at, into=kind is TokenType.INTO):
            if tokens[at].text not in ctes:
                found.add(tokens[at].text)
            at += 1
            if kinds[at] is TokenType.ALIAS:
                at += 1
            if kinds[at] in _NAMES:
                at += 1
            listed = kind in (TokenType.FROM, TokenType.COMMA) and kinds[at] is TokenType.COMMA
            kind = TokenType.COMMA if listed else None  # `FROM a, b`: a FROM list goes on
            at += 1
    return found


def _is_table(kinds: list[TokenType], at: int, *, into: bool = False) -> bool:
    """A name there, not a function call (`INTO t (` is a table and its query or columns)."""
    after = (TokenType.DOT,) if into else (TokenType.L_PAREN, TokenType.DOT)
    return kinds[at] in _NAMES and kinds[at + 1] not in after


def _models(tokens: list[Token]) -> list[str]:
    """The first argument of each ML_PREDICT / ML_EVALUATE call (a string literal)."""
    return [
        arg.text
        for t, paren, arg in zip(tokens, tokens[1:], tokens[2:], strict=False)
        if t.text.upper() in _ML
        and paren.token_type is TokenType.L_PAREN
        and arg.token_type is TokenType.STRING
    ]


def _stateful(tokens: list[Token]) -> bool:
    return any(t.token_type in _STATEFUL or t.text.upper() in _WINDOW_TVFS for t in tokens)


_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _patch_problem(op: Any) -> str:
    if not isinstance(op, dict) or op.get("op") != "replace":
        return "only replace operations are supported"
    path = op.get("path")
    if path == "/spec/stopped":
        return "" if isinstance(op.get("value"), bool) else "/spec/stopped takes a boolean"
    if path in ("/spec/compute_pool_id", "/spec/principal"):
        return "" if isinstance(op.get("value"), str) else f"{path} takes a string"
    return f"path {path!r} cannot be patched"


def _errors(status: int, detail: str, pointer: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"id": str(uuid.uuid4()), "status": str(status), "detail": detail}
    if pointer:
        error["source"] = {"pointer": pointer}
    return {"errors": [error]}
