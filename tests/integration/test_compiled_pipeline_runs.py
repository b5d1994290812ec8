"""A compiled two-job pipeline runs on the local stack with real data: the event time of the
first job's output survives `ref()` (its topic is read with a WATERMARK), so the second job's
tumbling windows fire and count exactly the rows of each minute."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.local.endpoints import Endpoints
from tests.flink_helpers import cancel_job, wait_job_running_tasks
from tests.integration.test_apply_support import wait_for_slots
from tests.kafka_helpers import consume_json, create_topic, produce_json, unique
from tests.unit.compile.helpers import compile_dir

pytestmark = pytest.mark.integration

PROJECT = """
project: {name: PROJECT_NAME}
runtime:
  kafka: {bootstrap_servers: "KAFKA"}
sources:
  - name: clicks
    topic: SOURCE_TOPIC
    columns:
      - {name: user_id, type: STRING}
      - {name: kind, type: STRING}
      - {name: ts, type: TIMESTAMP(3)}
    event_time: {column: ts, watermark: {max_out_of_orderness_ms: 0}}
models:
  - name: real_clicks
    advanced: {flink: {parallelism: 1}, topic: {name: MID_TOPIC}}
    sql: |
      SELECT user_id, ts FROM {{ source("clicks") }} WHERE kind = 'click'
  - name: clicks_per_minute
    advanced: {flink: {parallelism: 1}, topic: {name: OUT_TOPIC}}
    sql: |
      SELECT window_start, COUNT(*) AS clicks
      FROM TABLE(TUMBLE(TABLE {{ ref("real_clicks") }}, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
"""


def test_windows_over_a_ref_fire_on_real_data(tmp_path: Path, local_stack: Endpoints) -> None:
    kafka = local_stack.kafka_bootstrap
    topics = {
        "SOURCE_TOPIC": unique("e2e_src"),
        "MID_TOPIC": unique("e2e_mid"),
        "OUT_TOPIC": unique("e2e_out"),
    }
    text = PROJECT.replace("KAFKA", kafka).replace("PROJECT_NAME", unique("e2e"))
    for placeholder, topic in topics.items():
        text = text.replace(placeholder, topic)
        create_topic(kafka, topic)
    (tmp_path / "stream_project.yml").write_text(textwrap.dedent(text).lstrip())
    result, diags = compile_dir(tmp_path)
    assert not [d for d in [*diags, *result.diagnostics] if d.is_error]
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    rows = [
        {"user_id": "a", "kind": "click", "ts": "2026-01-01 10:00:05.000"},
        {"user_id": "b", "kind": "view", "ts": "2026-01-01 10:00:10.000"},
        {"user_id": "b", "kind": "click", "ts": "2026-01-01 10:00:50.000"},
        {"user_id": "c", "kind": "click", "ts": "2026-01-01 10:01:20.000"},
        {
            "user_id": "d",
            "kind": "click",
            "ts": "2026-01-01 10:05:00.000",
        },  # advances the watermark
    ]
    produce_json(kafka, topics["SOURCE_TOPIC"], rows)
    started: list[str] = []
    wait_for_slots(len(result.desired.jobs))
    try:
        for job in sorted(result.desired.jobs, key=lambda j: j.name != "real_clicks"):
            job_id = flink.submit(list(job.statements), dict(job.config))
            started.append(job_id)
            wait_job_running_tasks(local_stack.flink_rest_url, job_id, timeout=120)
        out = consume_json(kafka, topics["OUT_TOPIC"], 2, timeout=120)
    finally:
        for job_id in started:
            cancel_job(local_stack.flink_rest_url, job_id)
    assert out == [
        {"window_start": "2026-01-01 10:00:00", "clicks": 2},
        {"window_start": "2026-01-01 10:01:00", "clicks": 1},
    ]


AVRO_PROJECT = """
project: {name: PROJECT_NAME}
runtime:
  kafka: {bootstrap_servers: "KAFKA"}
  schema_registry: {url: "REGISTRY"}
sources:
  - name: orders_raw
    topic: SOURCE_TOPIC
    schema:
      format: avro
      definition: |
        {"type": "record", "name": "Order", "namespace": "shop", "fields": [
          {"name": "order_id", "type": "string"},
          {"name": "amount", "type": "double"},
          {"name": "status", "type": ["null", "string"], "default": null},
          {"name": "order_ts", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}
    event_time: {column: order_ts}
models:
  - name: orders_clean
    advanced: {flink: {parallelism: 1}, topic: {name: OUT_TOPIC}}
    sql: |
      SELECT order_id, amount, COALESCE(status, 'new') AS status, order_ts
      FROM {{ source("orders_raw") }}
      WHERE amount > 0
"""


def test_avro_source_through_the_schema_registry(tmp_path: Path, local_stack: Endpoints) -> None:
    import io
    import json
    import struct

    import fastavro
    import httpx
    from confluent_kafka import Producer

    kafka, registry = local_stack.kafka_bootstrap, local_stack.schema_registry_url
    src, out = unique("e2e_avro_src"), unique("e2e_avro_out")
    for topic in (src, out):
        create_topic(kafka, topic)
    text = AVRO_PROJECT.replace("KAFKA", kafka).replace("REGISTRY", registry)
    text = text.replace("PROJECT_NAME", unique("e2e_avro"))
    text = text.replace("SOURCE_TOPIC", src).replace("OUT_TOPIC", out)
    (tmp_path / "stream_project.yml").write_text(textwrap.dedent(text).lstrip())
    result, diags = compile_dir(tmp_path)
    assert not [d for d in [*diags, *result.diagnostics] if d.is_error]
    (subject,) = result.desired.subjects
    assert subject.subject == f"{src}-value"
    resp = httpx.post(
        f"{registry}/subjects/{subject.subject}/versions",
        json={"schema": subject.schema_text},
        headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        timeout=10,
    )
    resp.raise_for_status()
    schema_id = int(resp.json()["id"])
    parsed = fastavro.parse_schema(json.loads(subject.schema_text))
    orders = [
        {"order_id": "o1", "amount": 12.5, "status": None, "order_ts": 1767261600000},
        {"order_id": "o2", "amount": -1.0, "status": "x", "order_ts": 1767261601000},
        {"order_id": "o3", "amount": 3.0, "status": "paid", "order_ts": 1767261602000},
    ]
    producer = Producer({"bootstrap.servers": kafka})
    for order in orders:
        buf = io.BytesIO()
        buf.write(b"\x00" + struct.pack(">I", schema_id))
        fastavro.schemaless_writer(buf, parsed, order)
        producer.produce(src, value=buf.getvalue())
    assert producer.flush(15) == 0
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    (job,) = result.desired.jobs
    wait_for_slots(1)
    job_id = flink.submit(list(job.statements), dict(job.config))
    try:
        wait_job_running_tasks(local_stack.flink_rest_url, job_id, timeout=120)
        got = consume_json(kafka, out, 2, timeout=120)
    finally:
        cancel_job(local_stack.flink_rest_url, job_id)
    assert got == [
        {"order_id": "o1", "amount": 12.5, "status": "new", "order_ts": "2026-01-01 10:00:00"},
        {"order_id": "o3", "amount": 3.0, "status": "paid", "order_ts": "2026-01-01 10:00:02"},
    ]


UPSERT_PROJECT = """
project: {name: PROJECT_NAME}
runtime:
  kafka: {bootstrap_servers: "KAFKA"}
sources:
  - name: clicks
    topic: SOURCE_TOPIC
    columns:
      - {name: page, type: STRING}
      - {name: user_id, type: STRING}
models:
  - name: clicks_per_page
    advanced: {flink: {parallelism: 1}, topic: {name: OUT_TOPIC}}
    sql: |
      SELECT page, COUNT(*) AS clicks, COUNT(DISTINCT user_id) AS users
      FROM {{ source("clicks") }}
      GROUP BY page
"""


def test_updating_aggregate_is_upserted_by_key(tmp_path: Path, local_stack: Endpoints) -> None:
    kafka = local_stack.kafka_bootstrap
    src, out = unique("e2e_up_src"), unique("e2e_up_out")
    for topic in (src, out):
        create_topic(kafka, topic)
    text = (
        UPSERT_PROJECT.replace("KAFKA", kafka)
        .replace("PROJECT_NAME", unique("e2e_upsert"))
        .replace("SOURCE_TOPIC", src)
        .replace("OUT_TOPIC", out)
    )
    (tmp_path / "stream_project.yml").write_text(textwrap.dedent(text).lstrip())
    result, diags = compile_dir(tmp_path)
    assert not [d for d in [*diags, *result.diagnostics] if d.is_error]
    (job,) = result.desired.jobs
    assert "'connector'='upsert-kafka'" in job.script
    rows = [
        {"page": p, "user_id": u}
        for p, u in [("home", "a"), ("home", "b"), ("cart", "a"), ("home", "a")]
    ]
    produce_json(kafka, src, rows)
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    wait_for_slots(1)
    job_id = flink.submit(list(job.statements), dict(job.config))
    try:
        wait_job_running_tasks(local_stack.flink_rest_url, job_id, timeout=120)
        records = consume_json(kafka, out, 4, timeout=120, with_keys=True)
    finally:
        cancel_job(local_stack.flink_rest_url, job_id)
    final: dict[str, object] = {}
    for key, value in records:
        final[key["page"]] = value
    assert final == {
        "home": {"page": "home", "clicks": 3, "users": 2},
        "cart": {"page": "cart", "clicks": 1, "users": 1},
    }
