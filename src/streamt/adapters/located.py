"""Where a failed job's bad record is: its topic, partition and offset, read back from Kafka.

Flink 2.2's Kafka source does not report where a record it could not process is, so
`with_position` finds it by reading the job's source topics from the job's committed offsets
(bounded by the locator): the record a JSON format quoted, the first with the Confluent header
of an unknown schema id, or the first that is not Confluent Avro at all. A NULL event time also
names its field (the watermark column of the table reading the record's topic). Used by
`apply`, `status` (`streamt.apply`) and `test` (`streamt.testing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from streamt.adapters.java_trace import (
    NULL_ROWTIME,
    OPERATOR_MARK,
    RECORD_MARK,
    not_confluent_avro,
    quoted_record,
    unknown_schema_id,
)
from streamt.adapters.protocols import AdapterError
from streamt.artifacts.plan_file import JobPayload
from streamt.sql.options import topic_of, watermark_column


@runtime_checkable
class RecordLocator(Protocol):
    def locate_value(
        self,
        topics: Sequence[str],
        value: bytes,
        group: str,
        *,
        prefix: bool = False,
        lacking: bool = False,
    ) -> tuple[str, int, int] | None: ...


def with_position(kafka: object, payload: JobPayload | None, cause: str) -> str:
    """`cause` with the record's topic, partition and offset, found by reading the job's source
    topics from its group's committed offsets (Flink 2.2's Kafka source does not say): the record
    a JSON format quoted, the first with the Confluent header of an unknown schema id, or the
    first that is not Confluent Avro at all. A NULL event time also names its column. `cause`
    unchanged when there is no record, no reader, or it is not found."""
    value, schema_id = quoted_record(cause), unknown_schema_id(cause)
    foreign = not_confluent_avro(cause)
    if payload is None or not payload.source_topics or not isinstance(kafka, RecordLocator):
        return cause
    if value is None and schema_id is None and not foreign:
        return cause
    header = b"\x00" + (schema_id or 0).to_bytes(4, "big")  # Confluent wire format header
    try:
        if value is not None:
            found = kafka.locate_value(payload.source_topics, value, payload.pipeline_name)
        elif schema_id is not None:
            found = kafka.locate_value(
                payload.source_topics, header, payload.pipeline_name, prefix=True
            )
        else:
            found = kafka.locate_value(
                payload.source_topics, b"\x00", payload.pipeline_name, lacking=True
            )
    except AdapterError:
        return cause
    if found is None:
        return cause
    topic, partition, offset = found
    where = f"record at topic {topic} partition {partition} offset {offset}"
    if value is not None:
        return _event_time(payload, topic, cause.replace(RECORD_MARK, f"; {where}: ", 1))
    what = f"schema id {schema_id}" if schema_id is not None else NOT_CONFLUENT_WORDS
    head, mark, tail = cause.partition(OPERATOR_MARK)
    return f"{head}; {where} ({what}){mark}{tail}"


NOT_CONFLUENT_WORDS = "not Confluent Avro: its first byte is not 0"


def _event_time(payload: JobPayload, topic: str, cause: str) -> str:
    """A NULL event time named by its column: the watermark column of the table reading `topic`."""
    if NULL_ROWTIME not in cause:
        return cause
    columns = [watermark_column(s) for s in payload.statements if topic_of(s) == topic]
    column = next((c for c in columns if c), None)
    if column is None:
        return cause
    return cause.replace(NULL_ROWTIME, f"a NULL event time: field {column} is missing or null", 1)
