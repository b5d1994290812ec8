"""Pull each source's latest registered value schema and turn it into locked columns.

A source's subject is `schema.subject` or `<topic>-value` (TopicNameStrategy). Avro and JSON
Schema and Protobuf subjects become columns; other types and missing subjects are reported,
never guessed. The lock records each subject's type: compile reads a source without `schema:`
as its locked subject says (an Avro subject with avro-confluent, `with_locked_format`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from streamt.adapters.protocols import SchemaRegistry
from streamt.compile.protobuf import protobuf_columns
from streamt.compile.schemas import (
    SchemaLock,
    SchemaProblem,
    avro_columns,
    dump_lock,
    json_schema_columns,
)
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Project, Source
from streamt.resources import SubjectState
from streamt.sql import Column


@dataclass(frozen=True)
class PullResult:
    text: str  # the new schemas.lock
    pulled: tuple[tuple[str, str, int], ...]  # (source, subject, number of columns)
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)


def subject_of(source: Source) -> str:
    schema = source.schema_
    return schema.subject if schema is not None and schema.subject else f"{source.topic}-value"


def pull_schemas(
    project: Project, registry: SchemaRegistry, only: Sequence[str] = ()
) -> PullResult:
    latest = {s.subject: s for s in registry.list_subjects()}
    columns: dict[str, tuple[Column, ...]] = {}
    extra: dict[str, dict[str, object]] = {}
    diags: list[Diagnostic] = []
    pulled: list[tuple[str, str, int]] = []
    for source in sorted(project.sources, key=lambda s: s.name):
        if only and source.name not in only:
            continue
        subject = subject_of(source)
        state = latest.get(subject)
        if state is None:
            diags.append(_missing(project.name, source, subject))
            continue
        try:
            cols = _columns(state)
        except SchemaProblem as problem:
            diags.append(_unusable(project.name, source, subject, str(problem)))
            continue
        columns[source.name] = cols
        extra[source.name] = {
            "subject": subject,
            "schema_type": state.schema_type,
            "schema_id": state.schema_id,
            "version": state.version,
        }
        pulled.append((source.name, subject, len(cols)))
        if state.schema_type.upper() == "AVRO" and source.format is None and source.schema_ is None:
            diags.append(_avro_switch(project.name, source, subject))
    text = dump_lock(SchemaLock(columns), extra)
    return PullResult(text, tuple(pulled), tuple(diags))


def _columns(state: SubjectState) -> tuple[Column, ...]:
    kind = (state.schema_type or "AVRO").upper()
    if kind == "AVRO":
        return avro_columns(state.schema)
    if kind == "JSON":
        return json_schema_columns(state.schema)
    if kind == "PROTOBUF":
        return protobuf_columns(state.schema)
    raise SchemaProblem(f"{kind} schemas cannot be locked yet; declare the columns instead")


def _missing(project: str, source: Source, subject: str) -> Diagnostic:
    return Diagnostic(
        "R001",
        f"source '{source.name}': no subject '{subject}' in the Schema Registry",
        Severity.WARNING,
        _where(source),
        "register the topic's value schema, set `schema.subject`, or declare `columns:`",
        node=node_id(NodeKind.SOURCE, project, source.name),
    )


def _unusable(project: str, source: Source, subject: str, why: str) -> Diagnostic:
    return Diagnostic(
        "R002",
        f"source '{source.name}': subject '{subject}' cannot be locked: {why}",
        Severity.ERROR,
        _where(source),
        "declare the source's `columns:` in YAML",
        node=node_id(NodeKind.SOURCE, project, source.name),
    )


def _avro_switch(project: str, source: Source, subject: str) -> Diagnostic:
    return Diagnostic(
        "R004",
        f"source '{source.name}': subject '{subject}' is Avro; the source is now read with "
        "format avro-confluent (recorded in schemas.lock)",
        Severity.INFO,
        _where(source),
        "declare `format:` on the source to read it otherwise",
        node=node_id(NodeKind.SOURCE, project, source.name),
    )


def _where(source: Source) -> Location:
    return source.location
