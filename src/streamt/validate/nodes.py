"""Per-node checks that need the project and the graph but no SQL analysis.

V010 sink without connector config, V013 `from:` entry not used by the SQL, V014 state TTL,
V015 sample_size on a non-sample test, V016 continuous/unit test without Flink, V017 private
model used outside its group, V018 on_failure DLQ model unknown, V019 SLA not enforced.
"""

from __future__ import annotations

from streamt.diagnostics import Diagnostic, Severity
from streamt.graph.dag import Graph, NodeKind
from streamt.load.model import DataTest, Materialized, Model, Project, TestType


def check_models(project: Project, graph: Graph) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for model in project.models:
        out += _sink(model)
        out += _unused_from(model, graph)
        out += _ttl(model)
        out += _access(project, model, graph)
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


def check_tests(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    models = {m.name for m in project.models}
    for test in project.tests:
        out += _test(project, test, models)
    return out


def _test(project: Project, test: DataTest, models: set[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if test.sample_size is not None and test.type is not TestType.SAMPLE:
        out.append(
            Diagnostic(
                "V015",
                f"sample_size is ignored for a {test.type.value} test",
                severity=Severity.WARNING,
                location=test.where("sample_size"),
                hint="remove sample_size or use type: sample",
            )
        )
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
    actions = test.on_failure.actions if test.on_failure else ()
    for i, action in enumerate(actions):
        dlq = action.get("dlq")
        target = dlq.get("model") if isinstance(dlq, dict) else None
        if isinstance(target, str) and target not in models:
            out.append(
                Diagnostic(
                    "V018",
                    f"on_failure dlq model '{target}' does not exist",
                    location=test.where(f"on_failure.actions.{i}"),
                    hint="declare the DLQ model (a topic-only model: name + advanced.topic)",
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
