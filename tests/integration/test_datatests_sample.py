"""Sample tests on the real Kafka: every assertion kind passes on good data and fails on bad data.

Two topics hold the same shape of records: `good` satisfies every assertion, `bad` violates
each one. The same 11 sample tests (one per assertion kind) run against both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.local.endpoints import Endpoints
from streamt.testing.kafka_io import OutRow, produce_rows
from streamt.testing.results import Status
from streamt.testing.runner import RunOptions, run_tests
from tests.integration.test_datatests_support import (
    create_topics,
    env_for,
    now_ms,
    unique,
    write_project,
)

pytestmark = pytest.mark.integration

KINDS = {
    "not_null": "not_null: {columns: [order_id, amount]}",
    "accepted_values": "accepted_values: {column: status, values: [NEW, PAID]}",
    "range": "range: {column: amount, min: 0, max: 1000}",
    "accepted_types": "accepted_types: {types: {order_id: string, amount: number}}",
    "custom_sql": "custom_sql: {name: paid_needs_amount, where: \"status = 'PAID' AND amount < 1\"}",
    "unique_key": "unique_key: {key: order_id}",
    "foreign_key": "foreign_key: {column: customer_id, ref: customers, ref_column: id, window: 1h}",
    "distribution": "distribution: {column: amount, buckets: [{max: 100, expected_ratio: 0.5, tolerance: 0.2}, {min: 100, expected_ratio: 0.5, tolerance: 0.2}]}",
    "max_lag": "max_lag: {column: ts, max: 30s}",
    "throughput": "throughput: {min_per_second: 0.5, max_per_second: 5, window: 10s}",
    "freshness": "freshness: {max_age: 10m}",
}


def _iso(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S.%f"
    )[:-3]


def _good(start: int) -> list[OutRow]:
    rows = []
    for i in range(40):  # 1 record/s for 40 s
        stamp = start + i * 1000
        value = {
            "order_id": f"o{i}",
            "customer_id": f"c{i % 3}",
            "amount": 50.0 if i % 2 else 150.0,
            "status": "PAID" if i % 2 else "NEW",
            "ts": _iso(stamp - 1000),
        }
        rows.append(OutRow(value, stamp))
    return rows


def _bad(start: int) -> list[OutRow]:
    rows = []
    for i in range(40):  # 20 records in 2 s, then nothing for 30 s, then 20 more
        stamp = start + i * 100 + (30_000 if i >= 20 else 0)
        value = {
            "order_id": f"o{i % 30}",
            "customer_id": "c9" if i == 7 else f"c{i % 3}",
            "amount": 5000.0 if i == 3 else 10.0,
            "status": "LOST" if i == 5 else "PAID",
            "ts": _iso(stamp - (120_000 if i == 9 else 1000)),
        }
        if i == 1:
            value["order_id"] = None
        if i == 2:
            value["amount"] = "12,5"
        if i == 4:
            value["amount"] = 0.5
        rows.append(OutRow(value, stamp))
    return rows


def test_every_assertion_passes_on_good_data_and_fails_on_bad(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    good, bad, customers = unique("dt_good"), unique("dt_bad"), unique("dt_customers")
    create_topics(local_stack.kafka_bootstrap, good, bad, customers)
    now = now_ms()
    produce_rows(
        local_stack.kafka_bootstrap,
        customers,
        [OutRow({"id": f"c{i}"}, now - 120_000) for i in range(3)],
    )
    produce_rows(local_stack.kafka_bootstrap, good, _good(now - 60_000))
    produce_rows(local_stack.kafka_bootstrap, bad, _bad(now - 3_600_000))
    cols = "[{name: order_id, type: STRING}, {name: customer_id, type: STRING}, {name: amount, type: DOUBLE}, {name: status, type: STRING}, {name: ts, type: TIMESTAMP(3)}]"
    tests = "".join(
        f"  - name: {which}_{kind}\n    model: {which}\n    type: sample\n    sample_size: 100\n    timeout_seconds: 20\n    assertions: [{{{body}}}]\n"
        for which in ("good", "bad")
        for kind, body in KINDS.items()
    )
    project = write_project(
        tmp_path,
        local_stack,
        f"""\
sources:
  - {{name: good, topic: {good}, columns: {cols}}}
  - {{name: bad, topic: {bad}, columns: {cols}}}
  - {{name: customers, topic: {customers}, columns: [{{name: id, type: STRING}}]}}
