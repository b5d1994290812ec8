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
from tests.kafka_helpers import consume_json, create_topic, produce_json, unique
from tests.unit.compile.helpers import compile_dir

pytestmark = pytest.mark.integration

PROJECT = """
project: {name: e2e}
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
    text = PROJECT.replace("KAFKA", kafka)
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
