"""ConnectClient on the real local Kafka Connect: a FileStream sink put, listed, paused, deleted."""

import time
import uuid

import pytest
from confluent_kafka import Producer

from streamt.adapters.connect import ConnectClient
from streamt.adapters.http import http_client
from streamt.adapters.kafka import KafkaAdminClient
from streamt.resources import TopicSpec

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


@pytest.fixture
def connect(local_stack):
    return ConnectClient(http_client(local_stack.connect_url))


@pytest.fixture
def topic(local_stack):
    kafka = KafkaAdminClient(local_stack.kafka_bootstrap)
    name = f"it-connect-{uuid.uuid4().hex[:8]}"
    kafka.create_topics([TopicSpec(name, 1, 1)])
    yield name
    kafka.delete_topics([name])


@pytest.fixture
def connector(connect):
    name = f"it-file-sink-{uuid.uuid4().hex[:8]}"
    yield name
    connect.delete_connector(name)


def state_of(connect, name):
    return next((c for c in connect.list_connectors() if c.name == name), None)


def test_put_list_pause_resume_delete_file_sink(local_stack, connect, topic, connector, tmp_path):
    out = tmp_path / "sink.txt"
    config = {
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max": "1",
        "topics": topic,
        "file": str(out),
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
    }
    connect.put_connector(connector, config)
    connect.put_connector(connector, config)  # idempotent

    running = wait_for(
        lambda: (
            (c := state_of(connect, connector))
            and c.state == "RUNNING"
            and c.tasks == ("RUNNING",)
            and c
        )
    )
    assert running, state_of(connect, connector)
    assert running.type == "sink"
    assert {k: running.config[k] for k in config} == config

    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    producer.produce(topic, value=b"hello from streamt")
    assert producer.flush(15) == 0
    assert wait_for(lambda: out.exists() and "hello from streamt" in out.read_text())

    connect.pause_connector(connector)
    assert wait_for(lambda: state_of(connect, connector).state == "PAUSED")
    connect.resume_connector(connector)
    assert wait_for(lambda: state_of(connect, connector).state == "RUNNING")

    before = connect.calls
    connect.list_connectors()
    assert connect.calls - before == 1  # configs and statuses of every connector in one call

    connect.delete_connector(connector)
    assert wait_for(lambda: state_of(connect, connector) is None)


def test_validate_connector_config_with_connect_itself(connect, topic):
    sink = "org.apache.kafka.connect.file.FileStreamSinkConnector"
    assert (
        connect.validate_connector(
            "s", {"connector.class": sink, "topics": topic, "file": "/tmp/x"}
        )
        == []
    )
    errors = connect.validate_connector("s", {"connector.class": sink, "file": "/tmp/x"})
    assert errors and all(e.startswith(("topics:", "topics.regex:")) for e in errors)
    unknown = connect.validate_connector("s", {"connector.class": "com.example.NoSuchSink"})
    assert len(unknown) == 1 and "com.example.NoSuchSink" in unknown[0]
