"""Stop-with-savepoint through the Flink REST API and resubmission keep a job's state.

To tell restored state from a recount, the records counted before the stop are deleted from
the source topic: a job without state would count only the records produced afterwards.
"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.flink_helpers import (
    SqlGatewaySession,
    cancel_job,
    stop_with_savepoint,
    wait_job_running_tasks,
    wait_job_state,
)
from tests.kafka_helpers import create_topic, produce_json, unique

pytestmark = pytest.mark.integration


def _latest_counts(
    bootstrap: str, topic: str, want: dict[str, int], timeout: float
) -> dict[str, int]:
    """Read the upsert topic until the latest count per key equals `want` (or time out)."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": unique("sp"), "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    latest: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and latest != want:
            msg = consumer.poll(0.5)
            if msg is None or msg.error() or msg.value() is None:
                continue
            row = json.loads(msg.value())
            latest[row["k"]] = row["c"]
    finally:
        consumer.close()
    return latest


def _delete_all_records(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("wm")})
    _low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    consumer.close()
    futures = admin.delete_records([TopicPartition(topic, 0, high)], request_timeout=10)
    for future in futures.values():
        future.result(timeout=10)


def _submit(gateway: str, bootstrap: str, src: str, dst: str, savepoint: str | None) -> str:
    props = {"execution.savepoint.path": savepoint} if savepoint else {}
    with SqlGatewaySession(gateway, props) as session:
        session.execute(
            f"CREATE TABLE src (k STRING) WITH ('connector' = 'kafka', 'topic' = '{src}', "
            f"'properties.bootstrap.servers' = '{bootstrap}', 'properties.group.id' = 'sp', "
            "'scan.startup.mode' = 'earliest-offset', 'format' = 'json')"
        )
        session.execute(
            "CREATE TABLE dst (k STRING, c BIGINT, PRIMARY KEY (k) NOT ENFORCED) WITH ("
            f"'connector' = 'upsert-kafka', 'topic' = '{dst}', "
            f"'properties.bootstrap.servers' = '{bootstrap}', "
            "'key.format' = 'json', 'value.format' = 'json')"
        )
        job = session.execute("INSERT INTO dst SELECT k, COUNT(*) AS c FROM src GROUP BY k")
    assert job["job_id"]
    return str(job["job_id"])


def test_stop_with_savepoint_and_resume_keeps_the_count(local_stack):
    bootstrap, rest = local_stack.kafka_bootstrap, local_stack.flink_rest_url
    src, dst = unique("sp_src"), unique("sp_dst")
    create_topic(bootstrap, src)
    create_topic(bootstrap, dst)
    produce_json(bootstrap, src, [{"k": "a"}] * 3 + [{"k": "b"}])

    first = _submit(local_stack.sql_gateway_url, bootstrap, src, dst, None)
    try:
        wait_job_running_tasks(rest, first)
        assert _latest_counts(bootstrap, dst, {"a": 3, "b": 1}, 60) == {"a": 3, "b": 1}
        savepoint = stop_with_savepoint(rest, first)
    except BaseException:
        cancel_job(rest, first)
        raise
    assert wait_job_state(rest, first, {"FINISHED", "CANCELED"}) == "FINISHED"

    _delete_all_records(bootstrap, src)  # a recount could now only see what comes next
    produce_json(bootstrap, src, [{"k": "a"}] * 2)
    second = _submit(local_stack.sql_gateway_url, bootstrap, src, dst, savepoint)
    try:
        wait_job_running_tasks(rest, second)
        restored = httpx.get(f"{rest}/jobs/{second}/checkpoints", timeout=10).json()
        assert restored["latest"]["restored"]["external_path"].rstrip("/") == savepoint.rstrip("/")
        assert _latest_counts(bootstrap, dst, {"a": 5, "b": 1}, 60) == {"a": 5, "b": 1}
    finally:
        cancel_job(rest, second)
