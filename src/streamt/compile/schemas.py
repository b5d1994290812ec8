"""Columns from an inline schema definition (Avro record, JSON Schema object), and the schema
lock file format (`schemas.lock`) that `streamt schemas pull` writes and compile reads.

Pure: text in, `streamt.sql.Column`s out (or a problem message). No I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from streamt.sql import Column, SqlType, TypeSyntaxError, parse_type
from streamt.sql.types import BIGINT, BOOLEAN, BYTES_T, DATE, DOUBLE, INT, STRING, TIMESTAMP3

LOCK_FILE = "schemas.lock"
LOCK_VERSION = 1

_AVRO_PRIMITIVES: dict[str, SqlType] = {
    "string": STRING,
    "int": INT,
    "long": BIGINT,
    "float": SqlType("FLOAT"),
    "double": DOUBLE,
    "boolean": BOOLEAN,
    "bytes": BYTES_T,
}
_AVRO_LOGICAL: dict[str, SqlType] = {
    "timestamp-millis": TIMESTAMP3,
    "local-timestamp-millis": TIMESTAMP3,
    "timestamp-micros": SqlType("TIMESTAMP", (6,)),
    "date": DATE,
    "uuid": STRING,
}
_JSON_TYPES: dict[str, SqlType] = {
    "string": STRING,
    "integer": BIGINT,
    "number": DOUBLE,
    "boolean": BOOLEAN,
}


class SchemaProblem(ValueError):
    """An inline schema that cannot be turned into columns."""


def avro_columns(text: str) -> tuple[Column, ...]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaProblem(
            f"Avro schema is not valid JSON: {err.msg} (line {err.lineno})"
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "record":
        raise SchemaProblem("an Avro value schema must be a record")
    return tuple(
        Column(str(f["name"]), _avro_type(f["type"]))
        for f in doc.get("fields", [])
        if isinstance(f, dict) and "name" in f and "type" in f
    )


def _avro_type(avro: object) -> SqlType:
    if isinstance(avro, str):
        return _AVRO_PRIMITIVES.get(avro, STRING)
    if isinstance(avro, list):
        branches = [b for b in avro if b != "null"]
        inner = _avro_type(branches[0]) if len(branches) == 1 else STRING
        return inner.with_nullable(True)
    if isinstance(avro, dict):
        logical = avro.get("logicalType")
        if isinstance(logical, str) and logical in _AVRO_LOGICAL:
            return _AVRO_LOGICAL[logical]
        if logical == "decimal":
            return SqlType("DECIMAL", (int(avro.get("precision", 10)), int(avro.get("scale", 0))))
        kind = avro.get("type")
        if kind == "array":
            return SqlType("ARRAY", children=(_avro_type(avro.get("items", "string")),))
        if kind == "map":
            return SqlType("MAP", children=(STRING, _avro_type(avro.get("values", "string"))))
        if kind == "record":
            fields = [f for f in avro.get("fields", []) if isinstance(f, dict)]
            return SqlType(
                "ROW",
                children=tuple(_avro_type(f.get("type", "string")) for f in fields),
                fields=tuple(str(f.get("name")) for f in fields),
            )
        if kind == "enum":
            return STRING
        if isinstance(kind, str):
            return _AVRO_PRIMITIVES.get(kind, STRING)
    return STRING


def json_schema_columns(text: str) -> tuple[Column, ...]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaProblem(
            f"JSON Schema is not valid JSON: {err.msg} (line {err.lineno})"
        ) from None
    props = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(props, dict):
        raise SchemaProblem("a JSON Schema value schema must be an object with properties")
    return tuple(Column(str(name), _json_type(spec)) for name, spec in props.items())


def _json_type(spec: object) -> SqlType:
    if not isinstance(spec, dict):
        return STRING
    kind = spec.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else "string"
    if kind == "string" and spec.get("format") == "date-time":
        return TIMESTAMP3
    if kind == "array":
        return SqlType("ARRAY", children=(_json_type(spec.get("items", {})),))
    if kind == "object" and isinstance(spec.get("properties"), dict):
        props = spec["properties"]
        return SqlType(
            "ROW",
            children=tuple(_json_type(v) for v in props.values()),
            fields=tuple(str(k) for k in props),
        )
    return _JSON_TYPES.get(str(kind), STRING)


@dataclass(frozen=True)
class SchemaLock:
    """`schemas.lock`: columns per source, pulled from the Schema Registry (JSON document)::

    {"version": 1, "sources": {"events": {"subject": "events.raw.v1-value", "schema_type": "AVRO",
      "schema_id": 3, "columns": [{"name": "event_id", "type": "STRING"}]}}}
    """

    sources: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)


def parse_lock(text: str) -> SchemaLock:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaProblem(
            f"{LOCK_FILE} is not valid JSON: {err.msg} (line {err.lineno})"
        ) from None
    if not isinstance(doc, dict) or doc.get("version") != LOCK_VERSION:
        raise SchemaProblem(f'{LOCK_FILE} must be an object with "version": {LOCK_VERSION}')
    sources: dict[str, tuple[Column, ...]] = {}
    for name, entry in (doc.get("sources") or {}).items():
        cols = entry.get("columns", []) if isinstance(entry, dict) else []
        try:
            sources[str(name)] = tuple(
                Column(str(c["name"]), parse_type(str(c["type"]))) for c in cols
            )
        except (KeyError, TypeError, TypeSyntaxError) as err:
            raise SchemaProblem(
                f"{LOCK_FILE}: source {name!r} has an invalid column: {err}"
            ) from None
    return SchemaLock(sources)


def dump_lock(lock: SchemaLock, extra: Mapping[str, Mapping[str, object]] | None = None) -> str:
    """Deterministic text of a lock (extra: per-source subject/schema_type/schema_id)."""
    body = {
        "version": LOCK_VERSION,
        "sources": {
            name: {
                **(extra or {}).get(name, {}),
                "columns": [{"name": c.name, "type": c.type.sql()} for c in cols],
            }
            for name, cols in sorted(lock.sources.items())
        },
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
