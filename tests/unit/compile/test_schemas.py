"""Columns from inline Avro / JSON Schema definitions, and the schema lock format."""

from __future__ import annotations

import pytest

from streamt.compile import SchemaLock, dump_lock, parse_lock
from streamt.compile.schemas import SchemaProblem, avro_columns, json_schema_columns
from streamt.sql import Column, parse_type


def cols(columns: tuple[Column, ...]) -> list[tuple[str, str]]:
    return [(c.name, c.type.sql()) for c in columns]


def test_avro_types() -> None:
    schema = """{"type": "record", "name": "R", "fields": [
      {"name": "s", "type": "string"}, {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
      {"name": "f", "type": "float"}, {"name": "d", "type": "double"}, {"name": "b", "type": "boolean"},
      {"name": "by", "type": "bytes"}, {"name": "n", "type": ["null", "long"]},
      {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
      {"name": "dt", "type": {"type": "int", "logicalType": "date"}},
      {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
      {"name": "arr", "type": {"type": "array", "items": "string"}},
      {"name": "m", "type": {"type": "map", "values": "int"}},
      {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A"]}},
      {"name": "r", "type": {"type": "record", "name": "In", "fields": [{"name": "x", "type": "int"}]}}
    ]}"""
    assert cols(avro_columns(schema)) == [
        ("s", "STRING"),
        ("i", "INT"),
        ("l", "BIGINT"),
        ("f", "FLOAT"),
        ("d", "DOUBLE"),
        ("b", "BOOLEAN"),
        ("by", "BYTES"),
        ("n", "BIGINT"),
        ("ts", "TIMESTAMP(3)"),
        ("dt", "DATE"),
        ("dec", "DECIMAL(9, 2)"),
        ("arr", "ARRAY<STRING>"),
        ("m", "MAP<STRING, INT>"),
        ("e", "STRING"),
        ("r", "ROW<`x` INT>"),
    ]


def test_json_schema_types() -> None:
    schema = """{"type": "object", "properties": {
      "id": {"type": "integer"}, "price": {"type": "number"}, "ok": {"type": "boolean"},
      "at": {"type": "string", "format": "date-time"}, "tags": {"type": "array", "items": {"type": "string"}},
      "addr": {"type": "object", "properties": {"city": {"type": "string"}}},
      "maybe": {"type": ["null", "string"]}}}"""
    assert cols(json_schema_columns(schema)) == [
        ("id", "BIGINT"),
        ("price", "DOUBLE"),
        ("ok", "BOOLEAN"),
        ("at", "TIMESTAMP_LTZ(3)"),  # an RFC 3339 instant, read with ISO-8601
        ("tags", "ARRAY<STRING>"),
        ("addr", "ROW<`city` STRING>"),
        ("maybe", "STRING"),
    ]


@pytest.mark.parametrize("bad", ["not json", '{"type": "enum"}', "[1]"])
def test_bad_avro_is_a_problem(bad: str) -> None:
    with pytest.raises(SchemaProblem):
        avro_columns(bad)


def test_lock_round_trip() -> None:
    lock = SchemaLock(
        {"events": (Column("id", parse_type("BIGINT")), Column("n", parse_type("STRING")))}
    )
    text = dump_lock(lock, {"events": {"subject": "events.v1-value", "schema_id": 3}})
    again = parse_lock(text)
    assert cols(again.sources["events"]) == [("id", "BIGINT"), ("n", "STRING")]
    assert dump_lock(again, {"events": {"subject": "events.v1-value", "schema_id": 3}}) == text


def test_lock_round_trip_of_nested_records_with_quoted_field_names() -> None:
    # a ROW type is written with `quoted` field names; reading them back was L020 for every
    # subject with a nested record
    avro = """{"type": "record", "name": "R", "fields": [{"name": "lines", "type": {"type":
      "array", "items": {"type": "record", "name": "L", "fields": [{"name": "sku", "type":
      "string"}, {"name": "order by", "type": "int"}]}}}]}"""
    text = dump_lock(SchemaLock({"e": avro_columns(avro)}), {"e": {"schema_type": "AVRO"}})
    again = parse_lock(text)
    assert cols(again.sources["e"]) == [("lines", "ARRAY<ROW<`sku` STRING, `order by` INT>>")]
    assert again.sources["e"][0].type.children[0].fields == ("sku", "order by")
    assert again.schema_types == {"e": "AVRO"}


@pytest.mark.parametrize(
    "bad",
    [
        "{",
        '{"version": 2}',
        '{"version": 1, "sources": {"e": {"columns": [{"name": "x", "type": "NOPE("}]}}}',
    ],
)
def test_bad_lock_is_a_problem(bad: str) -> None:
    with pytest.raises(SchemaProblem):
        parse_lock(bad)
