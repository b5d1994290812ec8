"""Flink SQL through the SQL Gateway on the real stack: Kafka JSON and Avro (registry)."""

from __future__ import annotations

import io
import json
import struct

import fastavro
import httpx
import pytest
from confluent_kafka import Consumer, Producer

from tests.flink_helpers import SqlGatewaySession, cancel_job, wait_job_state
from tests.kafka_helpers import consume_json, create_topic, produce_json, unique

pytestmark = pytest.mark.integration


def _kafka_table(name: str, columns: str, topic: str, bootstrap: str, fmt: str) -> str:
    return (
        f"CREATE TABLE {name} ({columns}) WITH ("
        f"'connector' = 'kafka', 'topic' = '{topic}', "
        f"'properties.bootstrap.servers' = '{bootstrap}', "
        f"'properties.group.id' = '{unique('g')}', "
        f"'scan.startup.mode' = 'earliest-offset', {fmt})"
    )


def test_json_job_reads_kafka_and_writes_kafka(local_stack):
    bootstrap = local_stack.kafka_bootstrap
    src, dst = unique("json_src"), unique("json_dst")
    create_topic(bootstrap, src)
    create_topic(bootstrap, dst)
    rows = [{"id": i, "name": f"user-{i}", "amount": i * 1.5} for i in range(1, 8)]
    produce_json(bootstrap, src, rows, key="id")
    fmt = "'format' = 'json'"
    with SqlGatewaySession(local_stack.sql_gateway_url) as session:
        session.execute(
            _kafka_table("src", "id BIGINT, name STRING, amount DOUBLE", src, bootstrap, fmt)
        )
        session.execute(
            _kafka_table("dst", "id BIGINT, name STRING, doubled DOUBLE", dst, bootstrap, fmt)
        )
        job = session.execute(
            "INSERT INTO dst SELECT id, UPPER(name), amount * 2 FROM src WHERE id <> 4"
        )["job_id"]
    assert job
    try:
        wait_job_state(local_stack.flink_rest_url, job, {"RUNNING"})
        got = consume_json(bootstrap, dst, 6, timeout=60)
    finally:
        cancel_job(local_stack.flink_rest_url, job)
    expected = [
        {"id": r["id"], "name": r["name"].upper(), "doubled": r["amount"] * 2}
        for r in rows
        if r["id"] != 4
    ]
    assert got == expected


ORDER_SCHEMA = {
    "type": "record",
    "name": "Order",
    "namespace": "streamt.test",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "item", "type": "string"},
        {"name": "qty", "type": "int"},
    ],
}


def _register(registry: str, subject: str, schema: dict[str, object]) -> int:
    resp = httpx.post(
        f"{registry}/subjects/{subject}/versions",
        json={"schema": json.dumps(schema)},
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        timeout=10,
    )
    resp.raise_for_status()
    return int(resp.json()["id"])


def _confluent_avro(schema_id: int, schema: dict[str, object], record: dict[str, object]) -> bytes:
    buf = io.BytesIO()
    buf.write(b"\x00" + struct.pack(">I", schema_id))
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), record)
    return buf.getvalue()


def _decode_confluent_avro(registry: str, payload: bytes) -> dict[str, object]:
    assert payload[0] == 0, "not Confluent wire format"
    schema_id = struct.unpack(">I", payload[1:5])[0]
    schema = json.loads(
        httpx.get(f"{registry}/schemas/ids/{schema_id}", timeout=10).json()["schema"]
    )
    value: dict[str, object] = fastavro.schemaless_reader(io.BytesIO(payload[5:]), schema, None)
    return value


def _consume_raw(bootstrap: str, topic: str, n: int, timeout: float) -> list[bytes]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": unique("raw"), "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([topic])
    out: list[bytes] = []
    import time

    deadline = time.monotonic() + timeout
    try:
        while len(out) < n and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                out.append(msg.value())
    finally:
        consumer.close()
    assert len(out) == n, f"got {len(out)} of {n} records from {topic}"
    return out


def test_avro_confluent_job_through_the_schema_registry(local_stack):
    bootstrap, registry = local_stack.kafka_bootstrap, local_stack.schema_registry_url
    src, dst = unique("avro_src"), unique("avro_dst")
    create_topic(bootstrap, src)
    create_topic(bootstrap, dst)
    schema_id = _register(registry, f"{src}-value", ORDER_SCHEMA)
    orders = [{"id": i, "item": f"item-{i % 3}", "qty": i} for i in range(1, 6)]
    producer = Producer({"bootstrap.servers": bootstrap})
    for order in orders:
        producer.produce(src, value=_confluent_avro(schema_id, ORDER_SCHEMA, order))
    assert producer.flush(15) == 0
    fmt = f"'format' = 'avro-confluent', 'avro-confluent.url' = '{registry}'"
    with SqlGatewaySession(local_stack.sql_gateway_url) as session:
        session.execute(_kafka_table("src", "id BIGINT, item STRING, qty INT", src, bootstrap, fmt))
        session.execute(
            _kafka_table(
                "dst",
                "id BIGINT NOT NULL, item STRING NOT NULL, total INT NOT NULL",
                dst,
                bootstrap,
                fmt,
            )
        )
        job = session.execute("INSERT INTO dst SELECT id, item, qty * 10 FROM src")["job_id"]
    try:
        wait_job_state(local_stack.flink_rest_url, job, {"RUNNING"})
        payloads = _consume_raw(bootstrap, dst, len(orders), timeout=60)
    finally:
        cancel_job(local_stack.flink_rest_url, job)
    got = [_decode_confluent_avro(registry, p) for p in payloads]
    assert got == [{"id": o["id"], "item": o["item"], "total": o["qty"] * 10} for o in orders]
    subjects = httpx.get(f"{registry}/subjects", timeout=10).json()
    assert f"{dst}-value" in subjects  # Flink registered the sink schema through the root API
