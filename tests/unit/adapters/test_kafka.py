"""KafkaAdminClient against a fake AdminClient: batching, retry of only the failed items, errors."""

from concurrent.futures import Future
from types import SimpleNamespace

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigSource

from streamt.adapters.http import RetryPolicy
from streamt.adapters.kafka import KafkaAdminClient
from streamt.adapters.protocols import AdapterError, GroupLag
from streamt.resources import TopicSpec, TopicState

from .fakes import Sleeps


def done(value=None):
    f = Future()
    f.set_result(value)
    return f


def failed(code, retriable=False):
    f = Future()
    f.set_exception(KafkaException(KafkaError(code, "reason", retriable=retriable)))
    return f


def topic(partitions, replicas=1):
    return SimpleNamespace(
        partitions={p: SimpleNamespace(replicas=list(range(replicas))) for p in range(partitions)}
    )


class FakeAdmin:
    def __init__(self, topics=None):
        self.topics = topics or {}
        self.requests = []
        self.outcomes = {}  # op -> list of {key: future} overrides per request
        self.offsets = {}  # (topic, partition, "earliest"/"latest") -> offset
        self.groups = {}

    def _next(self, op, keys, default):
        self.requests.append((op, [key for key, _ in keys]))
        script = self.outcomes.get(op)
        overrides = script.pop(0) if script else {}
        return {k: overrides.get(key, default(k)) for key, k in keys}

    def list_topics(self, timeout):
        self.requests.append(("metadata", []))
        return SimpleNamespace(topics=self.topics)

    def describe_configs(self, resources, request_timeout):
        def configs(resource):
            return done(
                {
                    # librdkafka hands `source` back as a plain int
                    "cleanup.policy": ConfigEntry(
                        "cleanup.policy", "compact", source=ConfigSource.DYNAMIC_TOPIC_CONFIG.value
                    ),
                    "retention.ms": ConfigEntry(
                        "retention.ms", "604800000", source=ConfigSource.DEFAULT_CONFIG.value
                    ),
                }
            )

        return self._next("describe_configs", [(r.name, r) for r in resources], configs)

    def create_topics(self, new_topics, operation_timeout, request_timeout):
        self.created = new_topics
        return self._next(
            "create_topics", [(t.topic, t.topic) for t in new_topics], lambda k: done()
        )

    def delete_topics(self, names, operation_timeout, request_timeout):
        return self._next("delete_topics", [(n, n) for n in names], lambda k: done())

    def delete_consumer_groups(self, group_ids, request_timeout):
        return self._next("delete_groups", [(g, g) for g in group_ids], lambda k: done())

    def incremental_alter_configs(self, resources, request_timeout):
        self.altered = resources
        return self._next("alter", [(r.name, r) for r in resources], lambda k: done())

    def create_partitions(self, new_partitions, operation_timeout, request_timeout):
        self.partitions = new_partitions
        return self._next(
            "create_partitions", [(p.topic, p.topic) for p in new_partitions], lambda k: done()
        )

    def list_offsets(self, requests, request_timeout):
        kind = (
            "earliest" if "Earliest" in type(next(iter(requests.values()))).__name__ else "latest"
        )
        self.requests.append(
            (f"offsets-{kind}", sorted((tp.topic, tp.partition) for tp in requests))
        )
        return {
            tp: done(SimpleNamespace(offset=self.offsets.get((tp.topic, tp.partition, kind), 0)))
            for tp in requests
        }

    def list_consumer_group_offsets(self, requests, request_timeout):
        group = requests[0].group_id
        self.requests.append(("group-offsets", [group]))
        return {group: done(SimpleNamespace(topic_partitions=self.groups.get(group, [])))}


def kafka(fake, sleeps=None, attempts=3):
    return KafkaAdminClient(
        "broker:9092",
        {"security.protocol": "SASL_SSL", "sasl.password": "s3cret"},
        admin_factory=lambda conf: fake.__setattr__("conf", conf) or fake,
        retry=RetryPolicy(attempts=attempts),
        sleep=sleeps if sleeps is not None else Sleeps(),
    )


def test_list_topics_is_metadata_plus_one_batched_describe_configs_keeping_only_user_configs():
    fake = FakeAdmin({"b": topic(3, 2), "a": topic(1), "__consumer_offsets": topic(50)})
    k = kafka(fake)
    assert k.list_topics() == [
        TopicState("a", 1, 1, {"cleanup.policy": "compact"}),
        TopicState("b", 3, 2, {"cleanup.policy": "compact"}),
    ]
    assert fake.requests == [("metadata", []), ("describe_configs", ["a", "b"])]
    assert k.calls == 2
    assert fake.conf.pop("logger").name == "streamt.librdkafka"
    assert fake.conf == {
        "security.protocol": "SASL_SSL",
        "sasl.password": "s3cret",
        "bootstrap.servers": "broker:9092",
    }


def test_create_topics_is_one_batch_and_an_existing_topic_is_not_an_error():
    fake = FakeAdmin()
    fake.outcomes["create_topics"] = [{"b": failed(KafkaError.TOPIC_ALREADY_EXISTS)}]
    kafka(fake).create_topics(
        [TopicSpec("b", 3, 1, {"cleanup.policy": "compact"}), TopicSpec("a", 1, 1)]
    )
    assert fake.requests == [("create_topics", ["a", "b"])]
    assert fake.created[1].num_partitions == 3 and fake.created[1].config == {
        "cleanup.policy": "compact"
    }


def test_retriable_errors_retry_only_the_failed_items_with_backoff():
    fake = FakeAdmin()
    fake.outcomes["create_topics"] = [{"b": failed(KafkaError.NOT_CONTROLLER, retriable=True)}]
    sleeps = Sleeps()
    k = kafka(fake, sleeps)
    k.create_topics([TopicSpec("a", 1, 1), TopicSpec("b", 1, 1)])
    assert fake.requests == [("create_topics", ["a", "b"]), ("create_topics", ["b"])]
    assert sleeps == [0.25] and k.calls == 2


