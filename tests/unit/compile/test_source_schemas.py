"""A source's table through `compile_project`: an inline schema's fields refined and extended by
declared columns, the event time (declared or added, its watermark delay), the key of changelog
sources, and the errors for schemas and types that cannot be read (code, line, message, hint)."""

from __future__ import annotations

from pathlib import Path

from streamt.compile.specs import ChangelogMode
from streamt.diagnostics import Severity
from tests.unit.compile.helpers import compile_dir

PROJECT = """\
project: {name: shop}
sources:
  - name: raw
    topic: raw.v1
    schema:
      format: avro
      definition: '{"type": "record", "name": "R", "fields": [{"name": "id", "type": "long"}, {"name": "note", "type": ["null", "string"]}]}'
    columns:
      - {name: extra, type: INT}
      - {name: note, type: STRING, nullable: false}
    event_time: {column: at, watermark: {strategy: monotonously_increasing}}
  - name: bad_schema
    topic: b.v1
    schema: {format: avro, definition: '{"type": "enum"}'}
  - name: bad_type
    topic: c.v1
    columns:
      - {name: a, type: STRNG}
  - name: raw_text
    topic: d.v1
    format: raw
    columns: [{name: a, type: STRING}, {name: b, type: STRING}]
  - name: cdc
    topic: e.v1
    format: debezium-json
    key: [a]
    columns: [{name: a, type: STRING}, {name: t, type: STRING}]
    event_time: {column: t, watermark: {max_out_of_orderness_ms: 2500}}
models:
  - name: m
    sql: SELECT id, note, extra, at FROM {{ source("raw") }}
"""


def _compile(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "stream_project.yml").write_text(PROJECT)
    result, _ = compile_dir(tmp_path)
    return result


def columns(result, node: str) -> list[tuple[str, str, bool, int]]:  # type: ignore[no-untyped-def]
    return [
        (c.name, c.type.sql(), c.rowtime, c.watermark_delay_ms) for c in result.nodes[node].columns
    ]


def test_declared_columns_refine_the_schemas_fields_and_extend_them_in_order(
    tmp_path: Path,
) -> None:
    result = _compile(tmp_path)
    assert columns(result, "source.shop.raw") == [
        ("id", "BIGINT", False, 0),  # the schema's order first
        ("note", "STRING NOT NULL", False, 0),  # refined by the declaration
        ("extra", "INT", False, 0),  # declared only: after the schema's fields
        ("at", "TIMESTAMP(3)", True, 0),  # the event time, added; monotonous: no delay
    ]
    assert "WATERMARK FOR `at` AS `at` - INTERVAL '0' SECOND" in result.desired.jobs[0].script
    assert result.nodes["source.shop.raw"].primary_key == ()


def test_a_changelog_source_is_keyed_and_its_event_time_becomes_a_timestamp(
    tmp_path: Path,
) -> None:
    result = _compile(tmp_path)
    node = result.nodes["source.shop.cdc"]
    assert columns(result, "source.shop.cdc") == [
        ("a", "STRING", False, 0),
        ("t", "TIMESTAMP(3)", True, 2500),  # declared STRING: read as the event time it is
    ]
    assert (node.primary_key, node.changelog) == (("a",), ChangelogMode.UPSERT)


def test_schemas_and_types_that_cannot_be_read_are_placed_with_a_hint(tmp_path: Path) -> None:
    result = _compile(tmp_path)
    found = {
        d.code: (d.severity, d.location.line, d.message, d.hint, d.node)
        for d in result.diagnostics
        if d.code in ("C040", "C041", "C042")
    }
    assert found == {
        "C040": (
            Severity.ERROR,
            14,
            "source 'bad_schema': an Avro value schema must be a record",
            "give an Avro record, a JSON Schema object with properties or a .proto message, "
            "or declare columns: instead",
            "source.shop.bad_schema",
        ),
        "C041": (
            Severity.ERROR,
            18,
            "source 'bad_type' column 'a': unknown type 'STRNG' in 'STRNG'",
            "use a Flink SQL type such as STRING, BIGINT, DOUBLE, TIMESTAMP(3)",
            "source.shop.bad_type",
        ),
        "C042": (
            Severity.ERROR,
            21,
            "source 'raw_text' uses format raw, which reads one column, but declares 2",
            "declare a single STRING or BYTES column, or use json / csv",
            "source.shop.raw_text",
        ),
    }
