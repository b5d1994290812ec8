"""`streamt debug` against the real local stack: every system answers, with its version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import runtime_yaml

from .isolation import isolated_copy

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def test_debug_on_the_local_stack_reaches_every_system(local_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # clickstream has a JDBC sink: Connect's plugins matter; the copy points at this run's stack
    clickstream = isolated_copy(ROOT / "examples" / "clickstream", tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "streamt", "debug", "--format", "json", *clickstream.cli],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    probes = {p["system"]: p for p in report["probes"]}
    assert sorted(probes) == sorted(
        ["kafka", "schema_registry", "flink_rest", "sql_gateway", "connect"]
    )
    assert all(p["reachable"] and p["rtt_ms"] is not None for p in probes.values())
    assert probes["flink_rest"]["version"] == probes["sql_gateway"]["version"] == "2.2.0"
    assert probes["kafka"]["endpoint"] == local_stack.kafka_bootstrap
    assert "broker(s); ledger topic _streamt_state" in probes["kafka"]["detail"]
    # the example's JDBC sink connector class is installed: no A065
    assert "io.debezium.connector.jdbc.JdbcSinkConnector" in probes["connect"]["plugins"]
    assert [d["code"] for d in report["diagnostics"]] == []


def test_plan_refuses_a_connector_class_the_live_connect_lacks(local_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import uuid

    run = uuid.uuid4().hex[:8]
    (tmp_path / "stream_project.yml").write_text(
        f"project: {{name: nosink-{run}}}\n"
        f"sources:\n  - {{name: s, topic: nosink.{run}, columns: [{{name: id, type: STRING}}]}}\n"
        "models:\n"
        "  - {name: m, sql: \"SELECT id FROM {{ source('s') }}\"}\n"
        "  - name: m_out\n    from: m\n"
        "    advanced: {connector: {type: com.acme.NoSuchSinkConnector, config: {x: y}}}\n"
        + runtime_yaml(local_stack)
    )
    done = subprocess.run(
        [sys.executable, "-m", "streamt", "plan", "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    connect = local_stack.connect_url
    assert f"error A065: Kafka Connect at {connect} has no plugin " in done.stderr
    assert "com.acme.NoSuchSinkConnector" in done.stderr