tests:
{tests}""",
    )
    results = {r.name: r for r in run_tests(project, None, env_for(project), RunOptions())}
    report = "\n".join(
        f"{r.name}: {r.status.value} {r.message} {[o.message for o in r.outcomes]}"
        for r in results.values()
    )
    for kind in KINDS:
        assert results[f"good_{kind}"].status is Status.PASS, report
        assert results[f"bad_{kind}"].status is Status.FAIL, report
    assert results["bad_not_null"].outcomes[0].examples[0]["order_id"] is None
    assert "status='LOST'" in results["bad_accepted_values"].outcomes[0].message
    assert "above max 1000" in results["bad_range"].outcomes[0].message
    assert "amount='12,5' is not number" in results["bad_accepted_types"].outcomes[0].message
    assert results["bad_custom_sql"].outcomes[0].examples[0]["amount"] == 0.5
    assert "9 duplicate(s)" in results["bad_unique_key"].outcomes[0].message
    assert "customer_id='c9' has no match" in results["bad_foreign_key"].outcomes[0].message
    assert "lag 2m > 30s" in results["bad_max_lag"].outcomes[0].message
    assert "outside [0.5, 5]/s" in results["bad_throughput"].outcomes[0].message
    assert "old (> 10m)" in results["bad_freshness"].outcomes[0].message


def test_sample_start_positions_on_real_kafka(local_stack: Endpoints) -> None:
    from streamt.testing.kafka_io import StartAt, read_records

    topic = unique("dt_start")
    create_topics(local_stack.kafka_bootstrap, topic)
    base = now_ms() - 100_000
    produce_rows(
        local_stack.kafka_bootstrap, topic, [OutRow({"i": i}, base + i * 1000) for i in range(50)]
    )

    def ids(start: StartAt, n: int = 100) -> list[int]:
        return [
            r.value["i"]
            for r in read_records(
                local_stack.kafka_bootstrap, topic, max_records=n, timeout_s=15, start=start
            )
        ]

    assert ids(StartAt()) == list(range(50))
    assert ids(StartAt("latest"), 5) == [45, 46, 47, 48, 49]
    assert ids(StartAt("offset", 40)) == list(range(40, 50))
    assert ids(StartAt("time", base + 30_000)) == list(range(30, 50))
    assert ids(StartAt(), 7) == list(range(7))


def test_sample_test_decodes_confluent_avro_through_the_registry(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    import io
    import json

    import fastavro
    import httpx
    from confluent_kafka import Producer

    topic = unique("dt_avro")
    create_topics(local_stack.kafka_bootstrap, topic)
    schema = {
        "type": "record",
        "name": "Order",
        "fields": [
            {"name": "order_id", "type": ["null", "string"], "default": None},
            {"name": "amount", "type": "double"},
        ],
    }
    reply = httpx.post(
        f"{local_stack.schema_registry_url}/subjects/{topic}-value/versions",
        json={"schema": json.dumps(schema)},
        timeout=15,
    )
    assert reply.status_code == 200, reply.text
    schema_id = reply.json()["id"]
    parsed = fastavro.parse_schema(schema)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    for value in ({"order_id": "a", "amount": 1.5}, {"order_id": None, "amount": 2.0}):
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed, value)
        producer.produce(topic, b"\x00" + schema_id.to_bytes(4, "big") + buf.getvalue())
    assert producer.flush(15) == 0
    project = write_project(
        tmp_path,
        local_stack,
        f"""\
sources:
  - {{name: orders, topic: {topic}, columns: [{{name: order_id, type: STRING}}, {{name: amount, type: DOUBLE}}]}}
tests:
  - {{name: avro_types, model: orders, type: sample, assertions: [{{accepted_types: {{types: {{amount: number}}}}}}]}}
  - {{name: avro_not_null, model: orders, type: sample, assertions: [{{not_null: {{columns: [order_id]}}}}]}}
""",
    )
    results = {r.name: r for r in run_tests(project, None, env_for(project), RunOptions())}
    assert results["avro_types"].status is Status.PASS, results["avro_types"].message
    assert results["avro_not_null"].status is Status.FAIL
    assert results["avro_not_null"].outcomes[0].examples == ({"order_id": None, "amount": 2.0},)
