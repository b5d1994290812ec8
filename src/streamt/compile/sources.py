"""Source tables: columns (declared, from the inline schema, from the lock, or inferred), event
time, changelog-ness, and the Schema Registry subject of an inline schema. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace

from streamt.compile.demand import is_documentation_only
from streamt.compile.protobuf import protobuf_columns
from streamt.compile.schemas import SchemaLock, SchemaProblem, avro_columns, json_schema_columns
from streamt.compile.tables import is_changelog, reads_iso_instants, source_format
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.model import SchemaDef, SchemaFormat, Source
from streamt.resources import SubjectSpec
from streamt.sql import Column, SqlType, TableSchema, TypeSyntaxError, parse_type
from streamt.sql.types import STRING, TIMESTAMP3


def source_schema(
    source: Source, lock: SchemaLock | None, diags: list[Diagnostic], node: str
) -> TableSchema:
    """The table a source is read as; `open=True` when its columns must be inferred."""
    from_schema = _schema_columns(source, diags, node)
    diags.extend(format_problems(source, node))
    # entries that only document (no type) annotate columns inferred from use
    documents = is_documentation_only(source) and not from_schema
    declared = [] if documents else _declared(source, from_schema, diags, node)
    columns: list[Column] = declared or from_schema
    if not columns and lock is not None and source.name in lock.sources:
        columns = list(lock.sources[source.name])
    columns = _with_time(source, columns)
    open_ = not declared and not from_schema and not (lock and source.name in lock.sources)
    physical = [c for c in columns if not c.proctime]
    if source_format(source) == "raw" and len(physical) > 1:
        diags.append(
            Diagnostic(
                "C042",
                f"source '{source.name}' uses format raw, which reads one column, "
                f"but declares {len(physical)}",
                location=source.where("format"),
                hint="declare a single STRING or BYTES column, or use json / csv",
                node=node,
            )
        )
    return TableSchema(
        source.name,
        tuple(columns),
        updating=is_changelog(source),
        primary_key=tuple(source.key) if is_changelog(source) else (),
        open=open_,
        message_key=tuple(source.key),
    )


def close_inferred(
    source: Source, schema: TableSchema, inferred: tuple[Column, ...]
) -> TableSchema:
    """An open schema completed with the columns inferred from the models that read it."""
    known = {c.name for c in schema.columns}
    extra = tuple(c for c in inferred if c.name not in known)
    return replace(
        schema, columns=tuple(_with_time(source, list(schema.columns) + list(extra))), open=False
    )


def _schema_columns(source: Source, diags: list[Diagnostic], node: str) -> list[Column]:
    schema = source.schema_
    if schema is None or not schema.definition:
        return []
    try:
        if schema.format.value == "avro":
            return list(avro_columns(schema.definition))
        if schema.format.value == "json":
            return list(json_schema_columns(schema.definition))
        return list(protobuf_columns(schema.definition))
    except SchemaProblem as err:
        diags.append(
            Diagnostic(
                "C040",
                f"source '{source.name}': {err}",
                location=source.where("schema.definition"),
                hint="give an Avro record, a JSON Schema object with properties or a .proto "
                "message, or declare columns: instead",
                node=node,
            )
        )
    return []


def _declared(
    source: Source, from_schema: list[Column], diags: list[Diagnostic], node: str
) -> list[Column]:
    typed = {c.name: c.type for c in from_schema}
    out: list[Column] = []
    for i, col in enumerate(source.columns):
        if col.proctime:
            out.append(Column(col.name, parse_type("TIMESTAMP_LTZ(3) NOT NULL"), proctime=True))
            continue
        sql_type = typed.get(col.name, STRING)
        if col.type:
            where = source.where(f"columns.{i}.type")
            label = f"source '{source.name}' column '{col.name}'"
            sql_type = column_type(col.type, label, where, node, diags) or sql_type
        out.append(Column(col.name, sql_type.with_nullable(col.nullable and sql_type.nullable)))
    if out and from_schema:  # the schema's field order; declared columns refine or extend it
        declared = {c.name: c for c in out}
        schema_names = {c.name for c in from_schema}
        merged = [declared.get(c.name, c) for c in from_schema]
        out = merged + [c for c in out if c.name not in schema_names]
    return out


def column_type(
    text: str, label: str, where: Location, node: str, diags: list[Diagnostic]
) -> SqlType | None:
    """A declared column's type, or None with C041 when Flink does not know it."""
    try:
        return parse_type(text)
    except TypeSyntaxError as err:
        diags.append(
            Diagnostic(
                "C041",
                f"{label}: {err}",
                location=where,
                hint="use a Flink SQL type such as STRING, BIGINT, DOUBLE, TIMESTAMP(3)",
                node=node,
            )
        )
        return None


def _with_time(source: Source, columns: list[Column] | tuple[Column, ...]) -> list[Column]:
    cols = list(columns)
    et = source.event_time
    if et is None:
        return cols
    delay = (
        0
        if et.watermark.strategy == "monotonously_increasing"
        else et.watermark.max_out_of_orderness_ms
    )
    for i, col in enumerate(cols):
        if col.name == et.column:
            ts = col.type if col.type.is_timestamp else TIMESTAMP3.with_nullable(col.type.nullable)
            cols[i] = replace(col, type=ts, rowtime=True, watermark_delay_ms=delay)
            return cols
    cols.append(Column(et.column, TIMESTAMP3, rowtime=True, watermark_delay_ms=delay))
    return cols


