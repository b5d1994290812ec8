"""`meaningful_cause` on exception-history entries captured from the real Flink 2.2 stack (a
JSON source job fed one bad record each: a missing event-time field, undecodable bytes, a
string where an INT is declared; an Avro source fed a body shorter than its schema says;
`flink_traces/*.json`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.adapters.java_trace import meaningful_cause, quoted_record

TRACES = Path(__file__).parent / "flink_traces"


def cause(name: str) -> str:
    entry = json.loads((TRACES / f"{name}.json").read_text())
    return meaningful_cause(entry["stacktrace"], entry["taskName"])


def test_a_null_event_time_names_the_operator_the_reason_and_the_record():
    found = cause("null_rowtime")
    assert found.startswith(
        "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event-time "
        "(rowtime) value: the record lacks its event-time field, or it is null; "
        """record: {"id": "b", "amount": 2}; operator: Source: raw[482] -> Calc[483] -> """
    )
    assert "execution #" not in found


def test_a_truncated_avro_body_names_the_decoder_and_what_it_means():
    from streamt.adapters.java_trace import undecodable_avro_body

    found = cause("avro_truncated_body")
    assert found == (
        "java.io.EOFException in BinaryDecoder: an Avro record body that does not decode with "
        "the schema its id names; operator: Source: raw[2364] -> avrobad_out_d84ee385[2365]: "
        "Writer -> avrobad_out_d84ee385[2365]: Committer"
    )
    assert undecodable_avro_body(found) and not undecodable_avro_body(cause("undecodable"))


def test_undecodable_bytes_give_the_parser_error_and_the_record():
    found = cause("undecodable")
    assert found.startswith(
        "org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonParseException: "
        "Illegal character ((CTRL-CHAR, code 1))"
    )
    assert "; record: \\x00\\x01not json{; operator: Source: raw[545]" in found
    assert "Failed to deserialize" not in found


def test_a_type_mismatch_names_the_field_and_the_record():
    assert cause("type_mismatch").startswith(
        "org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: amount.; "
        """record: {"id":"c","amount":"abc","paid_at":"2026-01-01 00:00:00"}; operator: Source: raw"""
    )


@pytest.mark.parametrize(
    ("trace", "expected"),
    [
        (
            "java.lang.RuntimeException: boom\n\tat x.y(Z.java:1)",
            "java.lang.RuntimeException: boom",
        ),
        ("java.lang.IllegalStateException", "java.lang.IllegalStateException"),
        (
            "org.apache.flink.runtime.JobException: Recovery is suppressed\n"
            "\tat a.b(C.java:1)\nCaused by: java.lang.NullPointerException\n"
            "\tat org.example.Thing$Inner.run(Thing.java:3)\n",
            "java.lang.NullPointerException in Thing",
        ),
        ("", ""),
    ],
)
def test_plain_traces(trace: str, expected: str) -> None:
    assert meaningful_cause(trace) == expected


def test_long_causes_are_cut():
    assert len(meaningful_cause("java.lang.RuntimeException: " + "x" * 2000)) == 600


@pytest.mark.parametrize("name", ["null_rowtime", "undecodable", "type_mismatch"])
def test_the_quoted_record_reads_back_as_the_bytes_kafka_held(name: str) -> None:
    produced = {
        "null_rowtime": b'{"id": "b", "amount": 2}',
        "undecodable": b"\x00\x01not json{",
        "type_mismatch": b'{"id":"c","amount":"abc","paid_at":"2026-01-01 00:00:00"}',
    }
    assert quoted_record(cause(name)) == produced[name]


def test_no_quoted_record():
    assert quoted_record("java.lang.IllegalStateException: boom") is None
