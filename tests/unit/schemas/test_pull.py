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
