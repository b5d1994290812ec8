"""Produce and consume JSON records on the local stack's Kafka (`streamt local produce|consume`).

A developer convenience in the spirit of kcat: JSON lines in, JSON lines out. Sources are
external to streamt, so on a fresh stack this is how their topics get their first records.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from streamt.adapters.librdkafka import client_config
from streamt.diagnostics import Diagnostic, StreamtError


def produce_lines(
    bootstrap: str,
    topic: str,
    lines: Iterable[str],
    key: str | None,
    security: Mapping[str, str] | None = None,
) -> int:
    """`security`: the client's SASL/TLS settings (a secure stack's), else none."""
    from confluent_kafka import Producer

    records = [(text, _parse(text, n)) for n, line in enumerate(lines, 1) if (text := line.strip())]
    ensure_topic(bootstrap, topic, security)  # every line parsed first: bad input produces nothing
    producer = Producer(
        client_config({**(security or {}), "bootstrap.servers": bootstrap, "linger.ms": 5})
    )
    for text, value in records:
        key_bytes = json.dumps(value.get(key)).encode() if key and isinstance(value, dict) else None
        producer.produce(topic, value=text.encode(), key=key_bytes)
    if producer.flush(15):
        raise StreamtError(Diagnostic("K010", f"records to '{topic}' were not delivered in 15 s"))
    return len(records)


def consume_lines(
    bootstrap: str,
    topic: str,
    limit: int,
    timeout: float,
    security: Mapping[str, str] | None = None,
) -> Iterator[str]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        client_config(
            {
                **(security or {}),
                "bootstrap.servers": bootstrap,
                "group.id": f"streamt-local-consume-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
    )
    consumer.subscribe([topic])
    deadline, seen = time.monotonic() + timeout, 0
    try:
        while seen < limit and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None or msg.error():
                continue
            raw = msg.value()
            seen += 1
            yield "null" if raw is None else raw.decode(errors="replace")
    finally:
        consumer.close()


def ensure_topic(bootstrap: str, topic: str, security: Mapping[str, str] | None = None) -> None:
    from confluent_kafka import admin as _admin

    ck: Any = _admin

    admin = ck.AdminClient(client_config({**(security or {}), "bootstrap.servers": bootstrap}))
    if topic in admin.list_topics(timeout=10).topics:
        return
    for future in admin.create_topics([ck.NewTopic(topic, 1, 1)]).values():
        try:
            future.result(timeout=10)
        except Exception as err:  # a concurrent create is fine
            if "TOPIC_ALREADY_EXISTS" not in str(err):
                raise StreamtError(
                    Diagnostic("K011", f"cannot create topic '{topic}': {err}")
                ) from None


def _parse(text: str, number: int) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise StreamtError(
            Diagnostic(
                "K012",
                f"line {number} of the input is not JSON: {err.msg} (column {err.colno})",
                hint="give one JSON document per line",
            )
        ) from None
