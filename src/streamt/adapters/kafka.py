"""Kafka admin adapter (confluent-kafka AdminClient).

Every operation is one batched admin request for all the topics it concerns:
`list_topics` = metadata + ONE `describe_configs` for every topic (only dynamic, user-set configs
are kept, so broker defaults never show up as drift); `message_counts` = metadata + one earliest
+ one latest `list_offsets`; `locate_value` (only after a job failed on a record) reads the
job's source topics with a consumer that assigns partitions and never commits; `consumer_lag` = one `list_consumer_group_offsets` per group
(librdkafka accepts one group per request) + one `list_offsets`.

Client settings: `bootstrap_servers` plus a plain mapping of librdkafka properties
(`security.protocol`, `sasl.mechanism`, `sasl.username`, `sasl.password`, `ssl.ca.location`, ...)
with `${VAR}` already resolved by the caller. They are passed to the client and never logged.
Retriable Kafka errors are retried with bounded backoff, only for the items that failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from confluent_kafka import (
    Consumer,
    ConsumerGroupTopicPartitions,
    KafkaError,
    KafkaException,
    TopicPartition,
)
from confluent_kafka import admin as _admin_module

from streamt.adapters.http import RetryPolicy
from streamt.adapters.librdkafka import client_config
from streamt.adapters.protocols import AdapterError, GroupLag
from streamt.resources import TopicSpec, TopicState

SYSTEM = "kafka"
log = logging.getLogger("streamt.adapters.kafka")
K = TypeVar("K", bound=Hashable)
AdminFactory = Callable[[dict[str, object]], Any]
ck: Any = _admin_module  # confluent_kafka.admin re-exports without __all__: typed as Any here
DYNAMIC_TOPIC_CONFIG = int(ck.ConfigSource.DYNAMIC_TOPIC_CONFIG.value)  # set on the topic itself


def _kafka_error(exc: BaseException) -> KafkaError | None:
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        return exc.args[0]
    return None


def _retriable(exc: BaseException) -> bool:
    error = _kafka_error(exc)
    return error is not None and (error.retriable() or error.code() == KafkaError._TIMED_OUT)


class KafkaAdminClient:
    """`KafkaAdmin` over confluent-kafka's AdminClient (created lazily by `admin_factory`)."""

    def __init__(
        self,
        bootstrap_servers: str,
        properties: Mapping[str, str] | None = None,
        *,
        admin_factory: AdminFactory = ck.AdminClient,
        timeout_s: float = 15.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bootstrap = bootstrap_servers
        self._config = {**dict(properties or {}), "bootstrap.servers": bootstrap_servers}
        self._factory: AdminFactory = admin_factory
        self._admin: Any = None
        self.timeout_s, self.retry, self.sleep = timeout_s, retry or RetryPolicy(attempts=3), sleep
        self.calls = 0

    @property
    def admin(self) -> Any:
        if self._admin is None:
            self._admin = self._factory(client_config(self._config))
        return self._admin

    def error(self, message: str, detail: str = "", *, transient: bool = False) -> AdapterError:
        return AdapterError(SYSTEM, message, url=self.bootstrap, body=detail, transient=transient)

    # ------------------------------------------------------------ batching + retry

    def _batch(
        self,
        what: str,
        keys: Sequence[K],
        send: Callable[[list[K]], Mapping[K, Future[object]]],
        tolerate: frozenset[int] = frozenset(),
    ) -> dict[K, object]:
        """Send one request for `keys`; re-send only the retriable failures; raise the rest."""
        results: dict[K, object] = {}
        pending, failures = list(keys), {}
        for attempt in range(1, self.retry.attempts + 1):
            if not pending:
                break
            self.calls += 1
            try:
                futures = send(pending)
            except KafkaException as exc:
                futures = {key: _failed(exc) for key in pending}
            retry_next: list[K] = []
            for key in pending:
                try:
                    results[key] = futures[key].result(timeout=self.timeout_s * 2)
                except Exception as exc:
                    error = _kafka_error(exc)
                    if error is not None and error.code() in tolerate:
                        results[key] = None
                    elif _retriable(exc) and attempt < self.retry.attempts:
                        retry_next.append(key)
                    else:
                        failures[key] = str(error or exc)
            pending = retry_next
            if pending:
                self.sleep(self.retry.delay(attempt))
        if failures:
            detail = "; ".join(f"{key}: {msg}" for key, msg in sorted(failures.items(), key=str))
            raise self.error(f"{what} failed for {len(failures)} of {len(keys)}", detail)
        return results

    def _metadata(self) -> Mapping[str, object]:
        for attempt in range(1, self.retry.attempts + 1):
            self.calls += 1
            try:
                topics: Mapping[str, object] = self.admin.list_topics(timeout=self.timeout_s).topics
                return topics
            except KafkaException as exc:
                if not _retriable(exc) or attempt >= self.retry.attempts:
                    raise self.error(
                        "cannot read cluster metadata", str(_kafka_error(exc) or exc)
                    ) from None
                self.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ topics

    def list_topics(self) -> Sequence[TopicState]:
        topics = {n: t for n, t in self._metadata().items() if not n.startswith("__")}
        names = sorted(topics)
        resources = {n: ck.ConfigResource(ck.ResourceType.TOPIC, n) for n in names}
        configs = self._batch(
            "describe_configs",
            names,
            lambda batch: _by_name(
                self.admin.describe_configs(
                    [resources[n] for n in batch], request_timeout=self.timeout_s
                )
            ),
            tolerate=frozenset({KafkaError.UNKNOWN_TOPIC_OR_PART}),
        )
        # a topic deleted between the two calls has no configs (tolerated): leave it out
        return [
            self._topic_state(n, topics[n], configs[n]) for n in names if configs.get(n) is not None
        ]

    @staticmethod
    def _topic_state(name: str, meta: object, described: object) -> TopicState:
        partitions = getattr(meta, "partitions", {}) or {}
        first = partitions.get(0) or next(iter(partitions.values()), None)
        entries = described if isinstance(described, dict) else {}
        config = {
            key: entry.value
            for key, entry in sorted(entries.items())
            if isinstance(entry, ck.ConfigEntry)
            and _source(entry) == DYNAMIC_TOPIC_CONFIG
            and entry.value is not None
        }
        replicas = len(getattr(first, "replicas", []) or []) if first is not None else 0
        return TopicState(name, len(partitions), replicas, config)

    def create_topics(self, topics: Sequence[TopicSpec]) -> None:
        specs = {t.name: t for t in topics}
        new = {
            n: ck.NewTopic(
                n,
                num_partitions=s.partitions,
                replication_factor=s.replication_factor,
                config=dict(s.config),
            )
            for n, s in specs.items()
        }
        self._batch(
            "create_topics",
            sorted(specs),
            lambda batch: self.admin.create_topics(
                [new[n] for n in batch],
                operation_timeout=self.timeout_s,
                request_timeout=self.timeout_s,
            ),
            tolerate=frozenset({KafkaError.TOPIC_ALREADY_EXISTS}),
        )

    def alter_topic_config(self, name: str, config: Mapping[str, str | None]) -> None:
        self.alter_topic_configs({name: config})

    def alter_topic_configs(self, changes: Mapping[str, Mapping[str, str | None]]) -> None:
        """Incremental: a value sets the key, None deletes it (back to the broker default)."""

        def resource(name: str) -> Any:
            entries = [
                ck.ConfigEntry(
                    key,
                    value,
                    incremental_operation=ck.AlterConfigOpType.DELETE
                    if value is None
                    else ck.AlterConfigOpType.SET,
                )
                for key, value in sorted(changes[name].items())
            ]
            return ck.ConfigResource(ck.ResourceType.TOPIC, name, incremental_configs=entries)

        self._batch(
            "incremental_alter_configs",
            sorted(changes),
            lambda batch: _by_name(
                self.admin.incremental_alter_configs(
                    [resource(n) for n in batch], request_timeout=self.timeout_s
                )
            ),
        )

    def add_partitions(self, name: str, total: int) -> None:
        self._batch(
            "create_partitions",
            [name],
            lambda batch: self.admin.create_partitions(
                [ck.NewPartitions(n, total) for n in batch],
                operation_timeout=self.timeout_s,
                request_timeout=self.timeout_s,
            ),
        )

    def delete_topics(self, names: Sequence[str]) -> None:
        self._batch(
            "delete_topics",
            sorted(set(names)),
            lambda batch: self.admin.delete_topics(
                batch, operation_timeout=self.timeout_s, request_timeout=self.timeout_s
            ),
            tolerate=frozenset({KafkaError.UNKNOWN_TOPIC_OR_PART}),
        )

    def delete_consumer_groups(self, groups: Sequence[str]) -> None:
        """Delete consumer groups and their committed offsets; a group that does not exist is
        already gone. A group that still has members is refused by the broker (an error)."""
        self._batch(
            "delete_consumer_groups",
            sorted(set(groups)),
            lambda batch: self.admin.delete_consumer_groups(batch, request_timeout=self.timeout_s),
            tolerate=frozenset({KafkaError.GROUP_ID_NOT_FOUND}),
        )

    # ------------------------------------------------------------ offsets

    def _offsets(
        self, partitions: Sequence[TopicPartition], spec: Any
    ) -> dict[tuple[str, int], int]:
        if not partitions:
            return {}
        keys = [(tp.topic, tp.partition) for tp in partitions]
        results = self._batch(
            "list_offsets",
            keys,
            lambda batch: _by_tp(
                self.admin.list_offsets(
                    {TopicPartition(t, p): spec for t, p in batch}, request_timeout=self.timeout_s
                )
            ),
        )
        return {key: int(getattr(info, "offset", 0)) for key, info in results.items()}

    def message_counts(self, topics: Sequence[str]) -> Mapping[str, int]:
        """Messages currently held per topic: sum over partitions of (high - low) watermarks."""
        wanted = set(topics)
        meta = self._metadata()
        partitions = [
            TopicPartition(name, p)
            for name in sorted(wanted & set(meta))
            for p in sorted(getattr(meta[name], "partitions", {}) or {})
        ]
        low = self._offsets(partitions, ck.OffsetSpec.earliest())
        high = self._offsets(partitions, ck.OffsetSpec.latest())
        counts = dict.fromkeys(sorted(wanted & set(meta)), 0)
        for (topic, partition), end in high.items():
            counts[topic] += max(0, end - low.get((topic, partition), 0))
        return counts

    def locate_value(
        self,
        topics: Sequence[str],
        value: bytes,
        group: str,
        *,
        limit: int = 200_000,
        timeout_s: float = 20.0,
        prefix: bool = False,
        lacking: bool = False,
    ) -> tuple[str, int, int] | None:
        """(topic, partition, offset) of the first record whose value is `value` (or, with
        `prefix`, starts with it; with `lacking`, a value that does not start with it): see
        `locate_first`."""
        wanted = _matcher(value, prefix, lacking)
        return self.locate_first(topics, group, wanted, limit=limit, timeout_s=timeout_s)

    def locate_first(
        self,
        topics: Sequence[str],
        group: str,
        wanted: Callable[[bytes | None], bool],
        *,
        limit: int = 200_000,
        timeout_s: float = 20.0,
    ) -> tuple[str, int, int] | None:
        """(topic, partition, offset) of the first record whose value (None: a tombstone) is
        `wanted`, read from `group`'s committed offsets (else the earliest) up to the end; None
        when not found within `limit` records / `timeout_s`. Assigns partitions: never joins or
        commits."""
        consumer = Consumer(
            client_config({**self._config, "group.id": group, "enable.auto.commit": False})
        )
        try:
            ends = _assign_from_committed(consumer, topics, self.timeout_s)
            return _scan(consumer, ends, wanted, limit, time.monotonic() + timeout_s)
        except KafkaException as exc:
            raise self.error(f"searching {', '.join(topics)}: {exc}", transient=True) from exc
        finally:
            consumer.close()

    def sample_values(self, topic: str, count: int = 20, timeout_s: float = 5.0) -> list[bytes]:
        """Up to `count` of the newest record values of `topic` (tombstones left out), read
        with a consumer that assigns partitions and never commits."""
        consumer = Consumer(
            client_config(
                {**self._config, "group.id": "streamt-sample", "enable.auto.commit": False}
            )
        )
        try:
            ends = _assign_tail(consumer, topic, count, self.timeout_s)
            return _read(consumer, ends, count, time.monotonic() + timeout_s)
        except KafkaException as exc:
            raise self.error(f"sampling {topic}: {exc}", transient=True) from exc
        finally:
            consumer.close()

    def consumer_lag(self, groups: Sequence[str]) -> Mapping[str, GroupLag]:
        committed: dict[str, dict[tuple[str, int], int]] = {}
        for group in sorted(set(groups)):
            found = self._batch(
                "list_consumer_group_offsets",
                [group],
                lambda batch: self.admin.list_consumer_group_offsets(
                    [ConsumerGroupTopicPartitions(g) for g in batch], request_timeout=self.timeout_s
                ),
            )[group]
            tps = getattr(found, "topic_partitions", None) or []
            committed[group] = {(tp.topic, tp.partition): tp.offset for tp in tps if tp.offset >= 0}
        every = sorted({key for offsets in committed.values() for key in offsets})
        latest = self._offsets([TopicPartition(t, p) for t, p in every], ck.OffsetSpec.latest())
        return {group: _lag(group, offsets, latest) for group, offsets in committed.items()}


def _lag(
    group: str, committed: Mapping[tuple[str, int], int], latest: Mapping[tuple[str, int], int]
) -> GroupLag:
    topics: dict[str, int] = {}
    for (topic, partition), offset in committed.items():
        topics[topic] = topics.get(topic, 0) + max(
            0, latest.get((topic, partition), offset) - offset
        )
    return GroupLag(
        group, sum(topics.values()), dict(sorted(topics.items())), has_offsets=bool(committed)
    )


def _source(entry: Any) -> int:
    """librdkafka hands `ConfigEntry.source` back as a plain int, not a ConfigSource."""
    source = entry.source
    return int(getattr(source, "value", source))


def _failed(exc: BaseException) -> Future[object]:
    future: Future[object] = Future()
    future.set_exception(exc)
    return future


def _by_name(futures: Mapping[Any, Future[object]]) -> dict[str, Future[object]]:
    return {resource.name: future for resource, future in futures.items()}


def _by_tp(
    futures: Mapping[TopicPartition, Future[object]],
) -> dict[tuple[str, int], Future[object]]:
    return {(tp.topic, tp.partition): future for tp, future in futures.items()}


def _assign_from_committed(
    consumer: Any, topics: Sequence[str], timeout_s: float
) -> dict[tuple[str, int], int]:
    """Assign every partition of `topics` at its committed offset (else the earliest); the
    end offset of each partition that has records left to read."""
    parts: list[TopicPartition] = []
    for topic in topics:
        meta = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
        if meta is not None and meta.error is None:
            parts += [TopicPartition(topic, p) for p in sorted(meta.partitions)]
    committed = {
        (tp.topic, tp.partition): tp.offset
        for tp in (consumer.committed(parts, timeout=timeout_s) if parts else [])
    }
    starts, ends = [], {}
    for tp in parts:
        low, high = consumer.get_watermark_offsets(tp, timeout=timeout_s)
        begin = max(low, committed.get((tp.topic, tp.partition), -1))
        if begin < high:
            starts.append(TopicPartition(tp.topic, tp.partition, begin))
            ends[(tp.topic, tp.partition)] = high
    consumer.assign(starts)
    return ends


def _matcher(value: bytes, prefix: bool, lacking: bool) -> Callable[[bytes | None], bool]:
    """Whether a record value (None: a tombstone) is the one `locate_value` looks for."""
    if lacking:
        return lambda held: held is not None and not held.startswith(value)
    if prefix:
        return lambda held: (held or b"").startswith(value)
    return lambda held: (held or b"") == value


def _scan(
    consumer: Any,
    ends: dict[tuple[str, int], int],
    wanted: Callable[[bytes | None], bool],
    limit: int,
    deadline: float,
) -> tuple[str, int, int] | None:
    pending, seen = dict(ends), 0
    while pending and seen < limit and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None or msg.error() is not None:
            continue
        seen += 1
        where = (str(msg.topic()), int(msg.partition() or 0))
        offset = int(msg.offset() or 0)
        if wanted(msg.value()):
            return (where[0], where[1], offset)
        if where in pending and offset >= pending[where] - 1:
            del pending[where]
    return None


def _assign_tail(
    consumer: Any, topic: str, count: int, timeout_s: float
) -> dict[tuple[str, int], int]:
    meta = consumer.list_topics(topic, timeout=timeout_s).topics.get(topic)
    if meta is None or meta.error is not None:
        return {}
    starts, ends = [], {}
    for p in sorted(meta.partitions):
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
        begin = max(low, high - count)
        if begin < high:
            starts.append(TopicPartition(topic, p, begin))
            ends[(topic, p)] = high
    consumer.assign(starts)
    return ends


def _read(
    consumer: Any, ends: dict[tuple[str, int], int], count: int, deadline: float
) -> list[bytes]:
    pending, out = dict(ends), list[bytes]()
    while pending and len(out) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.2)
        if msg is None or msg.error() is not None:
            continue
        where, offset = (str(msg.topic()), int(msg.partition() or 0)), int(msg.offset() or 0)
        if msg.value() is not None:
            out.append(bytes(msg.value()))
        if where in pending and offset >= pending[where] - 1:
            del pending[where]
    return out
