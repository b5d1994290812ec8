"""Kafka Connect on the real stack: the Debezium JDBC sink writes a topic into PostgreSQL."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.kafka_helpers import create_topic, produce_json, unique

pytestmark = pytest.mark.integration

SCHEMA = {
    "type": "struct",
    "name": "customer",
    "optional": False,
    "fields": [
        {"field": "id", "type": "int64", "optional": False},
        {"field": "name", "type": "string", "optional": False},
        {"field": "score", "type": "int32", "optional": True},
    ],
}


def _wait_rows(postgres, table: str, n: int, timeout: float) -> list[tuple[str, ...]]:
    deadline = time.monotonic() + timeout
    rows: list[tuple[str, ...]] = []
    while time.monotonic() < deadline:
        try:
            rows = postgres.query(f'SELECT id, name, score FROM "{table}" ORDER BY id')
        except RuntimeError:  # table not created yet
            rows = []
        if len(rows) >= n:
            return rows
        time.sleep(0.5)
    raise TimeoutError(f"{len(rows)} of {n} rows in {table} after {timeout} s")


def test_jdbc_sink_writes_topic_into_postgres(local_stack, postgres):
    topic = unique("jdbc_customers")
    create_topic(local_stack.kafka_bootstrap, topic)
    customers = [
        {"id": 1, "name": "Ada", "score": 90},
        {"id": 2, "name": "Grace", "score": None},
        {"id": 3, "name": "Edsger", "score": 75},
    ]
    envelopes = [{"schema": SCHEMA, "payload": c} for c in customers]
    produce_json(local_stack.kafka_bootstrap, topic, envelopes)
    name = unique("jdbc-sink")
    config = {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "tasks.max": "1",
        "topics": topic,
        "connection.url": postgres.jdbc_url,
        "connection.username": postgres.user,
        "connection.password": postgres.password,
        "insert.mode": "upsert",
        "primary.key.mode": "record_value",
        "primary.key.fields": "id",
        "schema.evolution": "basic",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "true",
        "consumer.override.auto.offset.reset": "earliest",
    }
    connect = httpx.Client(base_url=local_stack.connect_url, timeout=30)
    resp = connect.put(f"/connectors/{name}/config", json=config)
    assert resp.status_code in (200, 201), resp.text
    try:
        rows = _wait_rows(postgres, topic, len(customers), timeout=60)
    finally:
        connect.delete(f"/connectors/{name}")
        connect.close()
    assert rows == [("1", "Ada", "90"), ("2", "Grace", ""), ("3", "Edsger", "75")]