def with_locked_format(source: Source, lock: SchemaLock | None) -> Source:
    """A source without `schema:` whose subject `schemas pull` locked: read as that subject's
    type says (an Avro subject -> avro-confluent), as if it declared `schema.format` (with no
    definition, so nothing is registered and the lock's columns are used)."""
    kind = lock.schema_types.get(source.name, "") if lock is not None else ""
    if source.schema_ is not None or kind.lower() not in {f.value for f in SchemaFormat}:
        return source
    return source.model_copy(update={"schema_": SchemaDef(format=SchemaFormat(kind.lower()))})


def format_problems(source: Source, node: str) -> list[Diagnostic]:
    """Payloads Apache Flink 2.2 cannot read (V185, V186), and a JSON Schema subject read as
    plain JSON without the project saying its records are plain JSON (V187)."""
    kind = source.schema_.format.value if source.schema_ is not None else None
    where = source.where("format") if source.format else source.where("schema")
    if source.format == "protobuf-confluent" or (kind == "protobuf" and not source.format):
        return [_diag("V185", source, node, where, _NO_PROTOBUF_CONFLUENT, _PROTOBUF_FIX)]
    if source.format == "protobuf":
        return [_diag("V186", source, node, where, _NO_PLAIN_PROTOBUF, _PROTOBUF_FIX)]
    if kind == "json" and not source.format:
        return [_diag("V187", source, node, where, _JSON_SCHEMA_AS_JSON, _JSON_FIX, warn=True)]
    return []


_NO_PROTOBUF_CONFLUENT = (
    "its records are Protobuf in Confluent's wire format, which Apache Flink 2.2 cannot read "
    "(it has no protobuf-confluent format)"
)
_NO_PLAIN_PROTOBUF = (
    "format protobuf needs a generated Java class on the cluster "
    "(protobuf.message-class-name), which streamt does not build or configure"
)
_PROTOBUF_FIX = (
    "produce Avro and declare `schema.format: avro` (read with avro-confluent), or write the "
    "records as plain JSON and declare `format: json` (the .proto still gives the columns)"
)
_JSON_SCHEMA_AS_JSON = (
    "a JSON Schema subject is read with Flink's json format, which reads plain JSON only, not "
    "Confluent's JSON Schema wire format (a magic byte and a schema id before each record)"
)
_JSON_FIX = (
    "declare `format: json` if the producers write plain JSON; records from Confluent's "
    "KafkaJsonSchemaSerializer cannot be read: produce Avro (`schema.format: avro`) instead"
)


def instants_unguarded(
    source: Source, columns: Sequence[Column], chosen: str, node: str
) -> list[Diagnostic]:
    """V188: `skip` / `dead_letter` parse a record in SQL, where an RFC 3339 instant does not
    cast to a timestamp: every record of such a source would be a bad record."""
    instants = [c.name for c in columns if c.type.is_timestamp and not c.proctime]
    if chosen == "fail" or not instants or not reads_iso_instants(source):
        return []
    where = source.where("on_bad_record") if source.on_bad_record else source.location
    why = (
        f"on_bad_record: {chosen} parses each record in SQL, where an RFC 3339 instant "
        f"('2024-05-01T10:00:00Z') does not cast to a timestamp, so every record would be "
        f"bad ({', '.join(instants)})"
    )
    fix = "use on_bad_record: fail (a bad record stops the job and `status` names it)"
    return [_diag("V188", source, node, where, why, fix)]


def _diag(
    code: str, source: Source, node: str, where: Location, why: str, hint: str, warn: bool = False
) -> Diagnostic:
    severity = Severity.WARNING if warn else Severity.ERROR
    return Diagnostic(code, f"source '{source.name}': {why}", severity, where, hint, node=node)


def subject_spec(source: Source, node: str) -> SubjectSpec | None:
    schema = source.schema_
    if schema is None or not schema.definition:
        return None
    text = schema.definition
    if schema.format.value in ("avro", "json"):
        try:
            text = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
        except (ValueError, RecursionError):  # reported by the columns (C040)
            text = schema.definition
    return SubjectSpec(
        subject=schema.subject or f"{source.topic}-value",
        schema_type=schema.format.value.upper(),
        schema_text=text,
        compatibility=schema.compatibility,
        node=node,
    )


def inferred_warning(source: Source, columns: tuple[Column, ...], node: str) -> Diagnostic:
    listing = ", ".join(f"{c.name} {c.type.sql()}" for c in columns) or "(none)"
    what = "column types" if source.columns else "columns"  # entries that only document
    return Diagnostic(
        "C020",
        f"source '{source.name}' declares no {what}; inferred from the models that read it: {listing}",
        Severity.WARNING,
        source.location,
        hint="declare columns (or a schema), or run `streamt schemas pull` to lock them from the registry",
        node=node,
    )


def merge_inferred(found: Mapping[str, list[Column]]) -> dict[str, tuple[Column, ...]]:
    rank = {"ARRAY": 3, "TIMESTAMP": 3, "DOUBLE": 2}
    out: dict[str, tuple[Column, ...]] = {}
    for table, cols in found.items():
        best: dict[str, Column] = {}
        for col in cols:
            cur = best.get(col.name)
            if cur is None or rank.get(col.type.name, 1) > rank.get(cur.type.name, 1):
                best[col.name] = col
        out[table] = tuple(best.values())
    return out
