"""A job that dies on one bad record, on the real local stack, through the CLI: `apply` and
`status` name the record and where it is (topic, partition, offset), the field or reason, and
the operator chain from Flink's exception history — not the outermost Java exception. One good record then one bad record per kind:
a missing event-time field (NULL rowtime), undecodable bytes, a string where INT is declared,
an Avro record whose schema id the registry does not know. A job that ran and then meets a bad
record restarts: `status` shows why (with where the record is), `test` notes it on the sample
tests of that model, and `destroy` still works while the job flips RESTARTING / RUNNING.
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
from .test_apply_support import destroy, wait_for_slots

pytestmark = pytest.mark.integration
ACTIVE = {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "FAILING"}
GOOD = b'{"id":"a","amount":1,"paid_at":"2026-01-01 00:00:00"}'
CASES = {
    "null_rowtime": (
        b'{"id":"b","amount":2}',
        "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event-time "
        '(rowtime) value: the record lacks its event-time field, or it is null; RECORD_AT{"id":"b",'
        '"amount":2}; operator: Source: raw[',
    ),
    "undecodable": (
        b"\x00\x01not json{",
        "JsonParseException: Illegal character ((CTRL-CHAR, code 1)): only regular white space "
        "(\\r, \\n, \\t) is allowed between tokens; RECORD_AT\\x00\\x01not json{; operator: "
        "Source: raw[",
    ),
    "type_mismatch": (
        b'{"id":"c","amount":"abc","paid_at":"2026-01-01 00:00:00"}',
        "org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: amount.; "
        'RECORD_AT{"id":"c","amount":"abc","paid_at":"2026-01-01 00:00:00"}; operator: Source: raw[',
    ),
}


def write(root: Path, stack, project: str, topic: str, model: str) -> Path:  # type: ignore[no-untyped-def]
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
sources:
  - name: raw
    topic: {topic}
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
      SELECT id, amount, paid_at FROM {{{{ source("raw") }}}} WHERE amount > 0
    advanced:
      topic: {{partitions: 1}}
"""
    )
    return root


@pytest.mark.parametrize("kind", sorted(CASES))
def test_apply_and_status_name_the_bad_record_and_why(
    kind: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"poison{tag}", f"poison.raw.{tag}", f"poison_out_{tag}"
    bad, template = CASES[kind]
    # the bad record is the second one produced: partition 0, offset 1, found back in Kafka
    expected = template.replace("RECORD_AT", f"record at topic {topic} partition 0 offset 1: ")
    create_topic(local_stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    for value in (GOOD, bad):
        producer.produce(topic, value)
    producer.flush(10)
    path = write(tmp_path, local_stack, project, topic, model)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert f"flink_job.{model}: job " in applied.stderr
        assert expected in applied.stderr, applied.stderr
        assert "root cause: java.io.IOException" not in applied.stderr
        assert [s for _, s in jobs(local_stack, f"streamt.{project}.{model}") if s in ACTIVE] == []

        status = streamt("status", "-p", str(path), "--format", "json")
        assert status.returncode in (0, 3), status.stdout + status.stderr  # 3: drift
        (row,) = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "flink_job"]
        assert expected in str(row["details"]["cause"]), row
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)


def test_an_avro_record_with_an_unknown_schema_id_is_named_and_located(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"avrobad{tag}", f"avrobad.raw.{tag}", f"avrobad_out_{tag}"
    create_topic(local_stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    producer.produce(topic, b"\x00" + (987654321).to_bytes(4, "big") + b"\x02a")
    producer.flush(10)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "stream_project.yml").write_text(
        f"""\
project: {{name: {project}}}
runtime:
  kafka: {{bootstrap_servers: "{local_stack.kafka_bootstrap}"}}
  schema_registry: {{url: "{local_stack.schema_registry_url}"}}
  flink:
    default: local
    clusters:
      local:
        rest_url: "{local_stack.flink_rest_url}"
        sql_gateway_url: "{local_stack.sql_gateway_url}"
sources:
  - name: raw
    topic: {topic}
    schema:
      format: avro
      definition: '{{"type":"record","name":"R{tag}","fields":[{{"name":"id","type":"string"}}]}}'
models:
  - name: {model}
    sql: SELECT id FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    )
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(tmp_path), "--auto-approve")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert (
            "RestClientException: Schema 987654321 not found.; error code: 40403; record at "
            f"topic {topic} partition 0 offset 0 (schema id 987654321); operator: Source: raw["
        ) in applied.stderr, applied.stderr
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)


def test_a_running_job_that_hits_a_bad_record_shows_why_in_status_and_test(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"poisonrun{tag}", f"poisonrun.raw.{tag}", f"poisonrun_out_{tag}"
    create_topic(local_stack.kafka_bootstrap, topic)
    producer = Producer({"bootstrap.servers": local_stack.kafka_bootstrap})
    producer.produce(topic, GOOD)
    producer.flush(10)
    path = write(tmp_path, local_stack, project, topic, model)
    sample = f"""\
tests:
  - name: ids_{tag}
    model: {model}
    type: sample
    assertions: [{{not_null: {{columns: [id]}}}}]
"""
    (path / "stream_project.yml").write_text((path / "stream_project.yml").read_text() + sample)
    bad, template = CASES["type_mismatch"]
    expected = template.replace("RECORD_AT", f"record at topic {topic} partition 0 offset 1: ")
    pipeline = f"streamt.{project}.{model}"
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        producer.produce(topic, bad)  # the running job meets a bad record and restarts
        producer.flush(10)
        row: dict = {}  # type: ignore[type-arg]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = streamt("status", "-p", str(path), "--format", "json")
            (row,) = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "flink_job"]
            if row["state"] in ("RESTARTING", "FAILING", "FAILED") and expected in str(
                row["details"].get("cause")
            ):
                break
            time.sleep(2)
        assert expected in str(row["details"].get("cause")), row

        deadline = time.monotonic() + 60  # the job alternates RESTARTING / RUNNING
        while time.monotonic() < deadline:
            tested = streamt("test", "-p", str(path), "--type", "sample")
            if "the model's job " in tested.stdout:
                break
            time.sleep(2)
        assert "is RESTARTING: " in tested.stdout or "is FAILED: " in tested.stdout, (
            tested.stdout + tested.stderr
        )
        assert f"Fail to deserialize at field: amount.; record: {bad.decode()}" in tested.stdout
        assert [s for _, s in jobs(local_stack, pipeline) if s == "RUNNING"] in ([], ["RUNNING"])
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)
