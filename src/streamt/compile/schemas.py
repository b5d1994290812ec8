"""Columns from an inline schema definition (Avro record, JSON Schema object), and the schema
lock file format (`schemas.lock`) that `streamt schemas pull` writes and compile reads.

Pure: text in, `streamt.sql.Column`s out (or a problem message). No I/O. Types nest at most
`MAX_TYPE_DEPTH` levels (as typed columns do); deeper schemas, JSON nested past the decoder's
recursion and numbers past Python's 4,300 digits are `SchemaProblem`s.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from streamt.sql import Column, SqlType, TypeSyntaxError, parse_type
from streamt.sql.types import (
    BIGINT,
    BOOLEAN,
    BYTES_T,
    DATE,
    DOUBLE,
    INT,
    MAX_TYPE_DEPTH,
    STRING,
    TIMESTAMP3,
    TIMESTAMP_LTZ3,
)

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

# RFC 3339 instants ("...T10:00:00Z"): read by Flink's json format with the ISO-8601 standard
_JSON_STRING_FORMATS: dict[str, SqlType] = {"date-time": TIMESTAMP_LTZ3, "date": DATE}


class SchemaProblem(ValueError):
    """An inline schema that cannot be turned into columns."""


def _load(text: str, what: str) -> object:
    """JSON text -> a value; nesting past the decoder's recursion and integers past Python's
    4,300 digits are problems like any syntax error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaProblem(f"{what} is not valid JSON: {err.msg} (line {err.lineno})") from None
    except (ValueError, RecursionError) as err:
        reason = "is nested too deeply" if isinstance(err, RecursionError) else f"is invalid: {err}"
        raise SchemaProblem(f"{what} {reason}") from None


def deeper(depth: int) -> int:
    if depth >= MAX_TYPE_DEPTH:
        raise SchemaProblem(f"the schema nests types deeper than {MAX_TYPE_DEPTH} levels")
    return depth + 1


def _fields(record: dict[str, object]) -> list[dict[str, object]]:
    fields = record.get("fields", [])
    return [f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else []


def avro_columns(text: str) -> tuple[Column, ...]:
    doc = _load(text, "Avro schema")
    if not isinstance(doc, dict) or doc.get("type") != "record":
        raise SchemaProblem("an Avro value schema must be a record")
    return tuple(
        Column(str(f["name"]), _avro_type(f["type"], 1))
        for f in _fields(doc)
        if "name" in f and "type" in f
    )


def _avro_type(avro: object, depth: int) -> SqlType:
    if isinstance(avro, str):
        return _AVRO_PRIMITIVES.get(avro, STRING)
    depth = deeper(depth)
    if isinstance(avro, list):
        branches = [b for b in avro if b != "null"]
        inner = _avro_type(branches[0], depth) if len(branches) == 1 else STRING
        return inner.with_nullable(True)
    if isinstance(avro, dict):
        logical = avro.get("logicalType")
        if isinstance(logical, str) and logical in _AVRO_LOGICAL:
            return _AVRO_LOGICAL[logical]
        if logical == "decimal":
            return SqlType("DECIMAL", (_small(avro, "precision", 10), _small(avro, "scale", 0)))
        kind = avro.get("type")
        if kind == "array":
            return SqlType("ARRAY", children=(_avro_type(avro.get("items", "string"), depth),))
        if kind == "map":
            values = _avro_type(avro.get("values", "string"), depth)
            return SqlType("MAP", children=(STRING, values))
        if kind == "record":
            fields = _fields(avro)
            return SqlType(
                "ROW",
                children=tuple(_avro_type(f.get("type", "string"), depth) for f in fields),
                fields=tuple(str(f.get("name")) for f in fields),
            )
        if kind == "enum":
            return STRING
        if isinstance(kind, str):
            return _AVRO_PRIMITIVES.get(kind, STRING)
    return STRING


def _small(avro: dict[str, object], key: str, default: int) -> int:
    """A decimal's precision or scale: a non-negative integer of at most 9 digits."""
    value = avro.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise SchemaProblem(f"decimal {key} must be a non-negative integer, got {str(value)[:20]}")
    return value


def json_schema_columns(text: str) -> tuple[Column, ...]:
    doc = _load(text, "JSON Schema")
    props = doc.get("properties") if isinstance(doc, dict) else None
    if not isinstance(props, dict):
        raise SchemaProblem("a JSON Schema value schema must be an object with properties")
    return tuple(Column(str(name), _json_type(spec, 1, doc)) for name, spec in props.items())


def _json_type(spec: object, depth: int, root: object) -> SqlType:
    if not isinstance(spec, dict):
        return STRING
    depth = deeper(depth)
    ref = spec.get("$ref")
    if isinstance(ref, str):
        return _json_type(_local_ref(root, ref), depth, root)
    kind = spec.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else "string"
    if kind == "string" and spec.get("format") in _JSON_STRING_FORMATS:
        return _JSON_STRING_FORMATS[str(spec["format"])]
    if kind == "array":
        return SqlType("ARRAY", children=(_json_type(spec.get("items", {}), depth, root),))
    if kind == "object" and isinstance(spec.get("properties"), dict):
        props = spec["properties"]
        return SqlType(
            "ROW",
            children=tuple(_json_type(v, depth, root) for v in props.values()),
            fields=tuple(str(k) for k in props),
        )
    return _JSON_TYPES.get(str(kind), STRING)


def _local_ref(root: object, ref: str) -> object:
    """The schema a local `$ref` ("#/definitions/Item", "#/$defs/Item") points at."""
    node = root
    for part in ref.removeprefix("#").strip("/").split("/") if ref.startswith("#") else [ref]:
        step = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or step not in node:
            raise SchemaProblem(f"$ref {ref!r} does not point inside the schema")
        node = node[step]
    return node


@dataclass(frozen=True)
class SchemaLock:
    """`schemas.lock`: columns per source, pulled from the Schema Registry (JSON document)::

    {"version": 1, "sources": {"events": {"subject": "events.raw.v1-value", "schema_type": "AVRO",
      "schema_id": 3, "columns": [{"name": "event_id", "type": "STRING"}]}}}
    """

    sources: Mapping[str, tuple[Column, ...]] = field(default_factory=dict)
    schema_types: Mapping[str, str] = field(default_factory=dict)  # AVRO | JSON | PROTOBUF


def parse_lock(text: str) -> SchemaLock:
    doc = _load(text, LOCK_FILE)
    if not isinstance(doc, dict) or doc.get("version") != LOCK_VERSION:
        raise SchemaProblem(f'{LOCK_FILE} must be an object with "version": {LOCK_VERSION}')
    entries = doc.get("sources") or {}
    if not isinstance(entries, dict):
        raise SchemaProblem(f'{LOCK_FILE}: "sources" must be an object')
    sources: dict[str, tuple[Column, ...]] = {}
    types: dict[str, str] = {}
    for name, entry in entries.items():
        cols = entry.get("columns", []) if isinstance(entry, dict) else []
        kind = entry.get("schema_type") if isinstance(entry, dict) else None
        if isinstance(kind, str):
            types[str(name)] = kind.upper()
        try:
            sources[str(name)] = tuple(
                Column(str(c["name"]), parse_type(str(c["type"]))) for c in cols
            )
        except (KeyError, TypeError, TypeSyntaxError) as err:
            raise SchemaProblem(
                f"{LOCK_FILE}: source {name!r} has an invalid column: {err}"
            ) from None
    return SchemaLock(sources, types)


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
