from pathlib import Path

import pytest

from streamt.diagnostics import Location, Severity
from tests.unit.load.helpers import load
from tests.unit.validate.helpers import check, one


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("it's", "contains a quote"),
        ("a`b", "contains a backtick"),
        ("a;drop", "contains a semicolon"),
        ("a b", "contains whitespace"),
        ("x" * 129, "is longer than 128 characters"),
    ],
)
def test_invalid_identifiers(tmp_path: Path, name: str, problem: str) -> None:
    # node names follow the one name policy, applied at load (L040; V001 is for columns)
    loaded = load(
        tmp_path, f'project: {{name: p}}\nmodels:\n  - name: "{name}"\n    sql: SELECT 1\n'
    )
    (diag,) = [d for d in loaded.diagnostics if d.code == "L040"]
    shown = name if len(name) <= 80 else name[:77] + "..."  # long names are cut in messages
    assert diag.message == f"model name '{shown}' {problem}"
    assert diag.location == Location("stream_project.yml", 3, 5)
    assert diag.node == f"model.p.{name}"
    assert "no quotes, slashes, spaces" in diag.hint


def test_invalid_column_identifier(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources:
          - name: s
            topic: t
            columns: [{name: ok}, {name: "bad col"}]
        """,
        "V001",
    )
    assert diag.message == "column name 'bad col' of source 's' contains whitespace"
    assert diag.location == Location("stream_project.yml", 5, 28)
    assert diag.hint == (
        "use letters, digits, '_', '-' or '.'; no quotes, backticks, semicolons or spaces; "
        "at most 128 characters"
    )


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("../../etc/passwd", "contains characters Kafka does not allow ('/')"),
        ("..", "cannot be '.' or '..'"),
        ("a" * 250, "is longer than 249 characters"),
        ("orders v1", "contains characters Kafka does not allow (' ')"),
    ],
)
def test_invalid_source_topic_names(tmp_path: Path, topic: str, problem: str) -> None:
    diag = one(
        tmp_path, f'project: {{name: p}}\nsources:\n  - name: s\n    topic: "{topic}"\n', "V002"
    )
    assert diag.message == f"topic '{topic}' of source 's' {problem}"
    assert diag.location == Location("stream_project.yml", 4, 5)
    assert diag.hint.startswith("Kafka topic names use [a-zA-Z0-9._-]")


def test_invalid_model_output_topic(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        models:
          - name: m
            sql: SELECT 1
            advanced: {topic: {name: "a/b"}}
        """,
        "V002",
    )
    assert (
        diag.message
        == "output topic 'a/b' of model 'm' contains characters Kafka does not allow ('/')"
    )
    assert diag.location == Location("stream_project.yml", 5, 24)


def test_model_writing_into_a_source_topic_collides(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: orders, topic: orders}]
        models:
          - {name: orders, sql: 'SELECT * FROM {{ source("orders") }}'}
        """,
        "V021",
    )
    assert diag.message == "topic 'orders' is used by both source 'orders' and model 'orders'"
    assert diag.location == Location("stream_project.yml", 4, 6)
    assert "advanced.topic.name" in diag.hint


def test_ambiguous_bare_from_name_warns(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: x, topic: x.src}]
        models:
          - {name: x, sql: 'SELECT * FROM {{ source("x") }}'}
          - name: out
            from: x
            advanced: {connector: {type: jdbc-sink}}
        """,
        "V022",
    )
    assert diag.severity is Severity.WARNING
    assert diag.hint == "write {ref: x} or {source: x}"
    assert diag.location == Location("stream_project.yml", 6, 5)


def test_a_clean_project_has_no_findings(tmp_path: Path) -> None:
    assert (
        check(
            tmp_path,
            """
        project: {name: p}
        sources: [{name: orders, topic: orders.v1}]
        models:
          - {name: clean, sql: 'SELECT * FROM {{ source("orders") }}'}
        """,
        )
        == []
    )


def test_duplicate_column(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources:
          - name: s
            topic: t
            columns: [{name: id}, {name: id}]
        """,
        "V003",
    )
    assert diag.message == "column 'id' of 's' is declared twice"
    assert diag.node == "source.p.s"
    assert diag.location == Location("stream_project.yml", 5, 28)


def test_event_time_and_key_must_be_declared_columns(tmp_path: Path) -> None:
    found = check(
        tmp_path,
        """
        project: {name: p}
        sources:
          - name: s
            topic: t
            key: [idd]
            columns: [{name: id, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
            event_time: {column: tss}
        """,
    )
    assert sorted((d.code, d.message, d.location.line, d.hint) for d in found) == [
        ("V004", "event_time column 'tss' is not a column of source 's'", 7, "did you mean 'ts'?"),
        ("V004", "key column 'idd' is not a column of source 's'", 5, "did you mean 'id'?"),
    ]


def test_event_time_may_name_a_column_of_the_inline_avro_schema(tmp_path: Path) -> None:
    schema = (
        '{"type": "record", "name": "O", "fields": [{"name": "id", "type": "string"}, '
        '{"name": "order_ts", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}'
    )
    text = f"""
        project: {{name: p}}
        sources:
          - name: s
            topic: t
            schema: {{format: avro, definition: '{schema}'}}
            columns: [{{name: id, description: the id}}]
            event_time: {{column: EVENT}}
        """
    assert check(tmp_path, text.replace("EVENT", "order_ts")) == []
    (typo,) = check(tmp_path, text.replace("EVENT", "order_tss"))
    assert (typo.code, typo.hint) == ("V004", "did you mean 'order_ts'?")


def test_a_model_topic_kafka_takes_for_a_source_topic_is_refused(tmp_path: Path) -> None:
    """Kafka refuses `orders_paid` beside `orders.paid` (their metric names are one): the
    model's topic would never be created (apply once said "created": the refusal's text holds
    "existing") and its job would fail writing to it."""
    diag = one(
        tmp_path,
        """
        project: {name: p}
        sources: [{name: paid, topic: orders.paid}]
        models:
          - {name: orders_paid, sql: 'SELECT * FROM {{ source("paid") }}'}
        """,
        "V023",
    )
    assert diag.severity is Severity.ERROR
    assert diag.message == (
        "output topic 'orders_paid' of model 'orders_paid' collides with topic 'orders.paid' "
        "of source 'paid': Kafka refuses two topic names that differ only in '.' and '_'"
    )
    assert diag.location == Location("stream_project.yml", 4, 6)
    assert "advanced.topic.name" in diag.hint


@pytest.mark.parametrize(
    ("topic", "collides"),
    [("a.b_c", True), ("a_b.c", True), ("a_b_c", True), ("a.b.c2", False), ("a-b-c", False)],
)
def test_two_model_topics_that_differ_only_in_dots_and_underscores(
    tmp_path: Path, topic: str, collides: bool
) -> None:
    result = check(
        tmp_path,
        f"""
        project: {{name: p}}
        sources: [{{name: s, topic: src}}]
        models:
          - {{name: one, sql: 'SELECT * FROM {{{{ source("s") }}}}', advanced: {{topic: {{name: a.b.c}}}}}}
          - {{name: two, sql: 'SELECT * FROM {{{{ source("s") }}}}', advanced: {{topic: {{name: {topic}}}}}}}
        """,
    )
    found = sorted(d.message.split("'")[1] for d in result if d.code == "V023")
    assert found == (["a.b.c", topic] if collides else [])
