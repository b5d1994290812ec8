"""Registry formats on the local stack, rows compared exactly: a subject `schemas pull` locked as
Avro is read with avro-confluent (records in Confluent's wire format); a JSON Schema source with
`format: json` reads plain JSON records with its nested, date and RFC 3339 date-time columns; a
`.proto` the real registry accepted gives the same columns and V185 at compile (Flink 2.2 has
no format for Confluent-framed Protobuf)."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.http import http_client
from streamt.compile import CompileResult, compile_project, parse_lock
from streamt.graph import build_graph
from streamt.load import load_project
from streamt.local.endpoints import Endpoints
from tests.flink_helpers import cancel_job, wait_job_running_tasks
from tests.integration.test_apply_support import wait_for_slots
from tests.kafka_helpers import consume_json, create_topic, produce_json, unique

pytestmark = pytest.mark.integration

SR = {"Content-Type": "application/vnd.schemaregistry.v1+json"}


def register(registry: str, subject: str, schema: str, schema_type: str) -> int:
    body: dict[str, str] = {"schema": schema}
    if schema_type != "AVRO":
        body["schemaType"] = schema_type
    resp = httpx.post(f"{registry}/subjects/{subject}/versions", json=body, headers=SR, timeout=10)
    assert resp.status_code == 200, resp.text
    return int(resp.json()["id"])


def write_project(path: Path, text: str) -> None:
    (path / "stream_project.yml").write_text(text, encoding="utf-8")


def fresh_topics(kafka: str, prefix: str) -> tuple[str, str]:
    """A source and an output topic with names unique to this run."""
    src, out = unique(f"{prefix}_src"), unique(f"{prefix}_out")
    for topic in (src, out):
        create_topic(kafka, topic)
    return src, out


def header(prefix: str, kafka: str, registry: str) -> str:
    """A project named for this run, on the fixture's Kafka and registry."""
    return (
        f"project: {{name: {unique(prefix)}}}\n"
        f'runtime:\n  kafka: {{bootstrap_servers: "{kafka}"}}\n'
        f'  schema_registry: {{url: "{registry}"}}\n'
    )


def compile_with_lock(path: Path) -> CompileResult:
    """Load, graph and compile as the CLI does, with the `schemas.lock` beside the project."""
    loaded = load_project(path)
    assert loaded.project is not None, [d.render() for d in loaded.diagnostics]
    graph, _ = build_graph(loaded.project)
    lock_file = path / "schemas.lock"
    lock = parse_lock(lock_file.read_text()) if lock_file.is_file() else None
    return compile_project(loaded.project, graph, lock=lock)


def streamt(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args, "-p", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_job(local_stack: Endpoints, result: CompileResult, out: str, n: int) -> list[object]:
    """Submit the project's one job, read `n` rows of its output, and check that no more come."""
    assert not [d.render() for d in result.diagnostics if d.is_error]
    flink = FlinkClient(
        http_client(local_stack.flink_rest_url), http_client(local_stack.sql_gateway_url)
    )
    (job,) = result.desired.jobs
    wait_for_slots(1)
    job_id = flink.submit(list(job.statements), dict(job.config))
    try:
        wait_job_running_tasks(local_stack.flink_rest_url, job_id, timeout=120)
        got = consume_json(local_stack.kafka_bootstrap, out, n, timeout=120)
        with pytest.raises(TimeoutError):
            consume_json(local_stack.kafka_bootstrap, out, n + 1, timeout=8)
    finally:
        cancel_job(local_stack.flink_rest_url, job_id)
    return got


AVRO = {
    "type": "record",
    "name": "Payment",
    "namespace": "shop",
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "cents", "type": "long"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    ],
}


