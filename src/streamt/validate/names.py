"""Names that end up in SQL, topic names and cross-kind collisions.

V001 invalid column name, V173 an output column named in a model's SQL (an alias) that breaks
the same policy (a warning: the job quotes it, but JSON/Avro field names, sink columns and
readers' SQL meet it as written), V002 invalid topic name, V003 duplicate column, V004 a source's
event_time / key names a column it does not declare, V021 two nodes writing/reading one topic,
V022 ambiguous bare name in `from:` (a model and a source share it).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

from streamt.compile.result import CompiledNode
from streamt.diagnostics import Diagnostic, Location, Severity, did_you_mean
from streamt.graph.dag import Graph
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Located, Model, Project, Source
from streamt.load.names import kafka_collision_key
from streamt.resources import TopicSpec

MAX_IDENTIFIER = 128
MAX_TOPIC = 249
_TOPIC_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_BAD_IDENT = {
    "'": "a quote",
    '"': "a double quote",
    "`": "a backtick",
    ";": "a semicolon",
    "/": "a slash",
    "\\": "a backslash",
}


@functools.lru_cache(maxsize=1 << 14)
def identifier_problem(name: str) -> str:
    """Why `name` cannot be a streamt identifier, or "" when it can."""
    if not name:
        return "is empty"
    if len(name) > MAX_IDENTIFIER:
        return f"is longer than {MAX_IDENTIFIER} characters"
    for ch in name:
        if ch in _BAD_IDENT:
            return f"contains {_BAD_IDENT[ch]}"
        if ch.isspace():
            return "contains whitespace"
        if not ch.isprintable():
            return "contains a control character"
    return ""


@functools.lru_cache(maxsize=1 << 14)
def topic_problem(name: str) -> str:
    """Why `name` is not a legal Kafka topic name (Kafka's own rules), or ""."""
    if not name:
        return "is empty"
    if name in (".", ".."):
        return "cannot be '.' or '..'"
    if len(name) > MAX_TOPIC:
        return f"is longer than {MAX_TOPIC} characters"
    bad = sorted({ch for ch in name if ch not in _TOPIC_CHARS})
    if bad:
        shown = ", ".join(repr(c) for c in bad[:5])
        return f"contains characters Kafka does not allow ({shown})"
    return ""


def check_identifiers(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    groups: list[tuple[str, Iterable[Located]]] = [
        ("source", project.sources),
        ("model", project.models),
        ("test", project.tests),
        ("exposure", project.exposures),
    ]
    for kind, items in groups:
        for item in items:  # node names follow the load-time name policy (L040)
            name = str(getattr(item, "name", ""))
            for i, column in enumerate(getattr(item, "columns", ())):
                problem = identifier_problem(column.name)
                if problem:
                    out.append(
                        _ident(
                            f"column name '{column.name}' of {kind} '{name}' {problem}",
                            item.where(f"columns.{i}.name"),
                        )
                    )
    return out


def check_output_columns(
    project: Project, compiled: Mapping[str, CompiledNode]
) -> list[Diagnostic]:
    """V173: a model's output column whose name comes from its SQL and breaks the identifier
    policy (declared columns are V001's)."""
    out: list[Diagnostic] = []
    for model in project.models:
        node = compiled.get(node_id(NodeKind.MODEL, project.name, model.name))
        if node is None or not node.query:
            continue
        declared = {c.name for c in model.columns}
        for column in node.columns:
            problem = "" if column.name in declared else identifier_problem(column.name)
            if problem:
                out.append(
                    Diagnostic(
                        "V173",
                        f"output column {column.name!r} of model '{model.name}' (named in its "
                        f"SQL) {problem}",
                        Severity.WARNING,
                        location=model.where("sql"),
                        hint="alias it with letters, digits, '_', '-' or '.' (AS name): the job "
                        "quotes it, but record field names, sink columns and readers' SQL "
                        "meet it as written",
                    )
                )
    return out


def _ident(message: str, where: Location) -> Diagnostic:
    return Diagnostic(
        "V001",
        message,
        location=where,
        hint="use letters, digits, '_', '-' or '.'; no quotes, backticks, "
        f"semicolons or spaces; at most {MAX_IDENTIFIER} characters",
    )


def check_topics(project: Project, topics: Iterable[TopicSpec]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    owners: dict[str, list[tuple[str, Location]]] = {}
    for source in project.sources:
        owners.setdefault(source.topic, []).append(
            (f"source '{source.name}'", source.where("topic"))
        )
        problem = topic_problem(source.topic)
        if problem:
            out.append(
                _topic(
                    f"topic '{source.topic}' of source '{source.name}' {problem}",
                    source.where("topic"),
                )
            )
    models = {node_id(NodeKind.MODEL, project.name, m.name): m for m in project.models}
    created: set[str] = set()
    for spec in topics:
        created.add(spec.name)
        model = models.get(spec.node)
        where = _topic_where(model)
        label = f"model '{model.name}'" if model else spec.node or "a topic"
        owners.setdefault(spec.name, []).append((label, where))
        problem = topic_problem(spec.name)
        if problem:
            out.append(_topic(f"output topic '{spec.name}' of {label} {problem}", where))
    for topic, users in sorted(owners.items()):
        if len(users) > 1:
            (first, _), *rest = users
            for label, where in rest:
                out.append(
                    Diagnostic(
                        "V021",
                        f"topic '{topic}' is used by both {first} and {label}",
                        location=where,
                        hint="give the model its own topic with advanced.topic.name, or read the "
                        "source instead of writing into it",
                    )
                )
    return out + _collisions(owners, created)


def _collisions(
    owners: dict[str, list[tuple[str, Location]]], created: set[str]
) -> list[Diagnostic]:
    """V023: a topic streamt creates whose name collides (`kafka_collision_key`) with another
    topic of the project: Kafka would refuse to create it."""
    out: list[Diagnostic] = []
    by_key: dict[str, list[str]] = {}
    for topic in sorted(owners):
        by_key.setdefault(kafka_collision_key(topic), []).append(topic)
    for names in by_key.values():
        for topic in names:
            others = [n for n in names if n != topic]
            if topic not in created or not others:
                continue
            label, where = owners[topic][0]
            other = others[0]
            out.append(
                Diagnostic(
                    "V023",
                    f"output topic '{topic}' of {label} collides with topic '{other}' of "
                    f"{owners[other][0][0]}: Kafka refuses two topic names that differ only in "
                    "'.' and '_'",
                    location=where,
                    hint="give the model another topic name (advanced.topic.name) or another "
                    "model name",
                )
            )
    return out


def _topic_where(model: Model | None) -> Location:
    if model is None:
        return Location()
    return model.where("advanced.topic.name") if model.advanced.topic.name else model.where("name")


def _topic(message: str, where: Location) -> Diagnostic:
    return Diagnostic(
        "V002",
        message,
        location=where,
        hint=f"Kafka topic names use [a-zA-Z0-9._-], at most {MAX_TOPIC} characters",
    )


def check_ambiguous_from(project: Project, graph: Graph) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for model in project.models:
        for i, item in enumerate(model.from_):
            if item.kind != "auto":
                continue
            if graph.get(NodeKind.MODEL, item.name) and graph.get(NodeKind.SOURCE, item.name):
                out.append(
                    Diagnostic(
                        "V022",
                        f"'{item.name}' is both a model and a source; using the model",
                        severity=Severity.WARNING,
                        location=model.where(f"from.{i}"),
                        hint=f"write {{ref: {item.name}}} or {{source: {item.name}}}",
                    )
                )
    return out


def check_columns(project: Project) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    nodes: list[Source | Model] = [*project.sources, *project.models]
    for node in nodes:
        seen: set[str] = set()
        for i, column in enumerate(node.columns):
            if column.name in seen:
                out.append(
                    Diagnostic(
                        "V003",
                        f"column '{column.name}' of '{node.name}' is declared twice",
                        location=node.where(f"columns.{i}.name"),
                        hint="remove one of them",
                    )
                )
            seen.add(column.name)
    for source in project.sources:
        declared = [c.name for c in source.columns]
        declared += [n for n in _schema_column_names(source) if n not in declared]
        if not declared:
            continue  # columns come from a schema, the lock or usage: checked by compile
        wanted = [("event_time.column", source.event_time.column)] if source.event_time else []
        wanted += [(f"key.{i}", k) for i, k in enumerate(source.key)]
        for path, name in wanted:
            if name not in declared:
                out.append(
                    Diagnostic(
                        "V004",
                        f"{path.split('.')[0]} column '{name}' is not a column of source "
                        f"'{source.name}'",
                        location=source.where(path),
                        hint=did_you_mean(name, declared) or f"columns: {', '.join(declared)}",
                    )
                )
    return out


def _schema_column_names(source: Source) -> list[str]:
    """Columns an inline Avro / JSON Schema definition gives (YAML `columns:` only annotate)."""
    from streamt.compile.schemas import SchemaProblem, avro_columns, json_schema_columns

    schema = source.schema_
    if schema is None or not schema.definition or schema.format.value == "protobuf":
        return []
    derive = json_schema_columns if schema.format.value == "json" else avro_columns
    try:
        return [c.name for c in derive(schema.definition)]
    except SchemaProblem:
        return []  # compile reports the broken definition (C040)
