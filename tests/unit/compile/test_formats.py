"""Formats of registry subjects: `.proto` and JSON Schema definitions give columns (types checked
by hand against Flink 2.2's protobuf and json format docs), what Flink cannot read is an error
naming the alternative, and a locked Avro subject is read with avro-confluent."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile import SchemaLock, compile_project
from streamt.compile.protobuf import protobuf_columns
from streamt.compile.schemas import SchemaProblem, json_schema_columns
from streamt.diagnostics import Severity
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.sql import Column, parse_type


def cols(columns: tuple[Column, ...]) -> list[tuple[str, str]]:
    return [(c.name, c.type.sql()) for c in columns]


SCALARS = """
syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
option java_package = "com.shop";  // options are skipped
/* the value message is the first one */
message Order {
  double d = 1; float f = 2;
  int32 i32 = 3; sint32 s32 = 4; sfixed32 sf32 = 5;
  int64 i64 = 6; sint64 s64 = 7; sfixed64 sf64 = 8;
  uint32 u32 = 9; fixed32 f32 = 10; uint64 u64 = 11; fixed64 f64 = 12;
  bool b = 13; string s = 14; bytes by = 15 [deprecated = true];
  google.protobuf.Timestamp at = 16;
  optional string maybe = 17;
}
message Other { string x = 1; }
"""


def test_proto3_scalars_map_to_the_flink_types_that_hold_every_value() -> None:
    assert cols(protobuf_columns(SCALARS)) == [
        ("d", "DOUBLE"),
        ("f", "FLOAT"),
        ("i32", "INT"),
        ("s32", "INT"),
        ("sf32", "INT"),
        ("i64", "BIGINT"),
        ("s64", "BIGINT"),
        ("sf64", "BIGINT"),
        ("u32", "BIGINT"),  # unsigned 32 bits do not fit INT
        ("f32", "BIGINT"),
        ("u64", "DECIMAL(20, 0)"),  # unsigned 64 bits do not fit BIGINT
        ("f64", "DECIMAL(20, 0)"),
        ("b", "BOOLEAN"),
        ("s", "STRING"),
        ("by", "BYTES"),
        ("at", "TIMESTAMP_LTZ(3)"),
        ("maybe", "STRING"),
    ]


NESTED = """
syntax = "proto3";
package shop;
enum Status { UNKNOWN = 0; PAID = 1; }
message Order {
  message Line { string sku = 1; int32 qty = 2; Kind kind = 3;
    enum Kind { GOOD = 0; SERVICE = 1; } }
  reserved 9, 10; reserved "old";
  repeated Line lines = 1;
  map<string, int64> totals = 2;
  Status status = 3;
  .shop.Address ship_to = 4;
  repeated string tags = 5;
  oneof payment { string card = 6; string iban = 7; }
  google.protobuf.Int64Value maybe_count = 8;
}
message Address { string city = 1; Order.Line.Kind kind = 2; }
"""


def test_messages_repeated_maps_enums_and_oneofs_nest_as_flink_types() -> None:
    assert cols(protobuf_columns(NESTED)) == [
        ("lines", "ARRAY<ROW<`sku` STRING, `qty` INT, `kind` STRING>>"),
        ("totals", "MAP<STRING, BIGINT>"),
        ("status", "STRING"),  # enums are read by name
        ("ship_to", "ROW<`city` STRING, `kind` STRING>"),
        ("tags", "ARRAY<STRING>"),
        ("card", "STRING"),  # each member of a oneof is a column, null when not set
        ("iban", "STRING"),
        ("maybe_count", "BIGINT"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('syntax = "proto3";', "must declare a message"),
        ("message M {}", "declares no fields"),
        ("message M { other.Thing t = 1; }", "'other.Thing' is not declared"),
        ("message M { M self = 1; }", "deeper than"),  # recursion is bounded
        ("message M { string s = 1 }", "expected ;"),
        ("message M { string s = 1; } @", "unexpected '@'"),
        ("message M { string s = 1;", "expected more"),
        ("rpc X;", "unexpected 'rpc'"),
    ],
)
def test_protos_that_give_no_columns_are_problems(text: str, problem: str) -> None:
    with pytest.raises(SchemaProblem, match=problem):
        protobuf_columns(text)


def test_services_and_extensions_are_skipped() -> None:
    text = """
    message M { string s = 1; extensions 100 to 200; option (x) = { a: 1 }; }
    service S { rpc Get (M) returns (M); }
    extend M { string e = 100; }
    """
    assert cols(protobuf_columns(text)) == [("s", "STRING")]


def test_json_schema_dates_and_local_refs() -> None:
    text = """{"type": "object", "$defs": {"Item": {"type": "object",
        "properties": {"sku": {"type": "string"}, "n": {"type": "integer"}}}},
      "properties": {
        "day": {"type": "string", "format": "date"},
        "at": {"type": ["string", "null"], "format": "date-time"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
        "first": {"$ref": "#/$defs/Item"}}}"""
    assert cols(json_schema_columns(text)) == [
        ("day", "DATE"),
        ("at", "TIMESTAMP_LTZ(3)"),
        ("items", "ARRAY<ROW<`sku` STRING, `n` BIGINT>>"),
        ("first", "ROW<`sku` STRING, `n` BIGINT>"),
    ]
    with pytest.raises(SchemaProblem, match="does not point inside"):
        json_schema_columns('{"properties": {"a": {"$ref": "#/$defs/Missing"}}}')
    with pytest.raises(SchemaProblem, match="deeper than"):
        json_schema_columns('{"properties": {"a": {"$ref": "#/properties/a"}}}')


PROTO = "message O { string id = 1; int64 n = 2; }"
JSON_SCHEMA = '{"type": "object", "properties": {"id": {"type": "string"}}}'


def compile_sources(tmp_path: Path, sources: str, lock: SchemaLock | None = None):  # type: ignore[no-untyped-def]
    names = [
        line.split("name: ")[1].split(",")[0] for line in sources.splitlines() if "name: " in line
    ]
    models = "".join(
        f"  - {{name: m_{n}, sql: \"SELECT * FROM {{{{ source('{n}') }}}}\"}}\n" for n in names
    )
    text = f"project: {{name: p}}\nsources:\n{sources}models:\n{models}"
    (tmp_path / "stream_project.yml").write_text(text, encoding="utf-8")
    loaded = load_project(tmp_path)
    assert loaded.project is not None, [d.render() for d in loaded.diagnostics]
    graph, _ = build_graph(loaded.project)
    return compile_project(loaded.project, graph, lock=lock)


def format_diags(result) -> list[tuple[str, str, int, str]]:  # type: ignore[no-untyped-def]
    return [
        (d.code, d.severity.value, d.location.line, d.node)
        for d in result.diagnostics
        if d.code.startswith("V18")
    ]


def test_what_flink_cannot_read_is_an_error_naming_the_alternative(tmp_path: Path) -> None:
    result = compile_sources(
        tmp_path,
        f"  - name: a\n    topic: a\n    schema: {{format: protobuf, definition: '{PROTO}'}}\n"
        "  - name: b\n    topic: b\n    format: protobuf-confluent\n"
        f"    schema: {{format: protobuf, definition: '{PROTO}'}}\n"
        f"  - name: c\n    topic: c\n    format: protobuf\n    columns: [{{name: x, type: INT}}]\n"
        f"  - name: d\n    topic: d\n    schema: {{format: json, definition: '{JSON_SCHEMA}'}}\n",
    )
    assert format_diags(result) == [
        ("V185", "error", 5, "source.p.a"),  # at `schema:`
        ("V185", "error", 8, "source.p.b"),  # at `format:`
        ("V186", "error", 12, "source.p.c"),
        ("V187", "warning", 16, "source.p.d"),
    ]
    by_code = {d.code: d for d in result.diagnostics}
    assert "Apache Flink 2.2 cannot read" in by_code["V185"].message
    assert "avro-confluent" in by_code["V185"].hint and "format: json" in by_code["V185"].hint
    assert "protobuf.message-class-name" in by_code["V186"].message
    assert "magic byte" in by_code["V187"].message
    assert by_code["V187"].hint.startswith("declare `format: json`")


def test_a_proto_or_json_schema_read_as_declared_plain_json(tmp_path: Path) -> None:
    result = compile_sources(
        tmp_path,
        f"  - name: a\n    topic: a\n    format: json\n"
        f"    schema: {{format: protobuf, definition: '{PROTO}'}}\n"
        f"  - name: d\n    topic: d\n    format: json\n"
        f"    schema: {{format: json, definition: '{JSON_SCHEMA}'}}\n",
    )
    assert format_diags(result) == []
    assert cols(result.nodes["source.p.a"].columns) == [("id", "STRING"), ("n", "BIGINT")]
    scripts = {j.name: j.script for j in result.desired.jobs}
    assert "'format'='json'" in scripts["m_a"]
    for name in ("m_a", "m_d"):  # RFC 3339 instants, as both write them in JSON
        assert "'json.timestamp-format.standard'='ISO-8601'" in scripts[name]
    subjects = {s.subject: s.schema_type for s in result.desired.subjects}
    assert subjects == {"a-value": "PROTOBUF", "d-value": "JSON"}


def locked(kind: str) -> SchemaLock:
    return SchemaLock({"s": (Column("id", parse_type("STRING")),)}, {"s": kind})


@pytest.mark.parametrize(
    ("kind", "fmt", "codes"),
    [
        ("AVRO", "avro-confluent", []),
        ("JSON", "json", [("V187", "warning", 3, "source.p.s")]),
        ("PROTOBUF", "json", [("V185", "error", 3, "source.p.s")]),
    ],
)
def test_a_locked_subject_decides_the_format(
    tmp_path: Path, kind: str, fmt: str, codes: list[tuple[str, str, int, str]]
) -> None:
    result = compile_sources(tmp_path, "  - {name: s, topic: s.v1}\n", locked(kind))
    assert format_diags(result) == codes
    script = result.desired.jobs[0].script
    assert f"'format'='{fmt}'" in script
    assert ("'avro-confluent.url'='http://localhost:8081'" in script) == (kind == "AVRO")
    assert result.desired.subjects == ()  # a locked subject is the registry's; never registered
    assert cols(result.nodes["source.p.s"].columns) == [("id", "STRING")]


def test_a_declared_format_wins_over_the_lock(tmp_path: Path) -> None:
    result = compile_sources(tmp_path, "  - {name: s, topic: s.v1, format: json}\n", locked("AVRO"))
    assert format_diags(result) == []
    assert "'format'='json'" in result.desired.jobs[0].script
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR]


def test_a_guard_that_would_skip_every_rfc_3339_instant_is_refused(tmp_path: Path) -> None:
    # measured on the stack: the guard's TRY_CAST made '2026-01-01T10:00:00Z' NULL, so `skip`
    # dropped 2 of 2 good records; the json format itself reads them (test_registry_formats)
    instant = '{"type": "object", "properties": {"id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}}'
    plain = '{"type": "object", "properties": {"id": {"type": "integer"}}}'
    result = compile_sources(
        tmp_path,
        "  - name: a\n    topic: a\n    format: json\n    on_bad_record: skip\n"
        f"    schema: {{format: json, definition: '{instant}'}}\n"
        "  - name: b\n    topic: b\n    format: json\n    on_bad_record: dead_letter\n"
        f"    schema: {{format: json, definition: '{plain}'}}\n"
        "  - name: c\n    topic: c\n    format: json\n"
        f"    schema: {{format: json, definition: '{instant}'}}\n",
    )
    assert format_diags(result) == [("V188", "error", 6, "source.p.a")]  # at on_bad_record
    (diag,) = [d for d in result.diagnostics if d.code == "V188"]
    assert "every record would be bad (at)" in diag.message
    assert diag.hint.startswith("use on_bad_record: fail")
