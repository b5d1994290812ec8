"""Conduktor Gateway admin API v2 as a model (the OpenAPI description shipped with Conduktor's CLI,
conduktor/ctl `gateway.yaml`, see tests/fixtures/gateway_recordings; docs.conduktor.io "SQL
Topic" interceptor for `VirtualSqlTopicPlugin`).

What it holds: interceptor documents by name. What it answers:
- `GET /gateway/v2/interceptor[?vcluster=]` -> the stored documents, scope filled in
  (`{vCluster, group, username}`, nulls when unset);
- `PUT /gateway/v2/interceptor` -> 200 `{resource, upsertResult: CREATED|UPDATED}`; a body that
  is not an `Interceptor` of `gateway/v2` with `metadata.name`, `spec.pluginClass`, an integer
  `spec.priority` and an object `spec.config`, or a `VirtualSqlTopicPlugin` config without string
  `virtualTopic` / `statement`, or whose statement is outside the documented SQL topic subset ->
  400 `{title, msg}`;
- `DELETE /gateway/v2/interceptor/{name}` -> 204, unknown -> 404 `{title}`;
- `GET /gateway/v2/alias-topic` -> `[]`.

A `FieldLevelDataMaskingPlugin` config (docs.conduktor.io, "Data masking") must hold a
non-empty `policies` list, each with a string `name`, `fields` (paths of names joined by dots,
each name optionally followed by `[<n>]` or `[*]`) and a `rule` whose `type` is MASK_ALL,
MASK_FIRST_N or MASK_LAST_N, whose `maskingChar` (if given) is one character and whose
`numberOfChars` is a positive integer unless the type is MASK_ALL; `topic`, if given, a string
(a regular expression). A plugin class other than these two -> 400.

The statement check is this model's own reading of the documentation, written without streamt:
`SELECT * | <field> [AS <name>] | CASE ... END AS <name>, ... FROM <topic> [WHERE ...]`, the
filter being comparisons of a field with a value (`= <> > >= < <=`) or `<field> REGEXP '<re>'`
joined with AND only. It parses with sqlglot's SQLite reader (double-quoted names, REGEXP).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import sqlglot
from sqlglot import exp

from .http import Router, json_body, reply

SQL_TOPIC = "io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin"
MASKING = "io.conduktor.gateway.interceptor.FieldLevelDataMaskingPlugin"
_MASK_TYPES = ("MASK_ALL", "MASK_FIRST_N", "MASK_LAST_N")
_FIELD_PATH = re.compile(r"[A-Za-z_$][\w$-]*(\[(\d+|\*)\])?(\.[A-Za-z_$][\w$-]*(\[(\d+|\*)\])?)*")
_COMPARE = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


class GatewayServer:
    """It never asks streamt what a rule should look like, so a client that sends one thing and
    expects another sees a difference."""

    def __init__(self) -> None:
        self.interceptors: dict[str, dict[str, Any]] = {}  # name -> stored document
        self.router = Router()
        self.router.add("GET", "/gateway/v2/interceptor", self._list)
        self.router.add("PUT", "/gateway/v2/interceptor", self._upsert)
        self.router.add("DELETE", "/gateway/v2/interceptor/{name}", self._delete)
        self.router.add("GET", "/gateway/v2/alias-topic", lambda _: reply(200, []))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.router.dispatch(request, lambda what: reply(404, {"title": f"no route {what}"}))

    def _list(self, request: httpx.Request) -> httpx.Response:
        vcluster = request.url.params.get("vcluster")
        stored = self.interceptors.values()
        if vcluster is not None:
            stored = [i for i in stored if i["metadata"]["scope"]["vCluster"] == vcluster]
        return reply(200, list(stored))

    def _delete(self, _: httpx.Request, name: str) -> httpx.Response:
        if self.interceptors.pop(name, None) is None:
            return reply(404, {"title": "The given interceptor does not exist"})
        return reply(204)

    def _upsert(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json_body(request)
        except ValueError:
            return reply(400, {"title": "Invalid request body", "msg": "not JSON"})
        problems = _document_problems(body)
        if problems:
            return reply(400, {"title": "Invalid interceptor", "msg": "; ".join(problems)})
        metadata, spec = body["metadata"], body["spec"]
        scope = {"vCluster": None, "group": None, "username": None, **metadata.get("scope", {})}
        stored = {
            "kind": "Interceptor",
            "apiVersion": "gateway/v2",
            "metadata": {"name": metadata["name"], "scope": scope},
            "spec": dict(spec),
        }
        created = metadata["name"] not in self.interceptors
        self.interceptors[metadata["name"]] = stored
        result = "CREATED" if created else "UPDATED"
        return reply(200, {"resource": stored, "upsertResult": result})


def _document_problems(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["the body must be an object"]
    metadata, spec = body.get("metadata"), body.get("spec")
    problems = [
        body.get("kind") != "Interceptor" and "kind must be Interceptor",
        body.get("apiVersion") != "gateway/v2" and "apiVersion must be gateway/v2",
        not (isinstance(metadata, dict) and isinstance(metadata.get("name"), str))
        and "metadata.name is required",
        not (isinstance(spec, dict) and isinstance(spec.get("pluginClass"), str))
        and "spec.pluginClass is required",
        isinstance(spec, dict)
        and not isinstance(spec.get("priority"), int)
        and "spec.priority must be an integer",
        isinstance(spec, dict)
        and not isinstance(spec.get("config"), dict)
        and "spec.config must be an object",
    ]
    found = [p for p in problems if p]
    if not found and spec["pluginClass"] == SQL_TOPIC:
        found = _sql_topic_problems(spec["config"])
    elif not found and spec["pluginClass"] == MASKING:
        found = _masking_problems(spec["config"])
    elif not found:
        found = [f"unknown plugin class {spec['pluginClass']}"]
    return found


def _masking_problems(config: dict[str, Any]) -> list[str]:
    if "topic" in config and not isinstance(config["topic"], str):
        return ["config.topic must be a string (a regular expression)"]
    if "topic" in config:
        try:
            re.compile(config["topic"])
        except re.error as error:
            return [f"config.topic is not a regular expression: {error}"]
    policies = config.get("policies")
    if not isinstance(policies, list) or not policies:
        return ["config.policies is required (a non-empty list)"]
    problems: list[str] = []
    for i, policy in enumerate(policies):
        problems.extend(f"config.policies[{i}]: {p}" for p in _policy_problems(policy))
    return problems


def _policy_problems(policy: Any) -> list[str]:
    if not isinstance(policy, dict):
        return ["a policy is an object"]
    fields, rule = policy.get("fields"), policy.get("rule")
    problems = [] if isinstance(policy.get("name"), str) else ["name is required (a string)"]
    if not isinstance(fields, list) or not fields:
        problems.append("fields is required (a non-empty list)")
    else:
        problems.extend(
            f"field {f!r} is not a field path"
            for f in fields
            if not (isinstance(f, str) and _FIELD_PATH.fullmatch(f))
        )
    if not isinstance(rule, dict):
        return [*problems, "rule is required (an object)"]
    kind = rule.get("type", "MASK_ALL")
    if kind not in _MASK_TYPES:
        problems.append(f"rule.type must be one of {', '.join(_MASK_TYPES)}")
    char = rule.get("maskingChar", "*")
    if not (isinstance(char, str) and len(char) == 1):
        problems.append("rule.maskingChar must be one character")
    count = rule.get("numberOfChars")
    if kind != "MASK_ALL" and not (isinstance(count, int) and count > 0):
        problems.append(f"rule.numberOfChars is required for {kind} (a positive integer)")
    return problems


def _sql_topic_problems(config: dict[str, Any]) -> list[str]:
    for key in ("virtualTopic", "statement"):
        if not isinstance(config.get(key), str) or not config[key]:
            return [f"config.{key} is required (a string)"]
    try:
        tree = sqlglot.parse_one(config["statement"], read="sqlite")
    except sqlglot.errors.ParseError as error:
        return [f"config.statement does not parse: {error}"]
    problem = _statement_problem(tree)
    return [f"config.statement: {problem}"] if problem else []


def _statement_problem(tree: exp.Expr) -> str | None:
    if not isinstance(tree, exp.Select):
        return "only SELECT statements are supported"
    extra = [
        k
        for k in ("joins", "group", "order", "limit", "having", "distinct", "with_")
        if tree.args.get(k)
    ]
    if extra:
        return f"unsupported clause {extra[0]}"
    from_ = tree.args.get("from_")
    if from_ is None or not isinstance(from_.this, exp.Table):
        return "FROM <topic> is required"
    fields = tree.expressions
    if not (len(fields) == 1 and isinstance(fields[0], exp.Star)):
        for field in fields:
            problem = _field_problem(field)
            if problem:
                return problem
    where = tree.args.get("where")
    return _filter_problem(where.this) if where is not None else None


def _field_problem(field: exp.Expr) -> str | None:
    value = field.this if isinstance(field, exp.Alias) else field
    if isinstance(value, exp.Column):
        return None
    if isinstance(value, exp.Case) and isinstance(field, exp.Alias):
        for branch in value.args["ifs"]:
            problem = _filter_problem(branch.this)
            if problem:
                return problem
        return None
    return f"unsupported select item {field.sql(dialect='sqlite')}"


def _filter_problem(node: exp.Expr) -> str | None:
    if isinstance(node, exp.And):
        return _filter_problem(node.this) or _filter_problem(node.expression)
    if isinstance(node, _COMPARE):
        sides = [node.this, node.expression]
        columns = [s for s in sides if isinstance(s, exp.Column)]
        values = [s for s in sides if _is_value(s)]
        if len(columns) == 1 and len(values) == 1:
            return None
    pattern = node.expression if isinstance(node, exp.RegexpLike) else None
    if isinstance(node.this, exp.Column) and isinstance(pattern, exp.Literal) and pattern.is_string:
        return None
    return f"unsupported predicate {node.sql(dialect='sqlite')}"


def _is_value(node: exp.Expr) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal)
