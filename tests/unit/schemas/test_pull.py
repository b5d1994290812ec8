import json
from pathlib import Path

from streamt.compile.schemas import parse_lock
from streamt.load.loader import load_project
from streamt.schemas import pull_schemas

from ..apply.fakes import FakeRegistry

AVRO = json.dumps(
    {
        "type": "record",
        "name": "E",
        "fields": [
            {"name": "event_id", "type": "string"},
            {"name": "amount", "type": ["null", "double"]},
            {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        ],
    }
)


def registry_with(*subjects: tuple[str, str, str]) -> FakeRegistry:
    """The real registry client over the registry model (tests/fakes), holding `(subject,
    type, schema)` registered through its REST API: what `pull` reads is what a registry
    answers, e.g. no `schemaType` for Avro."""
    registry = FakeRegistry()
    for subject, schema_type, schema in subjects:
        registry.register(subject, schema_type, schema)
    return registry


def project(tmp_path: Path, sources: str) -> object:
    (tmp_path / "stream_project.yml").write_text(f"project: {{name: p}}\nsources:\n{sources}")
    result = load_project(tmp_path)
    assert result.project is not None, result.diagnostics
    return result.project


def test_avro_subject_becomes_locked_columns(tmp_path: Path) -> None:
    proj = project(tmp_path, "  - {name: events, topic: ev.v1}\n")
    registry = registry_with(("other-value", "JSON", "{}"), ("ev.v1-value", "AVRO", AVRO))
    result = pull_schemas(proj, registry)
    assert [d.code for d in result.diagnostics] == ["R004"]  # Avro subject: now avro-confluent
    assert result.pulled == (("events", "ev.v1-value", 3),)
    lock = parse_lock(result.text)
    assert [(c.name, c.type.sql()) for c in lock.sources["events"]] == [
        ("event_id", "STRING"),
        ("amount", "DOUBLE"),
        ("ts", "TIMESTAMP(3)"),
    ]
    assert json.loads(result.text)["sources"]["events"]["schema_id"] == 2  # the 2nd schema


def test_missing_subject_and_a_protobuf_message_without_fields_are_reported_not_guessed(
    tmp_path: Path,
) -> None:
    proj = project(
        tmp_path,
        "  - {name: a, topic: a.v1}\n  - name: b\n    topic: b.v1\n    schema: {subject: b-custom}\n",
    )
    registry = registry_with(("b-custom", "PROTOBUF", "syntax = 'proto3'; message M {}"))
    result = pull_schemas(proj, registry)
    assert [(d.code, d.severity.value, d.node) for d in result.diagnostics] == [
        # the graph's node ids (a bare source name was a node id of no other room)
        ("R001", "warning", "source.p.a"),
        ("R002", "error", "source.p.b"),
    ]
    assert "no subject 'a.v1-value'" in result.diagnostics[0].message
    assert str(result.diagnostics[0].location) == "stream_project.yml:3:5"
    assert parse_lock(result.text).sources == {}


def test_protobuf_and_json_subjects_lock_their_columns_and_type(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        "  - {name: j, topic: j.v1}\n  - {name: p, topic: p.v1, format: json}\n",
    )
    proto = 'syntax = "proto3"; message P { string id = 1; repeated int32 n = 2; }'
    schema = '{"type": "object", "properties": {"at": {"type": "string", "format": "date"}}}'
    registry = registry_with(("j.v1-value", "JSON", schema), ("p.v1-value", "PROTOBUF", proto))
    result = pull_schemas(proj, registry)
    assert result.diagnostics == ()  # no Avro switch for these
    lock = parse_lock(result.text)
    assert {n: [(c.name, c.type.sql()) for c in cs] for n, cs in lock.sources.items()} == {
        "j": [("at", "DATE")],
        "p": [("id", "STRING"), ("n", "ARRAY<INT>")],
    }
    assert lock.schema_types == {"j": "JSON", "p": "PROTOBUF"}


def test_an_avro_subject_switches_only_a_source_that_declares_no_format(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        "  - {name: a, topic: ev.v1}\n  - {name: b, topic: ev.v1, format: json}\n",
    )
    result = pull_schemas(proj, registry_with(("ev.v1-value", "AVRO", AVRO)))
    (switch,) = result.diagnostics
    assert (switch.code, switch.severity.value, switch.node) == ("R004", "info", "source.p.a")
    assert "now read with format avro-confluent" in switch.message
    # both lock the subject's type; compile lets a declared `format:` win (test_formats)
    assert parse_lock(result.text).schema_types == {"a": "AVRO", "b": "AVRO"}
