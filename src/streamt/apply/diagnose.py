"""Why a submitted job did not start: the root cause from Flink, in words a user can act on.

`explain_failure(flink, job_id)` asks the cluster for the job's exceptions (call it after the
job was cancelled, so its slots are free again). `NoResourceAvailableException` becomes "not
enough free task slots: the job needs N, the cluster has M free" with what to do; any other
failure is its meaningful cause (`streamt.adapters.java_trace`: the deepest cause with a
message, the record, the operator), also shown by `status` for a job that failed or restarts;
`with_position` adds where the record is (topic, partition, offset), read back from Kafka: the
record a JSON format quoted, or the first with the Confluent header of an unknown schema id. A cluster that cannot say (or a client without these calls)
gives "" and the caller keeps its generic message.

The calls are a Protocol of their own (`FlinkDiagnostics`): `FlinkClient` has them; the
`FlinkCluster` Protocol in `streamt.adapters.protocols` does not require them.
"""

from __future__ import annotations

import time
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

NO_SLOTS = "NoResourceAvailableException"
SLOTS_HINT = (
    "lower the job's parallelism, cancel other jobs, or on the local stack raise "
    "STREAMT_LOCAL_TASKMANAGER_SLOTS (then `streamt local up`)"
)


@runtime_checkable
class FlinkDiagnostics(Protocol):
    def job_exceptions(self, job_id: str) -> list[str]: ...
    def job_parallelism(self, job_id: str) -> int: ...
    def free_slots(self) -> tuple[int, int]: ...


def explain_failure(flink: object, job_id: str, wait_s: float = 0.0, poll_s: float = 0.5) -> str:
    """Flink adds a failure to the job's exception history a few seconds after the job went
    RESTARTING or FAILED: an empty history is asked again for up to `wait_s`."""
    if not isinstance(flink, FlinkDiagnostics):
        return ""
    deadline = time.monotonic() + wait_s
    try:
        causes = flink.job_exceptions(job_id)
        while not causes and time.monotonic() < deadline:
            time.sleep(poll_s)
            causes = flink.job_exceptions(job_id)
        if not causes:
            return ""
        if any(NO_SLOTS in cause for cause in causes):
            return _no_slots(flink, job_id)
    except AdapterError:
        return ""
    return f"root cause: {causes[0]}"


def _no_slots(flink: FlinkDiagnostics, job_id: str) -> str:
    needs = flink.job_parallelism(job_id)
    free, total = flink.free_slots()
    return (
        f"not enough free task slots: the job needs {needs}, the cluster has {free} free "
        f"(GET /overview slots-available; {total} in total). Hint: {SLOTS_HINT}"
    )


def waiting_for_slots(flink: object, job_id: str) -> str:
    """For a RUNNING job whose tasks are not deployed: the slot shortfall, or "" if none."""
    if not isinstance(flink, FlinkDiagnostics):
        return ""
    try:
        needs = flink.job_parallelism(job_id)
        free, total = flink.free_slots()
    except AdapterError:
        return ""
    if needs <= free:
        return ""
    return (
        f"not enough free task slots: the job needs {needs}, the cluster has {free} free "
        f"({total} in total) and its tasks were not deployed. Hint: {SLOTS_HINT}"
    )


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
