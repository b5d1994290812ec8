"""`on_bad_record: skip | dead_letter` on an avro-confluent source, on the real local stack:
streamt's decoder function (built by apply with javac, shipped with the job) turns each record's
Confluent-framed bytes into JSON, with the writer schema from the stack's registry, and the JSON
path parses and routes it. Good records (one with a NULL in a union) reach the model's topic
exactly; a record whose schema id the registry does not know, bytes that are not Confluent Avro
and a body that does not decode reach the side topic with their topic, partition, offset and
reason (and, dead-lettered, their bytes as base64); `status` counts them and the job keeps
running. With an event time (read in the table's WATERMARK, decoded there by the same
function) a window over the good records closes with exactly them. `fail` on the same kinds of record: test_apply_poison_records.py::
test_an_undecodable_avro_record_is_named_and_located.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from .test_apply_support import (
    destroy,
    drop_topics,
    produce_values,
    streamt,
    wait_for_slots,
    write_cli_project,
)
from .test_bad_record_policies import assert_running_and_counted, rows

pytestmark = pytest.mark.integration

PAID_AT = 1_767_225_600_000  # 2026-01-01 00:00:00 UTC, epoch milliseconds


def _varint(n: int) -> bytes:  # Avro's zigzag varint (int and long)
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while z & ~0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)
    return bytes(out)


def _body(id_: str, amount: int | None, paid_at_ms: int) -> bytes:
    text = id_.encode()
    union = _varint(0) if amount is None else _varint(1) + _varint(amount)
    return _varint(len(text)) + text + union + _varint(paid_at_ms)


FOREIGN: list[tuple[bytes, str | None]] = [  # bad whatever the schema: value, its error
    (
        b"\x00" + (987654321).to_bytes(4, "big") + _body("b1", 1, PAID_AT),
        "unknown schema id 987654321 (the registry does not know it)",
    ),
    (b'{"id":"json, not avro"}', "not Confluent Avro: its first byte is not 0"),
]


def _register(registry: str, topic: str, name: str) -> tuple[str, int]:
    """The value schema (id, amount: a union with null, paid_at: timestamp-millis) registered
    for `topic`: its text and id."""
    schema = json.dumps(
        {
            "type": "record",
            "name": name,
            "fields": [
                {"name": "id", "type": "string"},
                {"name": "amount", "type": ["null", "int"]},
                {"name": "paid_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
            ],
        },
        separators=(",", ":"),
    )
    registered = httpx.post(
        f"{registry}/subjects/{topic}-value/versions", json={"schema": schema}, timeout=10
    )
    assert registered.status_code == 200, registered.text
    return schema, int(registered.json()["id"])


def _names(kind: str, policy: str) -> tuple[str, str, str, str, str]:
    """A run's tag, project, source topic, model and side topic (names unique to the run)."""
    tag = uuid.uuid4().hex[:8]
    model = f"{kind}_out_{tag}"
    side = f"{model}.{'skipped' if policy == 'skip' else 'dead_letters'}"
    return tag, f"{kind}{tag}", f"{kind}.raw.{tag}", model, side


def _framing(schema_id: int) -> bytes:
    """Confluent's wire-format header: magic byte 0, then the schema id (4 bytes, big endian)."""
    return b"\x00" + schema_id.to_bytes(4, "big")


