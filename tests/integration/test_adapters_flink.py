"""FlinkClient on the real local Flink + SQL Gateway: submit, list, stop with savepoint, resume,
EXPLAIN errors."""

import json
import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.adapters.kafka import KafkaAdminClient
from streamt.resources import TopicSpec
from tests.integration.test_apply_support import wait_for_slots

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


@pytest.fixture
def flink(local_stack):
    return FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )


@pytest.fixture
def started(flink):
    """Job ids a test started; cancelled afterwards whatever happened."""
    ids: list[str] = []
    yield ids
    for job_id in ids:
        flink.cancel(job_id)


@pytest.fixture
def topics(local_stack):
    kafka = KafkaAdminClient(local_stack.kafka_bootstrap)
    prefix = f"it-flink-{uuid.uuid4().hex[:8]}"
    source, sink = f"{prefix}-in", f"{prefix}-out"
    kafka.create_topics([TopicSpec(source, 1, 1), TopicSpec(sink, 1, 1)])
    yield source, sink
    kafka.delete_topics([source, sink])


def job_script(bootstrap: str, source: str, sink: str) -> list[str]:
    def table(name: str, topic: str, extra: str) -> str:
        return (
            f"CREATE TABLE `{name}` (id STRING, amount INT) WITH ('connector' = 'kafka', 'topic' = '{topic}', "
            f"'properties.bootstrap.servers' = '{bootstrap}', 'format' = 'json'{extra})"
        )

    return [
        table(
            "src",
            source,
            f", 'properties.group.id' = '{source}-g', 'scan.startup.mode' = 'earliest-offset'",
        ),
        table("dst", sink, ""),
        "INSERT INTO dst SELECT id, amount * 10 FROM src WHERE amount > 0",
    ]


def produce(bootstrap: str, topic: str, rows: list[dict]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap})
    for row in rows:
        producer.produce(topic, value=json.dumps(row).encode())
    assert producer.flush(15) == 0


def read(
    bootstrap: str, topic: str, count: int, timeout: float = 90.0, settle: float = 0.0
) -> list[dict]:
    """Read until `count` records arrived, then `settle` more seconds to catch extras."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"it-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
        }
    )
    out: list[dict] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                out.append(json.loads(message.value()))
        settled = time.monotonic() + settle
        while time.monotonic() < settled:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                out.append(json.loads(message.value()))
    finally:
        consumer.close()
    return out


def running(flink: FlinkClient, job_id: str):
    return next((j for j in flink.list_jobs() if j.job_id == job_id and j.state == "RUNNING"), None)


def test_submit_list_stop_with_savepoint_and_resume(local_stack, flink, topics, started, tmp_path):
    source, sink = topics
    bootstrap = local_stack.kafka_bootstrap
    name = f"streamt.it.{uuid.uuid4().hex[:8]}"
    config = {"pipeline.name": name, "execution.checkpointing.interval": "2s"}
    produce(
        bootstrap,
        source,
        [{"id": "a", "amount": 1}, {"id": "b", "amount": 0}, {"id": "c", "amount": 2}],
    )

    wait_for_slots(1)
    job_id = flink.submit(job_script(bootstrap, source, sink), config)
    started.append(job_id)
    job = wait_for(lambda: running(flink, job_id))
    assert job and job.name == name
    assert sorted(r["id"] for r in read(bootstrap, sink, 2)) == ["a", "c"]

    savepoint = flink.stop_with_savepoint(job_id, f"file://{tmp_path}/savepoints")
    assert savepoint.startswith("file:") and "savepoint" in savepoint
    assert {j.job_id: j.state for j in flink.list_jobs()}[job_id] == "FINISHED"

    produce(bootstrap, source, [{"id": "d", "amount": 3}])
    wait_for_slots(1)
    resumed = flink.submit(
        job_script(bootstrap, source, sink), {**config, "execution.savepoint.path": savepoint}
    )
    started.append(resumed)
    assert resumed != job_id and wait_for(lambda: running(flink, resumed))
    assert flink.checkpoint_stats(resumed).restored_path == savepoint
    # state restored: the resumed job continues after "c" -> only "d" is new, nothing reprocessed
    assert [r["id"] for r in read(bootstrap, sink, 3, settle=5)] == ["a", "c", "d"]


def test_explain_returns_the_planner_error_for_a_bad_statement(local_stack, flink, topics):
    source, sink = topics
    script = job_script(local_stack.kafka_bootstrap, source, sink)
    assert flink.explain(script) == []
    errors = flink.explain([*script[:2], "INSERT INTO dst SELECT id, no_such_column FROM src"])
    assert len(errors) == 1
    assert "no_such_column" in errors[0] and "not found" in errors[0].lower()
    assert "\tat " not in errors[0]  # a summary, not a stack trace
