"""Reading and writing records for data tests (confluent-kafka consumer / producer).

`read_records` assigns every partition of a topic at a start position (earliest, latest minus N,
an offset, or a time), reads until each partition reaches the end offset it had when reading
began, `max_records` are read, or `timeout_s` passes; it never commits offsets. Values are
JSON, or Confluent wire-format Avro decoded with the writer schema fetched from the registry.
`produce_rows` writes JSON rows with explicit Kafka timestamps. Errors are `AdapterError`.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from streamt.adapters.librdkafka import client_config
from streamt.adapters.protocols import AdapterError
from streamt.testing.records import Record

SYSTEM = "kafka"
SchemaFetch = Callable[[int], str]  # schema id -> Avro schema text


@dataclass(frozen=True)
class StartAt:
    """Where reading starts: `earliest`, `latest` (the last `max_records`), `offset:N`, or a time."""

    mode: str = "earliest"  # earliest | latest | offset | time
    value: int = 0  # offset, or epoch ms for time

    @staticmethod
    def parse(text: str) -> StartAt:
        from streamt.testing.records import to_epoch_ms

        if text in ("earliest", "latest"):
            return StartAt(text)
        if text.startswith("offset:") and text[7:].isdigit():
            return StartAt("offset", int(text[7:]))
        stamp = to_epoch_ms(text)
        if stamp is None or text.isdigit():
            raise ValueError(f"expected earliest, latest, offset:N or an ISO time, got {text!r}")
        return StartAt("time", stamp)


def _config(bootstrap: str, properties: Mapping[str, str]) -> dict[str, Any]:
    return client_config(
        {
            **properties,
            "bootstrap.servers": bootstrap,
            "group.id": f"streamt-test-{uuid.uuid4().hex[:12]}",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )


def read_records(
    bootstrap: str,
    topic: str,
    *,
    max_records: int,
    timeout_s: float,
    start: StartAt = StartAt(),
    properties: Mapping[str, str] | None = None,
    schema_fetch: SchemaFetch | None = None,
    tombstones: bool = False,
) -> list[Record]:
    consumer = Consumer(_config(bootstrap, properties or {}))
    try:
        ends = _assign(consumer, topic, start, max_records, timeout_s)
        return _drain(consumer, ends, max_records, timeout_s, schema_fetch, tombstones)
    except KafkaException as exc:
        raise AdapterError(SYSTEM, f"reading {topic}: {exc}", transient=True) from exc
    finally:
        consumer.close()


def _assign(
    consumer: Consumer, topic: str, start: StartAt, max_records: int, timeout_s: float
) -> dict[int, int]:
    meta = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
    if meta is None or meta.error is not None or not meta.partitions:
        raise AdapterError(SYSTEM, f"topic '{topic}' does not exist")
    parts = sorted(meta.partitions)
    bounds = {
        p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
        for p in parts
    }
    positions: dict[int, int] = {}
    if start.mode == "time":
        found = consumer.offsets_for_times(
            [TopicPartition(topic, p, start.value) for p in parts], timeout=timeout_s
        )
        positions = {
            tp.partition: (tp.offset if tp.offset >= 0 else bounds[tp.partition][1]) for tp in found
        }
    for p in parts:
        low, high = bounds[p]
        if start.mode == "earliest":
            positions[p] = low
        elif start.mode == "latest":
            positions[p] = max(low, high - max_records)
        elif start.mode == "offset":
            positions[p] = min(max(low, start.value), high)
    consumer.assign([TopicPartition(topic, p, positions[p]) for p in parts])
    return {p: bounds[p][1] for p in parts if positions[p] < bounds[p][1]}


def _drain(
    consumer: Consumer,
    ends: dict[int, int],
    max_records: int,
    timeout_s: float,
    schema_fetch: SchemaFetch | None,
    tombstones: bool = False,
) -> list[Record]:
    out: list[Record] = []
    deadline = time.monotonic() + timeout_s
    pending = dict(ends)
    while pending and len(out) < max_records and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        error = msg.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                continue
            raise AdapterError(SYSTEM, f"reading {msg.topic()}: {error}")
        part, offset = int(msg.partition() or 0), int(msg.offset() or 0)
        if part in pending and offset >= pending[part] - 1:
            del pending[part]
        value = decode_value(_bytes(msg.value()), schema_fetch)
        if value is None and not tombstones:
            continue
        stamp = msg.timestamp()[1]
        headers = tuple((str(h[0]), _bytes(h[1]) or b"") for h in (msg.headers() or []))
        key = _bytes(msg.key())
        out.append(Record(value or {}, int(stamp), key, part, offset, headers, value is None))
    return out


def _bytes(value: object) -> bytes | None:
    if value is None:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]


def decode_value(raw: bytes | None, schema_fetch: SchemaFetch | None) -> Mapping[str, Any] | None:
    """JSON object, Confluent wire-format Avro (magic 0 + schema id), or {"value": text}."""
    if raw is None:
        return None
    if raw[:1] == b"\x00" and len(raw) > 5 and schema_fetch is not None:
        import fastavro

        schema = fastavro.parse_schema(json.loads(schema_fetch(int.from_bytes(raw[1:5], "big"))))
        decoded = fastavro.schemaless_reader(io.BytesIO(raw[5:]), schema, None)
        return decoded if isinstance(decoded, dict) else {"value": decoded}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"value": raw.decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}


@dataclass(frozen=True)
class OutRow:
    value: Mapping[str, Any] | None
    timestamp_ms: int | None = None
    key: bytes | None = None


def produce_rows(
    bootstrap: str,
    topic: str,
    rows: Sequence[OutRow],
    *,
    properties: Mapping[str, str] | None = None,
    timeout_s: float = 15.0,
) -> None:
    producer = Producer(
        client_config(
            {
                **(properties or {}),
                "bootstrap.servers": bootstrap,
                "linger.ms": 5,
                "enable.idempotence": True,
            }
        )
    )
    errors: list[str] = []

    def report(err: KafkaError | None, _msg: object) -> None:
        if err is not None:
            errors.append(str(err))

    for row in rows:
        payload = json.dumps(row.value, default=str).encode() if row.value is not None else None
        kwargs: dict[str, Any] = {"value": payload, "key": row.key, "on_delivery": report}
        if row.timestamp_ms is not None:
            kwargs["timestamp"] = row.timestamp_ms
        producer.produce(topic, **kwargs)
    left = producer.flush(timeout_s)
    if left or errors:
        raise AdapterError(
            SYSTEM, f"producing to {topic}: {left} undelivered; {'; '.join(errors[:3])}"
        )
