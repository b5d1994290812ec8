"""Where a failed job's bad record is: its topic, partition and offset, read back from Kafka.

Flink 2.2's Kafka source does not report where a record it could not process is, so
`with_position` finds it by reading the job's source topics from the job's committed offsets
(bounded by the locator): the record a JSON format quoted, the first with the Confluent header
of an unknown schema id, or the first that is not Confluent Avro at all. A NULL event time also
names its field (the watermark column of the table reading the record's topic). Used by
`apply`, `status` (`streamt.apply`) and `test` (`streamt.testing`).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import fastavro

from streamt.adapters.java_trace import (
    NULL_ROWTIME,
    OPERATOR_MARK,
    RECORD_MARK,
    not_confluent_avro,
    quoted_record,
    undecodable_avro_body,
    unknown_schema_id,
)
from streamt.adapters.protocols import AdapterError
from streamt.resources import JobSpec
from streamt.sql.options import topic_of, watermark_column

Position = tuple[str, int, int]  # topic, partition, offset


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
    ) -> Position | None: ...


@runtime_checkable
class FirstLocator(Protocol):
    def locate_first(
        self, topics: Sequence[str], group: str, wanted: Callable[[bytes | None], bool]
    ) -> Position | None: ...


@runtime_checkable
class SchemaTexts(Protocol):
    def schema_text(self, schema_id: int) -> str: ...


def with_position(
    kafka: object, payload: JobSpec | None, cause: str, registry: object = None
) -> str:
    """`cause` with the record's topic, partition and offset, found by reading the job's source
    topics from its group's committed offsets (Flink 2.2's Kafka source does not say): the record
    a JSON format quoted, the first with the Confluent header of an unknown schema id, the first
    that is not Confluent Avro at all, or (with `registry`) the first whose Avro body does not
    decode with its writer schema. A NULL event time also names its column. `cause` unchanged
    when there is no record, no reader, or it is not found."""
    if payload is None or not payload.source_topics or not isinstance(kafka, RecordLocator):
        return cause
    topics, group = payload.source_topics, payload.pipeline_name
    value, schema_id = quoted_record(cause), unknown_schema_id(cause)
    body = _BodyCheck(registry) if isinstance(registry, SchemaTexts) else None
    try:
        if value is not None:
            found = kafka.locate_value(topics, value, group)
        elif schema_id is not None:
            header = b"\x00" + schema_id.to_bytes(4, "big")  # Confluent wire format header
            found = kafka.locate_value(topics, header, group, prefix=True)
        elif not_confluent_avro(cause):
            found = kafka.locate_value(topics, b"\x00", group, lacking=True)
        elif undecodable_avro_body(cause) and body and isinstance(kafka, FirstLocator):
            found = kafka.locate_first(topics, group, body)
        else:
            return cause
    except AdapterError:
        return cause
    if found is None:
        return cause
    topic, partition, offset = found
    where = f"record at topic {topic} partition {partition} offset {offset}"
    if value is not None:
        return _event_time(payload, topic, cause.replace(RECORD_MARK, f"; {where}: ", 1))
    if schema_id is not None:
        what = f"schema id {schema_id}"
    elif body is not None and body.failed is not None:
        what = f"schema id {body.failed}: its body does not decode"
    else:
        what = NOT_CONFLUENT_WORDS
    head, mark, tail = cause.partition(OPERATOR_MARK)
    return f"{head}; {where} ({what}){mark}{tail}"


class _BodyCheck:
    """Whether a Confluent Avro value's body fails to decode with its writer schema (fetched
    from the registry by id, once per id); `failed` is the id of the last one that did."""

    def __init__(self, registry: SchemaTexts) -> None:
        self.registry = registry
        self.schemas: dict[int, Any] = {}  # id -> parsed schema, None when unknown
        self.failed: int | None = None

    def __call__(self, held: bytes | None) -> bool:
        if held is None or len(held) < 5 or held[0] != 0:
            return False
        schema_id = int.from_bytes(held[1:5], "big")
        schema = self._schema(schema_id)
        if schema is None:
            return False
        try:
            fastavro.schemaless_reader(io.BytesIO(held[5:]), schema, None)
        except Exception:  # any failure of the decoder on foreign bytes is the answer
            self.failed = schema_id
            return True
        return False

    def _schema(self, schema_id: int) -> Any:
        if schema_id not in self.schemas:
            try:
                text = self.registry.schema_text(schema_id)
                self.schemas[schema_id] = fastavro.parse_schema(json.loads(text))
            except (AdapterError, ValueError, TypeError, KeyError):
                self.schemas[schema_id] = None
        return self.schemas[schema_id]


NOT_CONFLUENT_WORDS = "not Confluent Avro: its first byte is not 0"


def _event_time(payload: JobSpec, topic: str, cause: str) -> str:
    """A NULL event time named by its column: the watermark column of the table reading `topic`."""
    if NULL_ROWTIME not in cause:
        return cause
    columns = [watermark_column(s) for s in payload.statements if topic_of(s) == topic]
    column = next((c for c in columns if c), None)
    if column is None:
        return cause
    return cause.replace(NULL_ROWTIME, f"a NULL event time: field {column} is missing or null", 1)
