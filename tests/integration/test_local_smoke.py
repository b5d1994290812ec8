"""The shared stack is up: every endpoint answers (fast check the other tests build on)."""

from __future__ import annotations

import httpx
import pytest

from tests.kafka_helpers import consume_json, produce_json, unique

pytestmark = pytest.mark.integration


def test_every_endpoint_answers(local_stack):
    assert httpx.get(f"{local_stack.flink_rest_url}/overview").json()["taskmanagers"] >= 1
    assert httpx.get(f"{local_stack.sql_gateway_url}/v1/info").json()["version"] == "2.2.0"
    plugins = {p["class"] for p in httpx.get(f"{local_stack.connect_url}/connector-plugins").json()}
    assert "io.debezium.connector.jdbc.JdbcSinkConnector" in plugins
    assert "org.apache.kafka.connect.file.FileStreamSinkConnector" in plugins
    assert isinstance(httpx.get(f"{local_stack.schema_registry_url}/subjects").json(), list)


def test_json_round_trip_through_kafka(local_stack):
    topic = unique("smoke")
    rows = [{"id": i, "name": f"n{i}"} for i in range(5)]
    produce_json(local_stack.kafka_bootstrap, topic, rows, key="id")
    assert consume_json(local_stack.kafka_bootstrap, topic, 5, timeout=20) == rows


def test_postgres_fixture_answers(postgres):
    assert postgres.query("select 1 + 1") == [("2",)]
