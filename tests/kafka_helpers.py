"""Small Kafka helpers for integration tests: produce and consume JSON rows, fresh names."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def unique(prefix: str) -> str:
    """A fresh name (topics, groups, subjects): the shared stack keeps data between runs."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def create_topic(
    bootstrap: str,
    topic: str,
    partitions: int = 1,
    timeout: float = 10.0,
    config: Mapping[str, Any] | None = None,
) -> None:
    admin = AdminClient({**(config or {}), "bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=timeout)
    for future in futures.values():
        future.result(timeout=timeout)


def produce_json(
    bootstrap: str,
    topic: str,
    rows: Iterable[Mapping[str, Any]],
    key: str | Callable[[Mapping[str, Any]], Any] | None = None,
    timeout: float = 15.0,
    config: Mapping[str, Any] | None = None,
) -> int:
    """Produce rows as JSON values; key is a field name or a function of the row (JSON too);
    `config`: more client settings (a secure stack's SASL/TLS)."""
    producer = Producer({**(config or {}), "bootstrap.servers": bootstrap, "linger.ms": 5})
    count = 0
    for row in rows:
        key_value = None
        if isinstance(key, str):
            key_value = json.dumps(row[key]).encode()
        elif key is not None:
            key_value = json.dumps(key(row)).encode()
        producer.produce(topic, value=json.dumps(row).encode(), key=key_value)
        count += 1
    remaining = producer.flush(timeout)
    if remaining:
        raise TimeoutError(f"{remaining} messages to {topic} not delivered in {timeout} s")
    return count


def consume_json(
    bootstrap: str, topic: str, n: int, timeout: float = 30.0, with_keys: bool = False
) -> list[Any]:
    """Read n JSON values from the start of the topic (tombstones as None); fail if fewer arrive."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": unique("test-consumer"),
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    out: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < n and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() in (
                    KafkaError._PARTITION_EOF,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                ):
                    continue
                raise RuntimeError(f"consume from {topic}: {msg.error()}")
            value = json.loads(msg.value()) if msg.value() is not None else None
            if with_keys:
                key = json.loads(msg.key()) if msg.key() is not None else None
                out.append((key, value))
            else:
                out.append(value)
    finally:
        consumer.close()
    if len(out) < n:
        raise TimeoutError(f"got {len(out)} of {n} records from {topic} in {timeout} s: {out}")
    return out