def test_retries_are_bounded():
    fake = FakeAdmin()
    fake.outcomes["create_topics"] = [{"a": failed(KafkaError._TIMED_OUT)} for _ in range(3)]
    with pytest.raises(AdapterError, match="create_topics failed for 1 of 1") as err:
        kafka(fake, attempts=3).create_topics([TopicSpec("a", 1, 1)])
    assert len(fake.requests) == 3
    assert err.value.system == "kafka" and err.value.url == "broker:9092"


def test_non_retriable_errors_are_raised_with_the_kafka_reason_and_no_secret():
    fake = FakeAdmin()
    fake.outcomes["create_topics"] = [{"a": failed(KafkaError.INVALID_REPLICATION_FACTOR)}]
    with pytest.raises(AdapterError) as err:
        kafka(fake).create_topics([TopicSpec("a", 1, 3)])
    assert "INVALID_REPLICATION_FACTOR" in str(err.value) and "s3cret" not in str(err.value)
    assert len(fake.requests) == 1


def test_metadata_failure_is_an_adapter_error():
    class Down(FakeAdmin):
        def list_topics(self, timeout):
            raise KafkaException(
                KafkaError(KafkaError._TRANSPORT, "connection refused", retriable=False)
            )

    with pytest.raises(AdapterError, match="cannot read cluster metadata"):
        kafka(Down()).list_topics()


def test_alter_configs_sets_and_deletes_incrementally_in_one_batch():
    fake = FakeAdmin()
    kafka(fake).alter_topic_configs(
        {"t": {"retention.ms": "1000", "cleanup.policy": None}, "u": {"x": "1"}}
    )
    assert fake.requests == [("alter", ["t", "u"])]
    ops = {e.name: e.incremental_operation for e in fake.altered[0].incremental_configs}
    assert ops == {
        "cleanup.policy": AlterConfigOpType.DELETE,
        "retention.ms": AlterConfigOpType.SET,
    }


def test_add_partitions_and_delete_topics_tolerating_missing():
    fake = FakeAdmin()
    fake.outcomes["delete_topics"] = [{"gone": failed(KafkaError.UNKNOWN_TOPIC_OR_PART)}]
    k = kafka(fake)
    k.add_partitions("t", 6)
    k.delete_topics(["gone", "t", "t"])
    assert fake.partitions[0].new_total_count == 6
    assert fake.requests == [("create_partitions", ["t"]), ("delete_topics", ["gone", "t"])]


def test_delete_consumer_groups_tolerates_a_missing_group_and_reports_one_in_use():
    fake = FakeAdmin()
    fake.outcomes["delete_groups"] = [{"gone": failed(KafkaError.GROUP_ID_NOT_FOUND)}]
    k = kafka(fake)
    k.delete_consumer_groups(["g", "gone", "g"])
    assert fake.requests == [("delete_groups", ["g", "gone"])]
    fake.outcomes["delete_groups"] = [{"busy": failed(KafkaError.NON_EMPTY_GROUP)}]
    with pytest.raises(AdapterError) as caught:
        k.delete_consumer_groups(["busy"])
    assert "delete_consumer_groups failed for 1 of 1" in str(caught.value)


def test_message_counts_sum_watermark_differences_with_two_batched_offset_calls():
    fake = FakeAdmin({"t": topic(2), "other": topic(1)})
    fake.offsets = {("t", 0, "earliest"): 5, ("t", 0, "latest"): 15, ("t", 1, "latest"): 7}
    k = kafka(fake)
    assert k.message_counts(["t", "missing"]) == {"t": 17}
    assert [r[0] for r in fake.requests] == ["metadata", "offsets-earliest", "offsets-latest"]
    assert k.calls == 3


def test_consumer_lag_is_latest_minus_committed_per_topic():
    fake = FakeAdmin()
    fake.groups = {
        "g": [TopicPartition("t", 0, 10), TopicPartition("t", 1, 3)],
        "empty": [TopicPartition("t", 0, -1001)],
    }
    fake.offsets = {("t", 0, "latest"): 12, ("t", 1, "latest"): 3}
    lag = kafka(fake).consumer_lag(["g", "empty"])
    assert lag == {
        "empty": GroupLag("empty", 0, {}, has_offsets=False),
        "g": GroupLag("g", 2, {"t": 2}),
    }
    assert [r[0] for r in fake.requests] == ["group-offsets", "group-offsets", "offsets-latest"]


def test_a_topic_deleted_between_metadata_and_describe_is_left_out():
    fake = FakeAdmin({"a": topic(1), "gone": topic(1)})
    fake.outcomes["describe_configs"] = [{"gone": failed(KafkaError.UNKNOWN_TOPIC_OR_PART)}]
    assert [t.name for t in kafka(fake).list_topics()] == ["a"]


def test_locate_value_matches_the_value_its_prefix_or_a_value_lacking_the_prefix():
    from streamt.adapters.kafka import _matcher

    exact, prefix, lacking = (
        _matcher(b"\x00", False, False),
        _matcher(b"\x00", True, False),
        _matcher(b"\x00", False, True),
    )
    assert [exact(v) for v in (b"\x00", b"\x00a", b"a", None)] == [True, False, False, False]
    assert [prefix(v) for v in (b"\x00", b"\x00a", b"a", None)] == [True, True, False, False]
    # a tombstone is no record the format refused
    assert [lacking(v) for v in (b"\x00", b"\x00a", b"a", b"", None)] == [
        False,
        False,
        True,
        True,
        False,
    ]