def test_a_pulled_avro_subject_is_read_with_avro_confluent(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    import fastavro
    from confluent_kafka import Producer

    kafka, registry = local_stack.kafka_bootstrap, local_stack.schema_registry_url
    src, out = fresh_topics(kafka, "fmt_avro")
    schema_id = register(registry, f"{src}-value", json.dumps(AVRO), "AVRO")
    parsed = fastavro.parse_schema(AVRO)
    producer = Producer({"bootstrap.servers": kafka})
    payments = [
        {"id": "p1", "cents": 1250, "note": None, "at": 1767261600000},
        {"id": "p2", "cents": 0, "note": "free", "at": 1767261601000},
        {"id": "p3", "cents": 99, "note": "tip", "at": 1767261602500},
    ]
    for payment in payments:
        buf = io.BytesIO()
        buf.write(b"\x00" + struct.pack(">I", schema_id))  # Confluent's wire format
        fastavro.schemaless_writer(buf, parsed, payment)
        producer.produce(src, value=buf.getvalue())
    assert producer.flush(15) == 0
    write_project(
        tmp_path,
        header("fmt_avro", kafka, registry) + f"sources:\n  - {{name: payments, topic: {src}}}\n"
        "models:\n  - name: paid\n"
        f"    advanced: {{flink: {{parallelism: 1}}, topic: {{name: {out}}}}}\n"
        "    sql: |\n"
        "      SELECT id, cents / 100.0 AS amount, COALESCE(note, '-') AS note, at\n"
        '      FROM {{ source("payments") }} WHERE cents > 0\n',
    )
    pulled = streamt(tmp_path, "schemas", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert "R004" in pulled.stdout + pulled.stderr  # the switch is said
    result = compile_with_lock(tmp_path)
    script = result.desired.jobs[0].script
    assert "'format'='avro-confluent'" in script
    assert f"'avro-confluent.url'='{registry}'" in script
    assert result.desired.subjects == ()  # the subject is the producers'; nothing registered
    got = run_job(local_stack, result, out, 2)
    assert got == [
        {"id": "p1", "amount": 12.5, "note": "-", "at": "2026-01-01 10:00:00"},
        {"id": "p3", "amount": 0.99, "note": "tip", "at": "2026-01-01 10:00:02.5"},
    ]


JSON_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "price": {"type": "number"},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "buyer": {"$ref": "#/$defs/Buyer"},
    },
    "$defs": {
        "Buyer": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "vip": {"type": ["boolean", "null"]}},
        }
    },
}


