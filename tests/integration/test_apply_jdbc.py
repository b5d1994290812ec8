"""A JDBC sink into PostgreSQL through apply: a Flink job writes Connect-JSON envelopes, a
Debezium JDBC sink connector (password given as `${PG_PASSWORD}`, resolved in memory) upserts
them into a table; the exact rows are read back with psql, and the secret is in no ledger
record."""

from __future__ import annotations

import time

import pytest

from streamt.compile.specs import DesiredState
from streamt.resources import ConnectorSpec, TopicSpec
from streamt.state import KafkaLedgerStore
from tests.kafka_helpers import produce_json

from .test_apply_support import cleanup, deploy, flink_job, session, table_ddl, unique

pytestmark = pytest.mark.integration

ENVELOPE = (
    "ROW<`type` STRING, `name` STRING, `optional` BOOLEAN, "
    "`fields` ARRAY<ROW<`field` STRING, `type` STRING, `optional` BOOLEAN>>>"
)
SCHEMA_VALUE = (
    "ROW('struct', 'order_row', FALSE, ARRAY[ROW('order_id', 'string', FALSE), "
    "ROW('amount', 'int32', FALSE)])"
)


def project(name: str, table: str, pg) -> DesiredState:  # type: ignore[no-untyped-def]
    raw, out = f"{name}.raw", f"{name}.rows"
    src = table_ddl(
        "raw", raw, [("order_id", "STRING"), ("amount", "INT")], group=f"streamt.{name}.rows"
    )
    dst = table_ddl(
        "rows", out, [("schema", ENVELOPE), ("payload", "ROW<`order_id` STRING, `amount` INT>")]
    )
    query = f"SELECT {SCHEMA_VALUE}, ROW(`order_id`, `amount`) FROM `raw` WHERE `amount` > 0"
    sink = ConnectorSpec(
        f"{name}-pg",
        {
            "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
            "tasks.max": "1",
            "topics": out,
            "connection.url": pg.jdbc_url,
            "connection.username": pg.user,
            "connection.password": "${PG_PASSWORD}",
            "insert.mode": "upsert",
            "primary.key.mode": "record_value",
            "primary.key.fields": "order_id",
            "schema.evolution": "basic",
            "table.name.format": table,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "true",
            "consumer.override.auto.offset.reset": "earliest",
        },
        topics=(out,),
        node=f"model.{name}.pg",
    )
    return DesiredState(
        project=name,
        topics=(
            TopicSpec(raw, 1, 1, {}, node=f"source.{name}.raw"),
            TopicSpec(out, 1, 1, {}, node=f"model.{name}.rows"),
        ),
        jobs=(flink_job(name, "rows", src, dst, query, "rows"),),
        connectors=(sink,),
    )


def wait_rows(pg, table: str, n: int, timeout: float = 90.0) -> list[tuple[str, ...]]:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    rows: list[tuple[str, ...]] = []
    while time.monotonic() < deadline:
        try:
            rows = pg.query(f'SELECT order_id, amount FROM "{table}" ORDER BY order_id')
        except RuntimeError:
            rows = []
        if len(rows) >= n:
            return rows
        time.sleep(1)
    return rows


def test_jdbc_sink_into_postgres_with_a_secret_resolved_in_memory(local_stack, postgres):  # type: ignore[no-untyped-def]
    name = unique("it-jdbc")
    table = name.replace("-", "_")
    desired = project(name, table, postgres)
    try:
        _, report = deploy(desired, environ={"PG_PASSWORD": postgres.password})
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        produce_json(
            local_stack.kafka_bootstrap,
            f"{name}.raw",
            [
                {"order_id": "o1", "amount": 10},
                {"order_id": "o2", "amount": 0},
                {"order_id": "o3", "amount": 7},
                {"order_id": "o1", "amount": 12},
            ],
        )
        assert wait_rows(postgres, table, 2) == [("o1", "12"), ("o3", "7")]
        time.sleep(3)
        assert wait_rows(postgres, table, 2) == [("o1", "12"), ("o3", "7")]
        records = [
            r
            for r in KafkaLedgerStore(local_stack.kafka_bootstrap).read()
            if r.key.startswith(f"{name}/")
        ]
        leaked = f'"connection.password":"{postgres.password}"'.encode()
        assert records and not any(leaked in (r.value or b"") for r in records)
        assert any(b'"connection.password":"${PG_PASSWORD}"' in (r.value or b"") for r in records)
        assert not session(desired).plan().has_changes
    finally:
        cleanup([desired])
