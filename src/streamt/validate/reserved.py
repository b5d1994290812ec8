"""Reserved resources: topics a project may read but never own.

A model's output topic is created and reconfigured by `apply`; naming one that belongs to Kafka,
Connect, the Schema Registry or streamt itself would hand that system's state to a pipeline.
V140 (error) refuses such an output topic or virtual topic; V141 (warning) flags a source that
reads one (reading is allowed, e.g. for monitoring, but it is rarely meant).
No I/O: the names are a table here (kept in step with the systems by tests).
"""

from __future__ import annotations

from collections.abc import Iterable

from streamt.compile.specs import DesiredState
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Model, Project
from streamt.resources import TopicSpec

# exact names: whose state the topic holds
RESERVED_TOPICS: dict[str, str] = {
    "_streamt_state": "streamt's deployment ledger (every project's)",
    "_streamt_violations": "streamt's continuous-test violations",
    "_schemas": "the Schema Registry's schema store",
    "connect-configs": "Kafka Connect's connector configs",
    "connect-offsets": "Kafka Connect's source offsets",
    "connect-status": "Kafka Connect's connector status",
    "_connect-configs": "Kafka Connect's connector configs (local stack)",
    "_connect-offsets": "Kafka Connect's source offsets (local stack)",
    "_connect-status": "Kafka Connect's connector status (local stack)",
}
# prefixes: a whole family of internal topics
RESERVED_PREFIXES: dict[str, str] = {
    "__": "one of Kafka's internal topics (__consumer_offsets, __transaction_state, ...)",
    "_streamt": "one of streamt's own topics",
    "_confluent": "one of Confluent's internal topics",
}


def reserved_reason(topic: str) -> str:
    """Whose state `topic` holds, or "" when a project may own it."""
    if topic in RESERVED_TOPICS:
        return RESERVED_TOPICS[topic]
    for prefix, reason in RESERVED_PREFIXES.items():
        if topic.startswith(prefix):
            return reason
    return ""


def check_reserved(project: Project, desired: DesiredState | None) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    models = {node_id(NodeKind.MODEL, project.name, m.name): m for m in project.models}
    topics: Iterable[TopicSpec] = desired.topics if desired is not None else ()
    for spec in topics:
        reason = reserved_reason(spec.name)
        if reason:
            model = models.get(spec.node)
            out.append(_owned(spec.name, reason, model, "output topic"))
    for rule in desired.gateway_rules if desired is not None else ():
        reason = reserved_reason(rule.name)
        if reason:
            model = models.get(rule.node)
            out.append(_owned(rule.name, reason, model, "virtual topic"))
    for source in project.sources:
        reason = reserved_reason(source.topic)
        if reason:
            out.append(
                Diagnostic(
                    "V141",
                    f"source '{source.name}' reads topic '{source.topic}', which is {reason}",
                    severity=Severity.WARNING,
                    location=source.where("topic"),
                    hint="streamt only reads it, but its records are another system's state",
                )
            )
    return out


def _owned(topic: str, reason: str, model: Model | None, what: str) -> Diagnostic:
    where = Location() if model is None else _where(model)
    label = f"model '{model.name}'" if model else "a node"
    return Diagnostic(
        "V140",
        f"{label} cannot own {what} '{topic}': it is {reason}",
        location=where,
        hint="apply would create or reconfigure it; choose another name with "
        "advanced.topic.name (names starting with '__', '_streamt' or '_confluent' are reserved)",
    )


def _where(model: Model) -> Location:
    for path in ("gateway.virtual_topic.name", "advanced.topic.name"):
        if path in model.spans:
            return model.where(path)
    return model.where("name")