def test_a_json_schema_source_reads_plain_json_records(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    kafka, registry = local_stack.kafka_bootstrap, local_stack.schema_registry_url
    src, out = fresh_topics(kafka, "fmt_json")
    definition = json.dumps(JSON_SCHEMA)
    write_project(
        tmp_path,
        header("fmt_json", kafka, registry)
        + f"sources:\n  - name: orders\n    topic: {src}\n    format: json\n"
        f"    schema: {{format: json, definition: '{definition}'}}\n"
        "models:\n  - name: enriched\n"
        f"    advanced: {{flink: {{parallelism: 1}}, topic: {{name: {out}}}}}\n"
        "    sql: |\n"
        "      SELECT id, price * 2 AS doubled, day, EXTRACT(DAY FROM day) AS dom,\n"
        "        at, CARDINALITY(tags) AS n_tags,\n"
        "        buyer.name AS buyer, COALESCE(buyer.vip, FALSE) AS vip\n"
        '      FROM {{ source("orders") }} WHERE id > 1\n',
    )
    result = compile_with_lock(tmp_path)
    assert [d.code for d in result.diagnostics if d.code.startswith("V18")] == []
    (subject,) = result.desired.subjects
    assert (subject.subject, subject.schema_type) == (f"{src}-value", "JSON")
    register(registry, subject.subject, subject.schema_text, "JSON")  # the registry accepts it
    produce_json(
        kafka,
        src,
        [
            {"id": 1, "price": 1.0, "day": "2026-01-01", "at": "2026-01-01T00:00:00Z"},
            {
                "id": 2,
                "price": 2.25,
                "day": "2026-03-09",
                "at": "2026-01-01T10:00:01.5Z",
                "tags": ["a", "b"],
                "buyer": {"name": "ann", "vip": True},
            },
            {"id": 3, "price": 0.5, "day": "2026-12-31", "at": "1970-01-02T00:00:00Z"},
        ],
    )
    got = run_job(local_stack, result, out, 2)
    assert got == [
        {
            "id": 2,
            "doubled": 4.5,
            "day": "2026-03-09",
            "dom": 9,
            "at": "2026-01-01 10:00:01.5Z",  # an instant: written in UTC, whatever the zone
            "n_tags": 2,
            "buyer": "ann",
            "vip": True,
        },
        {
            "id": 3,
            "doubled": 1.0,
            "day": "2026-12-31",
            "dom": 31,
            "at": "1970-01-02 00:00:00Z",
            "n_tags": None,
            "buyer": None,
            "vip": False,
        },
    ]


PROTO = """syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  repeated Line lines = 2;
  Status status = 3;
  google.protobuf.Timestamp at = 4;
  uint64 seq = 5;
  message Line { string sku = 1; int32 qty = 2; }
  enum Status { NEW = 0; PAID = 1; }
}
"""


def test_a_proto_the_registry_accepts_gives_columns_and_flink_cannot_read_it(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    registry = local_stack.schema_registry_url
    topic = unique("fmt_proto")
    register(registry, f"{topic}-value", PROTO, "PROTOBUF")
    write_project(
        tmp_path,
        f"project: {{name: {unique('fmt_proto')}}}\n"
        f'runtime:\n  schema_registry: {{url: "{registry}"}}\n'
        f"sources:\n  - {{name: orders, topic: {topic}}}\n"
        "models:\n  - name: m\n"
        '    sql: SELECT id, status FROM {{ source("orders") }}\n',
    )
    pulled = streamt(tmp_path, "schemas", "pull")
    assert pulled.returncode == 0, pulled.stderr
    lock = json.loads((tmp_path / "schemas.lock").read_text())["sources"]["orders"]
    assert lock["schema_type"] == "PROTOBUF"
    assert lock["columns"] == [
        {"name": "id", "type": "STRING"},
        {"name": "lines", "type": "ARRAY<ROW<`sku` STRING, `qty` INT>>"},
        {"name": "status", "type": "STRING"},
        {"name": "at", "type": "TIMESTAMP_LTZ(3)"},
        {"name": "seq", "type": "DECIMAL(20, 0)"},
    ]
    validated = streamt(tmp_path, "validate", "--format", "json")
    codes = [(d["code"], d["severity"]) for d in json.loads(validated.stdout)["diagnostics"]]
    assert ("V185", "error") in codes
    assert validated.returncode == 1


def test_a_proto_source_declared_json_reads_protobufs_json_mapping(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    """The alternative V185 names: records written as JSON (Protobuf's JSON mapping with the
    proto's field names: 64-bit integers as strings, enums by name, a Timestamp as RFC 3339)."""
    kafka, registry = local_stack.kafka_bootstrap, local_stack.schema_registry_url
    src, out = fresh_topics(kafka, "fmt_pjson")
    definition = "".join(f"        {line}\n" for line in PROTO.splitlines())
    write_project(
        tmp_path,
        header("fmt_pjson", kafka, registry)
        + f"sources:\n  - name: orders\n    topic: {src}\n    format: json\n"
        f"    schema:\n      format: protobuf\n      definition: |\n{definition}"
        "models:\n  - name: flat\n"
        f"    advanced: {{flink: {{parallelism: 1}}, topic: {{name: {out}}}}}\n"
        "    sql: |\n"
        "      SELECT id, CARDINALITY(lines) AS n_lines, lines[1].qty AS first_qty, status, at,\n"
        "        seq\n"
        "      FROM {{ source(\"orders\") }} WHERE status = 'PAID'\n",
    )
    result = compile_with_lock(tmp_path)
    assert [d.code for d in result.diagnostics if d.code.startswith("V18")] == []
    (subject,) = result.desired.subjects
    assert subject.schema_type == "PROTOBUF"
    register(registry, subject.subject, subject.schema_text, "PROTOBUF")  # as apply would
    produce_json(
        kafka,
        src,
        [
            {"id": "o1", "status": "NEW", "at": "2026-01-01T09:00:00Z", "seq": "1"},
            {
                "id": "o2",
                "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 5}],
                "status": "PAID",
                "at": "2026-01-01T10:00:00.250Z",
                "seq": "18446744073709551615",  # the largest uint64
            },
        ],
    )
    got = run_job(local_stack, result, out, 1)
    assert got == [
        {
            "id": "o2",
            "n_lines": 2,
            "first_qty": 2,
            "status": "PAID",
            "at": "2026-01-01 10:00:00.25Z",
            "seq": 18446744073709551615,
        }
    ]
