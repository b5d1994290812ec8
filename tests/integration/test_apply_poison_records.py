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

import httpx
import pytest

from .test_apply_support import (
    ACTIVE,
    destroy,
    drop_topics,
    jobs,
    paid_source,
    produce_values,
    streamt,
    wait_for_slots,
    write_cli_project,
)

pytestmark = pytest.mark.integration
GOOD = b'{"id":"a","amount":1,"paid_at":"2026-01-01 00:00:00"}'
NULL_EVENT_TIME = (
    "java.lang.NullPointerException in StreamRecordTimestampInserter: a NULL event time: field "
    "paid_at is missing or null; RECORD_AT"
)
CASES = {
    "missing_rowtime": (
        b'{"id":"b","amount":2}',
        NULL_EVENT_TIME + '{"id":"b","amount":2}; operator: Source: raw[',
    ),
    "null_rowtime": (
        b'{"id":"b","amount":2,"paid_at":null}',
        NULL_EVENT_TIME + '{"id":"b","amount":2,"paid_at":null}; operator: Source: raw[',
    ),
    "unparsable_rowtime": (
        b'{"id":"b","amount":2,"paid_at":"yesterday"}',
        "org.apache.flink.formats.json.JsonParseException: Fail to deserialize at field: "
        'paid_at.; RECORD_AT{"id":"b","amount":2,"paid_at":"yesterday"}; operator: Source: raw[',
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
    body = (
        paid_source(topic)
        + f"""\
models:
  - name: {model}
    sql: |
      SELECT id, amount, paid_at FROM {{{{ source("raw") }}}} WHERE amount > 0
    advanced:
      topic: {{partitions: 1}}
"""
    )
    return write_cli_project(root, stack, project, body)


def job_row(path: Path) -> dict:  # type: ignore[type-arg]
    status = streamt("status", "-p", str(path), "--format", "json")
    assert status.returncode in (0, 3), status.stdout + status.stderr  # 3: drift
    (row,) = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "flink_job"]
    return row  # type: ignore[no-any-return]


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
    produce_values(local_stack, topic, [GOOD, bad])
    path = write(tmp_path, local_stack, project, topic, model)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert f"flink_job.{model}: job " in applied.stderr
        assert expected in applied.stderr, applied.stderr
        assert "root cause: java.io.IOException" not in applied.stderr
        assert [s for _, s in jobs(local_stack, f"streamt.{project}.{model}") if s in ACTIVE] == []
        assert expected in str(job_row(path)["details"]["cause"])
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)


AVRO_CASES = {  # the record, what the cause says and where it is
    "unknown_schema_id": (
        b"\x00" + (987654321).to_bytes(4, "big") + b"\x02a",
        "RestClientException: Schema 987654321 not found.; error code: 40403; record at topic "
        "TOPIC partition 0 offset 1 (schema id 987654321); operator: Source: raw[",
    ),
    "truncated_body": (  # a known schema id (the good record's), a string cut short
        b"GOOD_HEADER\x10ab",
        "java.io.EOFException in BinaryDecoder: an Avro record body that does not decode with the "
        "schema its id names; record at topic TOPIC partition 0 offset 1 (schema id SCHEMA_ID: its "
        "body does not decode); operator: Source: raw[",
    ),
    "not_confluent_avro": (
        b'{"id":"json, not avro"}',
        "Unknown data format. Magic number does not match; record at topic TOPIC partition 0 "
        "offset 1 (not Confluent Avro: its first byte is not 0); operator: Source: raw[",
    ),
}


@pytest.mark.parametrize("kind", sorted(AVRO_CASES))
def test_an_undecodable_avro_record_is_named_and_located(
    kind: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"avrobad{tag}", f"avrobad.raw.{tag}", f"avrobad_out_{tag}"
    schema = f'{{"type":"record","name":"R{tag}","fields":[{{"name":"id","type":"string"}}]}}'
    registered = httpx.post(
        f"{local_stack.schema_registry_url}/subjects/{topic}-value/versions",
        json={"schema": schema},
        timeout=10,
    )
    assert registered.status_code == 200, registered.text
    good = b"\x00" + int(registered.json()["id"]).to_bytes(4, "big") + b"\x02a"
    bad, template = AVRO_CASES[kind]
    bad = bad.replace(b"GOOD_HEADER", good[:5])
    template = template.replace("SCHEMA_ID", str(registered.json()["id"]))
    produce_values(local_stack, topic, [good, bad])
    body = f"""\
sources:
  - name: raw
    topic: {topic}
    schema:
      format: avro
      definition: '{schema}'
models:
  - name: {model}
    sql: SELECT id FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    path = write_cli_project(tmp_path, local_stack, project, body, registry=True)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 1, applied.stdout + applied.stderr
        assert template.replace("TOPIC", topic) in applied.stderr, applied.stderr
        assert template.replace("TOPIC", topic) in str(job_row(path)["details"]["cause"])
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)
        httpx.delete(f"{local_stack.schema_registry_url}/subjects/{topic}-value", timeout=10)


def test_a_running_job_that_hits_a_bad_record_shows_why_in_status_and_test(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, topic, model = f"poisonrun{tag}", f"poisonrun.raw.{tag}", f"poisonrun_out_{tag}"
    produce_values(local_stack, topic, [GOOD])
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
        produce_values(local_stack, topic, [bad], create=False)  # the running job meets it
        row: dict = {}  # type: ignore[type-arg]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            row = job_row(path)
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
        assert expected in tested.stdout, tested.stdout  # test names where the record is too
        assert [s for _, s in jobs(local_stack, pipeline) if s == "RUNNING"] in ([], ["RUNNING"])
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model)
