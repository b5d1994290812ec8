import json
from pathlib import Path

from streamt.adapters.protocols import SubjectState
from streamt.compile.schemas import parse_lock
from streamt.load.loader import load_project
from streamt.schemas import pull_schemas

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


class FakeRegistry:
    def __init__(self, *subjects: SubjectState) -> None:
        self.subjects = subjects

    def list_subjects(self) -> list[SubjectState]:
        return list(self.subjects)


def project(tmp_path: Path, sources: str) -> object:
    (tmp_path / "stream_project.yml").write_text(f"project: {{name: p}}\nsources:\n{sources}")
    result = load_project(tmp_path)
    assert result.project is not None, result.diagnostics
    return result.project


def test_avro_subject_becomes_locked_columns(tmp_path: Path) -> None:
    proj = project(tmp_path, "  - {name: events, topic: ev.v1}\n")
    registry = FakeRegistry(SubjectState("ev.v1-value", 2, 7, "AVRO", AVRO))
    result = pull_schemas(proj, registry)  # type: ignore[arg-type]
    assert [d.code for d in result.diagnostics] == ["R004"]  # Avro subject, source reads JSON
    assert result.pulled == (("events", "ev.v1-value", 3),)
    lock = parse_lock(result.text)
    assert [(c.name, c.type.sql()) for c in lock.sources["events"]] == [
        ("event_id", "STRING"),
        ("amount", "DOUBLE"),
        ("ts", "TIMESTAMP(3)"),
    ]
    assert json.loads(result.text)["sources"]["events"]["schema_id"] == 7


def test_missing_subject_and_protobuf_are_reported_not_guessed(tmp_path: Path) -> None:
    proj = project(
        tmp_path,
        "  - {name: a, topic: a.v1}\n  - name: b\n    topic: b.v1\n    schema: {subject: b-custom}\n",
    )
    registry = FakeRegistry(SubjectState("b-custom", 1, 3, "PROTOBUF", "syntax = 'proto3';"))
    result = pull_schemas(proj, registry)  # type: ignore[arg-type]
    assert [(d.code, d.severity.value, d.node) for d in result.diagnostics] == [
        # the graph's node ids (a bare source name was a node id of no other room)
        ("R001", "warning", "source.p.a"),
        ("R002", "error", "source.p.b"),
    ]
    assert "no subject 'a.v1-value'" in result.diagnostics[0].message
    assert str(result.diagnostics[0].location) == "stream_project.yml:3:5"
    assert parse_lock(result.text).sources == {}
