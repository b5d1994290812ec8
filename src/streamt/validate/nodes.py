"""Per-node checks that need the project and the graph but no SQL analysis.

V010 sink without connector config, V013 `from:` entry not used by the SQL, V014 state TTL,
V018 a Flink option streamt manages set in `advanced.flink.config`,
V016 continuous/unit test without Flink, V017 private model used outside its group, V019 SLA
not enforced, V130 a `${...}` inside a string literal of a model's SQL (never resolved). (Data-test checks, T codes, live in `streamt.testing.check`.)
"""

from __future__ import annotations

from sqlglot.errors import TokenError
from sqlglot.tokenizer_core import TokenType

from streamt.compile.jobs import RESERVED_FLINK_OPTIONS
from streamt.config.env import placeholders
from streamt.diagnostics import Diagnostic, Severity
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind
from streamt.load.model import Materialized, Model, Project, TestType
from streamt.sql.dialect import DIALECT

STRING = TokenType.STRING


def check_models(project: Project, graph: Graph) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for model in project.models:
        out += _sink(model)
        out += _unused_from(model, graph)
        out += _ttl(model)
        out += _reserved_options(model)
        out += _access(project, model, graph)
        out += _placeholder_literals(model)
    return out


def _sink(model: Model) -> list[Diagnostic]:
    is_sink = model.materialized is Materialized.SINK or (model.sql is None and model.from_)
    if not is_sink or model.sink_connector is not None:
        return []
    return [
        Diagnostic(
            "V010",
            f"sink model '{model.name}' has no connector configuration",
            location=model.where("from") if model.from_ else model.location,
            hint="add advanced.connector: {type: jdbc-sink, config: {...}}",
        )
    ]


def _unused_from(model: Model, graph: Graph) -> list[Diagnostic]:
    if model.sql is None or not model.from_:
        return []
    nid = graph.id_of(NodeKind.MODEL, model.name)
    refs = graph.refs.get(nid)
    if refs is None or not refs.ok:
        return []
    out = []
    for i, item in enumerate(model.from_):
        used = (item.kind in ("source", "auto") and item.name in refs.sources) or (
            item.kind in ("ref", "auto") and item.name in refs.refs
        )
        if not used:
            out.append(
                Diagnostic(
                    "V013",
                    f"'{item.name}' is declared in from: but not used by the SQL of '{model.name}'",
                    severity=Severity.WARNING,
                    location=model.where(f"from.{i}"),
                    hint="remove it from from:, or use it in the SQL",
                    node=nid,
                )
            )
    return out


def _ttl(model: Model) -> list[Diagnostic]:
    ttl = model.advanced.flink.state_ttl_ms
    if ttl is None:
        return []
    where = model.where("advanced.flink.state_ttl_ms")
    if ttl <= 0:
        return [
            Diagnostic(
                "V014",
                f"state_ttl_ms must be positive, got {ttl}",
                location=where,
                hint="omit it to keep state forever, or give milliseconds > 0",
            )
        ]
    if ttl < 1000:
        return [
            Diagnostic(
                "V014",
                f"state_ttl_ms {ttl} is under one second",
                severity=Severity.WARNING,
                location=where,
                hint="state TTL is in milliseconds; did you mean seconds?",
            )
        ]
    return []


def _reserved_options(model: Model) -> list[Diagnostic]:
    return [
        Diagnostic(
            "V018",
            f"advanced.flink.config of '{model.name}' sets '{key}', which streamt manages",
            location=model.where(f"advanced.flink.config.{key}"),
            hint="pipeline.name identifies the job across deployments and apply sets the "
            "restore path; remove the key",
        )
        for key in model.advanced.flink.config
        if key in RESERVED_FLINK_OPTIONS
    ]


def _placeholder_literals(model: Model) -> list[Diagnostic]:
    """`${VAR}` is a reference only in settings and option values; in a model's SQL it is text."""
    sql = model.sql
    if sql is None or "${" not in sql:
        return []
    try:
        tokens = DIALECT.tokenize(sql)
    except TokenError:
        return []  # the SQL's own diagnostics say why
    out: list[Diagnostic] = []
    for tok in tokens:
        names = [p.name for p in placeholders(tok.text)] if tok.token_type is STRING else []
        if names:
            line_start = sql.rfind("\n", 0, tok.start) + 1
            out.append(
                Diagnostic(
                    "V130",
                    f"the SQL of '{model.name}' has the literal '${{{names[0]}}}': `${{...}}` is "
                    "never resolved inside SQL, Flink gets this text as written",
                    severity=Severity.WARNING,
                    location=model.sql_position(tok.line, tok.start - line_start + 1),
                    hint="secrets belong in runtime: settings, connector config or "
                    "advanced.flink.config, where they are bound as values at apply time; "
                    "write the text as '$' || '{...}' if it is meant literally",
                )
            )
    return out


def _access(project: Project, model: Model, graph: Graph) -> list[Diagnostic]:
    if model.access != "private" or not model.group:
        return []
    nid = graph.id_of(NodeKind.MODEL, model.name)
    groups = {m.name: m.group for m in project.models}
    out = []
    for child in graph.children.get(nid, ()):
        node = graph.nodes[child]
        if node.kind is NodeKind.MODEL and groups.get(node.name) != model.group:
            out.append(
                Diagnostic(
                    "V017",
                    f"model '{node.name}' uses private model '{model.name}' of group "
                    f"'{model.group}'",
                    location=node.location,
                    hint=f"make '{model.name}' access: protected, or put '{node.name}' in group "
                    f"'{model.group}'",
                    node=child,
                )
            )
    return out


def check_test_runtime(project: Project) -> list[Diagnostic]:
    """Only what needs the runtime; assertions, targets, options and on_failure are checked by
    `streamt.testing.check.check_tests` (the context merges both)."""
    out: list[Diagnostic] = []
    for test in project.tests:
        needs_flink = test.type in (TestType.CONTINUOUS, TestType.UNIT)
        if needs_flink and project.runtime.flink is None:
            out.append(
                Diagnostic(
                    "V016",
                    f"{test.type.value} test '{test.name}' needs a Flink cluster",
                    location=test.where("type"),
                    hint="add runtime.flink (or omit runtime: for the local stack)",
                )
            )
    return out


def check_exposures(project: Project) -> list[Diagnostic]:
    return [
        Diagnostic(
            "V019",
            f"exposure '{e.name}' declares an SLA; streamt records it but does not enforce it",
            severity=Severity.INFO,
            location=e.where("sla"),
        )
        for e in project.exposures
        if e.sla is not None
    ]
