"""Where ledger records live: a compacted Kafka topic (default `_streamt_state`).

`LedgerStore` is the seam: `read()` returns every record up to the high watermark at call
time (key, value or None for a tombstone, offset), `write()` produces records and waits for
their acknowledgement. `KafkaLedgerStore` is the real one (one partition so reads are ordered,
`cleanup.policy=compact`, created on first write); `MemoryLedgerStore` serves tests.

Note: this is the one place outside `streamt.adapters` that opens Kafka clients, because the
adapter protocols have no produce/consume; it counts its calls like an adapter does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from streamt.adapters.librdkafka import client_config

DEFAULT_TOPIC = "_streamt_state"


class LedgerError(Exception):
    """The ledger topic could not be read or written (names the topic and the cause)."""


@dataclass(frozen=True)
class LedgerRecord:
    key: str
    value: bytes | None  # None = tombstone
    offset: int


class LedgerStore(Protocol):
    @property
    def calls(self) -> int: ...
    def read(self) -> list[LedgerRecord]: ...
    def write(self, records: Sequence[tuple[str, bytes | None]]) -> None: ...


class MemoryLedgerStore:
    """An in-process log with the same semantics (ordered, offsets, tombstones)."""

    def __init__(self) -> None:
        self.log: list[LedgerRecord] = []
        self.calls = 0
        self._lock = threading.Lock()

    def read(self) -> list[LedgerRecord]:
        with self._lock:
            self.calls += 1
            return list(self.log)

    def write(self, records: Sequence[tuple[str, bytes | None]]) -> None:
        with self._lock:
            self.calls += 1
            for key, value in records:
                self.log.append(LedgerRecord(key, value, len(self.log)))


class KafkaLedgerStore:
    def __init__(
        self,
        bootstrap_servers: str,
        properties: Mapping[str, str] | None = None,
        *,
        topic: str = DEFAULT_TOPIC,
        timeout_s: float = 15.0,
    ) -> None:
        self.topic, self.timeout_s = topic, timeout_s
        self._config: dict[str, Any] = client_config(
            {**dict(properties or {}), "bootstrap.servers": bootstrap_servers}
        )
        self.calls = 0
        self._producer: Any = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- reading

    def read(self) -> list[LedgerRecord]:
        try:
            return self._read()
        except LedgerError:
            raise
        except Exception as exc:  # librdkafka errors: broker down, auth, ...
            raise LedgerError(f"ledger topic {self.topic}: cannot read: {exc}") from None

    def _read(self) -> list[LedgerRecord]:
        from confluent_kafka import Consumer, TopicPartition

        consumer = Consumer(
            {
                **self._config,
                "group.id": "streamt-ledger-reader",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                "enable.partition.eof": True,
            }
        )
        try:
            self.calls += 1
            meta = consumer.list_topics(self.topic, timeout=self.timeout_s)
            topic = meta.topics.get(self.topic)
            if topic is None or topic.error is not None or not topic.partitions:
                return []
            low, high = consumer.get_watermark_offsets(
                TopicPartition(self.topic, 0), timeout=self.timeout_s
            )
            if high <= low:
                return []
            consumer.assign([TopicPartition(self.topic, 0, low)])
            return self._consume_until(consumer, high)
        finally:
            consumer.close()

    def _consume_until(self, consumer: Any, high: int) -> list[LedgerRecord]:
        from confluent_kafka import KafkaError

        records: list[LedgerRecord] = []
        last = -1
        deadline = time.monotonic() + self.timeout_s
        while last < high - 1:
            if time.monotonic() > deadline:
                raise LedgerError(f"ledger topic {self.topic}: stopped at {last} before {high}")
            for msg in consumer.consume(num_messages=1000, timeout=0.2):
                error = msg.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        return records
                    raise LedgerError(f"ledger topic {self.topic}: {error}")
                key = msg.key().decode() if msg.key() is not None else ""
                records.append(LedgerRecord(key, msg.value(), msg.offset()))
                last = msg.offset()
        return records

    # ---------------------------------------------------------------- writing

    def write(self, records: Sequence[tuple[str, bytes | None]]) -> None:
        try:
            self._write(records)
        except LedgerError:
            raise
        except Exception as exc:
            raise LedgerError(f"ledger topic {self.topic}: cannot write: {exc}") from None

    def _write(self, records: Sequence[tuple[str, bytes | None]]) -> None:
        with self._lock:
            producer = self._ensure_producer()
            errors: list[str] = []

            def on_delivery(err: Any, _msg: Any) -> None:
                if err is not None:
                    errors.append(str(err))

            for key, value in records:
                producer.produce(self.topic, key=key.encode(), value=value, on_delivery=on_delivery)
            self.calls += 1
            remaining = producer.flush(self.timeout_s)
            if remaining or errors:
                raise LedgerError(
                    f"ledger topic {self.topic}: write not acknowledged ({errors or remaining})"
                )

    def _ensure_producer(self) -> Any:
        if self._producer is None:
            from confluent_kafka import Producer

            self._ensure_topic()
            self._producer = Producer(
                {**self._config, "acks": "all", "enable.idempotence": True, "linger.ms": 0}
            )
        return self._producer

    def _ensure_topic(self) -> None:
        from confluent_kafka import admin as _admin

        ck_admin: Any = _admin

        admin = ck_admin.AdminClient(dict(self._config))
        self.calls += 1
        if self.topic in admin.list_topics(timeout=self.timeout_s).topics:
            return
        new = ck_admin.NewTopic(
            self.topic,
            num_partitions=1,
            replication_factor=-1,
            config={"cleanup.policy": "compact", "min.compaction.lag.ms": "3600000"},
        )
        self.calls += 1
        future = admin.create_topics([new])[self.topic]
        try:
            future.result(timeout=self.timeout_s)
        except Exception as exc:  # already created by a concurrent apply is fine
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(self.timeout_s)