def _assert_routed(
    side: str, topic: str, records: Sequence[tuple[bytes | None, str | None]], policy: str
) -> int:
    """The side topic holds exactly the records with an error (dead-lettered: and their bytes
    as base64); their number."""
    bad = [(offset, value, error) for offset, (value, error) in enumerate(records) if error]
    routed = sorted(rows(side, len(bad)), key=lambda r: r["offset"])
    assert routed == [
        {"topic": topic, "partition": 0, "offset": offset, "error": error}
        | ({"record": base64.b64encode(value or b"").decode()} if policy == "dead_letter" else {})
        for offset, value, error in bad
    ]
    return len(bad)


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
def test_bad_avro_records_are_routed_and_counted_and_the_job_keeps_running(
    policy: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag, project, topic, model, side = _names("avrorec", policy)
    registry = local_stack.schema_registry_url
    schema, schema_id = _register(registry, topic, f"P{tag}")
    header = _framing(schema_id)
    records: list[tuple[bytes | None, str | None]] = [  # value, the error it is routed with
        (header + _body("g1", 1, PAID_AT), None),
        (None, None),  # a tombstone: no record, neither a row nor a bad record
        *FOREIGN,
        (
            header + b"\x10ab",  # a string of 8 bytes cut short after 2
            f"schema id {schema_id}: its body does not decode (EOFException)",
        ),
        (header + _body("g2", None, PAID_AT + 2000), None),
        (
            header + _body("b2", 3, PAID_AT) + b"\x00\x00",
            f"schema id {schema_id}: its body does not decode (bytes left over)",
        ),
    ]
    produce_values(local_stack, topic, [value for value, _ in records])
    own = f"    on_bad_record: {policy}\n"
    body = f"""\
sources:
  - name: raw
    topic: {topic}
{own}    schema:
      format: avro
      definition: '{schema}'
models:
  - name: {model}
    sql: SELECT id, amount, paid_at FROM {{{{ source("raw") }}}}
    advanced:
      topic: {{partitions: 1}}
"""
    path = write_cli_project(tmp_path, local_stack, project, body, registry=True)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert list((path / "target" / "udf").glob("streamt-avro-json-*.jar"))  # built by apply

        good = [
            {"id": "g1", "amount": 1, "paid_at": "2026-01-01 00:00:00"},
            {"id": "g2", "amount": None, "paid_at": "2026-01-01 00:00:02"},
        ]
        assert sorted(rows(model, len(good)), key=lambda r: r["id"]) == good
        bad = _assert_routed(side, topic, records, policy)
        assert_running_and_counted(local_stack, path, f"streamt.{project}.{model}", policy, bad)
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)
        httpx.delete(f"{registry}/subjects/{topic}-value", timeout=10)


@pytest.mark.parametrize("policy", ["skip", "dead_letter"])
def test_an_avro_source_with_an_event_time_is_guarded_and_its_windows_close(
    policy: str,
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag, project, topic, model, side = _names("avrotime", policy)
    registry = local_stack.schema_registry_url
    schema, schema_id = _register(registry, topic, f"T{tag}")
    header = _framing(schema_id)
    records: list[tuple[bytes | None, str | None]] = [  # value, the error it is routed with
        (header + _body("g1", 1, PAID_AT), None),
        (None, None),  # a tombstone: no record, neither a row nor a bad record
        *FOREIGN,
        (header + _body("g2", 4, PAID_AT + 30_000), None),
        (header + _body("g3", None, PAID_AT + 120_000), None),  # closes 00:00's window
    ]
    produce_values(local_stack, topic, [value for value, _ in records])
    body = f"""\
sources:
  - name: raw
    topic: {topic}
    on_bad_record: {policy}
    schema:
      format: avro
      definition: '{schema}'
    event_time: {{column: paid_at}}
models:
  - name: {model}
    sql: |
      SELECT window_start, COUNT(*) AS n, SUM(amount) AS total
      FROM TABLE(TUMBLE(TABLE {{{{ source("raw") }}}}, DESCRIPTOR(paid_at), INTERVAL '1' MINUTE))
      GROUP BY window_start, window_end
    advanced:
      topic: {{partitions: 1}}
"""
    path = write_cli_project(tmp_path, local_stack, project, body, registry=True)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(path), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        # the bad records (event time 1970 in the table) neither count nor hold the watermark
        assert rows(model, 1) == [{"window_start": "2026-01-01 00:00:00", "n": 2, "total": 5}]
        bad = _assert_routed(side, topic, records, policy)
        assert_running_and_counted(local_stack, path, f"streamt.{project}.{model}", policy, bad)
    finally:
        destroy(project, "default")
        drop_topics(local_stack, topic, model, side)
        httpx.delete(f"{registry}/subjects/{topic}-value", timeout=10)
