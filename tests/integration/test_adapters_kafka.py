"""KafkaAdminClient on the real local Kafka: topics, configs, partitions, counts, lag."""

import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from streamt.adapters.kafka import KafkaAdminClient
from streamt.adapters.protocols import AdapterError
from streamt.resources import TopicSpec

pytestmark = pytest.mark.integration


@pytest.fixture
def kafka(local_stack):
    return KafkaAdminClient(local_stack.kafka_bootstrap)


@pytest.fixture
def names(kafka):
    prefix = f"it-adapters-{uuid.uuid4().hex[:8]}"
    created = []

    def make(suffix: str) -> str:
        created.append(f"{prefix}-{suffix}")
        return created[-1]

    yield make
    kafka.delete_topics(created)


def by_name(kafka):
    return {t.name: t for t in kafka.list_topics()}


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_create_list_alter_grow_delete_topics(kafka, names):
    plain, compacted = names("plain"), names("compacted")
    kafka.create_topics(
        [
            TopicSpec(plain, 2, 1),
            TopicSpec(compacted, 1, 1, {"cleanup.policy": "compact", "retention.ms": "3600000"}),
        ]
    )
    topics = wait_for(lambda: (t := by_name(kafka)) and plain in t and compacted in t and t)
    # only what the user set shows up: no broker defaults, hence no perpetual drift
    assert (
        topics[plain].partitions,
        topics[plain].replication_factor,
        dict(topics[plain].config),
    ) == (2, 1, {})
    assert dict(topics[compacted].config) == {
        "cleanup.policy": "compact",
        "retention.ms": "3600000",
    }

    kafka.create_topics([TopicSpec(plain, 2, 1)])  # already there: converges, no error

    kafka.alter_topic_configs(
        {
            compacted: {"retention.ms": "7200000", "cleanup.policy": None},
            plain: {"segment.ms": "600000"},
        }
    )
    kafka.add_partitions(plain, 4)
    topics = by_name(kafka)
    assert dict(topics[compacted].config) == {"retention.ms": "7200000"}
    assert dict(topics[plain].config) == {"segment.ms": "600000"}
    assert topics[plain].partitions == 4

    calls = kafka.calls
    kafka.list_topics()
    assert kafka.calls - calls == 2  # metadata + ONE describe_configs for every topic

    kafka.delete_topics([plain, compacted])
    assert wait_for(lambda: plain not in by_name(kafka) and compacted not in by_name(kafka))


def test_message_counts_and_consumer_group_lag(local_stack, kafka, names):
    topic, group = names("events"), f"it-group-{uuid.uuid4().hex[:8]}"
    kafka.create_topics([TopicSpec(topic, 2, 1)])
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    for i in range(10):
        producer.produce(topic, value=b"{}", partition=i % 2)  # 5 per partition
    assert producer.flush(15) == 0

    assert kafka.message_counts([topic, "no-such-topic-xyz"]) == {topic: 10}

    consumer = Consumer({"bootstrap.servers": local_stack.kafka_bootstrap, "group.id": group})
    try:  # the group has read 3 of partition 0 and 1 of partition 1
        consumer.commit(
            offsets=[TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 1)], asynchronous=False
        )
    finally:
        consumer.close()

    lag = kafka.consumer_lag([group, "it-group-that-never-ran"])
    assert lag[group].lag == 6 and dict(lag[group].topics) == {topic: 6} and lag[group].has_offsets
    assert not lag["it-group-that-never-ran"].has_offsets


def test_an_unreachable_broker_is_a_clear_bounded_error():
    unreachable = KafkaAdminClient("127.0.0.1:1", timeout_s=2.0)
    started = time.monotonic()
    with pytest.raises(AdapterError, match="cannot read cluster metadata") as err:
        unreachable.list_topics()
    assert err.value.system == "kafka" and err.value.url == "127.0.0.1:1"
    assert time.monotonic() - started < 20
