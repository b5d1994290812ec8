"""`on_bad_record: skip | dead_letter` on the real local stack, through the CLI: a JSON source
topic gets good records mixed with one bad record of each kind (undecodable bytes, a string
where INT is declared, an object where INT is declared, a missing event time, a NULL event
time, an unparsable event time); the job keeps running, the model's topic holds exactly the
good rows, the side topic exactly the bad ones (topic, partition, offset, error; the record too
for dead_letter), and `status` counts them. The policy comes from the source or from
`defaults.sources.on_bad_record`; a model's own `on_bad_record` guards the model topics it reads
(bad records appended to an upstream model's topic by another writer are dead-lettered).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer

from tests.kafka_helpers import create_topic

from .test_apply_guards import drop_topics, jobs, streamt
from .test_apply_support import destroy, quiet_period, read_all, wait_for_slots

pytestmark = pytest.mark.integration
ACTIVE = {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "FAILING"}

RECORDS: list[tuple[bytes, str | None]] = [  # value, the error it must be routed with
    (b'{"id":"g1","amount":1,"paid_at":"2026-01-01 00:00:00"}', None),
    (b"\x00\x01not json{", "not a JSON object"),
    (
        b'{"id":"b1","amount":"abc","paid_at":"2026-01-01 00:00:01"}',
        "field amount: not of type INT",
    ),
    (
        b'{"id":"b2","amount":{"x":1},"paid_at":"2026-01-01 00:00:01"}',
        "field amount: an object or array, not of type INT",
    ),
    (b'{"id":"g2","amount":2,"paid_at":"2026-01-01 00:00:02"}', None),
    (b'{"id":"b3","amount":3}', "event time paid_at: missing, NULL or not of type TIMESTAMP(3)"),
    (
        b'{"id":"b4","amount":4,"paid_at":null}',
        "event time paid_at: missing, NULL or not of type TIMESTAMP(3)",
    ),
    (
        b'{"id":"b5","amount":5,"paid_at":"yesterday"}',
        "event time paid_at: missing, NULL or not of type TIMESTAMP(3)",
    ),
    (b'{"id":"g3","amount":null,"paid_at":"2026-01-01 00:00:03"}', None),  # NULL is a value
    (b'{"id":"g4","amount":4,"paid_at":"2026-01-01 00:00:04","extra":true}', None),
]
GOOD = [
    {"id": "g1", "amount": 1, "paid_at": "2026-01-01 00:00:00"},
    {"id": "g2", "amount": 2, "paid_at": "2026-01-01 00:00:02"},
    {"id": "g3", "amount": None, "paid_at": "2026-01-01 00:00:03"},
    {"id": "g4", "amount": 4, "paid_at": "2026-01-01 00:00:04"},
]


def write(root: Path, stack, project: str, topic: str, model: str, policy: str) -> Path:  # type: ignore[no-untyped-def]
    # skip comes from the project default, dead_letter from the source itself
    default = "skip" if policy == "skip" else "fail"
    own = "" if policy == "skip" else f"\n    on_bad_record: {policy}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "stream_project.yml").write_text(
        f"""\
project: {{name: {project}}}
runtime:
  kafka: {{bootstrap_servers: "{stack.kafka_bootstrap}"}}
  flink:
    default: local
    clusters:
      local: {{rest_url: "{stack.flink_rest_url}", sql_gateway_url: "{stack.sql_gateway_url}"}}
defaults:
  sources: {{on_bad_record: {default}}}
sources:
  - name: raw
    topic: {topic}{own}
    columns:
      - {{name: id, type: STRING}}
      - {{name: amount, type: INT}}
      - {{name: paid_at, type: TIMESTAMP(3)}}
    event_time:
      column: paid_at
      watermark: {{max_out_of_orderness_ms: 1000}}
models:
  - name: {model}
    sql: |
      SELECT id, amount, paid_at FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    )
    return root


def rows(topic: str, expect: int) -> list[dict]:  # type: ignore[type-arg]
    started = time.monotonic()
    deadline = started + 90
    found: list[dict] = []  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        found = [v for _, v in read_all("localhost:9092", topic, expect=expect, timeout=15)]
        if len(found) >= expect:
            time.sleep(quiet_period(started))  # nothing more may arrive
            return [v for _, v in read_all("localhost:9092", topic, expect=expect, timeout=15)]
        time.sleep(2)
    return found


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
def test_bad_records_are_routed_and_counted_and_the_job_keeps_running(
    policy: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"badrec{tag}", f"badrec.raw.{tag}", f"badrec_out_{tag}"
    side = f"{model}.{'skipped' if policy == 'skip' else 'dead_letters'}"
    create_topic(local_stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    for value, _ in RECORDS:
        producer.produce(topic, value)
    producer.flush(10)
    path = write(tmp_path, local_stack, project, topic, model, policy)
    try:
        plan = streamt("plan", "-p", str(path))
        assert f"+ topic {side}: create - new topic" in plan.stdout, plan.stdout + plan.stderr
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr

        assert sorted(rows(model, len(GOOD)), key=lambda r: r["id"]) == GOOD
        bad = [(offset, error) for offset, (_, error) in enumerate(RECORDS) if error]
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        expected = [
            {"topic": topic, "partition": 0, "offset": offset, "error": error}
            | ({"record": RECORDS[offset][0].decode()} if policy == "dead_letter" else {})
            for offset, error in bad
        ]
        assert routed == expected
        pipeline = f"streamt.{project}.{model}"
        assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == ["RUNNING"]

        status = streamt("status", "-p", str(path), "--format", "json")
        (row,) = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "flink_job"]
        label = "skipped" if policy == "skip" else "dead_lettered"
        assert row["state"] == "RUNNING" and row["details"][label] == len(bad), row
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)


def test_a_models_policy_guards_an_upstream_models_topic_written_by_someone_else(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic = f"badref{tag}", f"badref.raw.{tag}"
    up, down = f"badref_up_{tag}", f"badref_down_{tag}"
    side = f"{down}.dead_letters"
    create_topic(local_stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    goods = [value for value, error in RECORDS if error is None]
    for value in goods:
        producer.produce(topic, value)
    producer.flush(10)
    path = write(tmp_path, local_stack, project, topic, up, "fail")
    text = (path / "stream_project.yml").read_text()
    (path / "stream_project.yml").write_text(
        text
        + f"""\
  - name: {down}
    on_bad_record: dead_letter
    sql: |
      SELECT id, amount, paid_at FROM {{{{ ref("{up}") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    )
    try:
        wait_for_slots(2)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert len(rows(up, len(GOOD))) == len(GOOD)  # the upstream job wrote its rows
        bad = [value for value, error in RECORDS if error]
        for value in bad:  # a foreign writer appends to the model's topic
            producer.produce(up, value)
        producer.flush(10)

        assert sorted(rows(down, len(GOOD)), key=lambda r: r["id"]) == GOOD
        routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
        expected = [
            {
                "topic": up,
                "partition": 0,
                "offset": len(GOOD) + i,
                "error": error,
                "record": value.decode(),
            }
            for i, (value, error) in enumerate((v, e) for v, e in RECORDS if e)
        ]
        assert routed == expected
        running = [s for _, s in jobs(local_stack, f"streamt.{project}.{down}") if s in ACTIVE]
        assert running == ["RUNNING"]
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, up, down, side)
