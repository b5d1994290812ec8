"""`streamt test` end to end on the real stack: exit code 4, text summary, JSON, JUnit XML (XSD).

Also the schema test against a registered Avro subject: a not_null column that the registry
declares nullable fails, a required one passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import xmlschema
from click.testing import CliRunner

from streamt.cli import cli
from streamt.local.endpoints import Endpoints
from streamt.testing.kafka_io import OutRow, produce_rows
from tests.integration.test_datatests_support import create_topics, unique, write_project

pytestmark = pytest.mark.integration

XSD = Path(__file__).parents[1] / "fixtures" / "junit.xsd"

AVRO = json.dumps(
    {
        "type": "record",
        "name": "Order",
        "fields": [
            {"name": "order_id", "type": "string"},
            {"name": "amount", "type": ["null", "double"], "default": None},
        ],
    }
)


def test_cli_exit_code_summary_json_and_junit(tmp_path: Path, local_stack: Endpoints) -> None:
    topic = unique("dt_cli")
    create_topics(local_stack.kafka_bootstrap, topic)
    produce_rows(
        local_stack.kafka_bootstrap,
        topic,
        [OutRow({"order_id": "a", "amount": 5.0}), OutRow({"order_id": None, "amount": -1.0})],
    )
    subject = f"{topic}-value"
    reply = httpx.post(
        f"{local_stack.schema_registry_url}/subjects/{subject}/versions",
        json={"schema": AVRO, "schemaType": "AVRO"},
        timeout=15,
    )
    assert reply.status_code == 200, reply.text
    project = write_project(
        tmp_path,
        local_stack,
        f"""\
sources:
  - name: orders
    topic: {topic}
    columns: [{{name: order_id, type: STRING}}, {{name: amount, type: DOUBLE}}]
tests:
  - name: ok_sample
    model: orders
    type: sample
    timeout_seconds: 15
    assertions: [{{accepted_types: {{types: {{amount: number}}}}}}]
  - name: bad_sample
    model: orders
    type: sample
    timeout_seconds: 15
    assertions:
      - not_null: {{columns: [order_id]}}
      - range: {{column: amount, min: 0}}
  - name: schema_required
    model: orders
    type: schema
    assertions: [{{not_null: {{columns: [order_id]}}}}, {{accepted_types: {{types: {{amount: number}}}}}}]
  - name: schema_nullable
    model: orders
    type: schema
    assertions: [{{not_null: {{columns: [amount]}}}}]
""",
    )
    runner = CliRunner()
    junit = tmp_path / "out" / "junit.xml"
    result = runner.invoke(
        cli, ["test", "-p", str(tmp_path), "--junit-xml", str(junit)], standalone_mode=False
    )
    assert result.exception is None, result.output
    assert result.return_value == 4, result.output
    assert "FAIL: bad_sample (sample on orders)" in result.output
    assert "  - not_null[0]: 1 of 2 records fail: order_id is null" in result.output
    assert (
        "PASS: schema_required (schema on orders) - compiled and registered schemas satisfy 2 assertions"
        in result.output
    )
    assert "amount is nullable in the registered schema" in result.output
    assert result.output.rstrip().endswith("Tests: 2 passed, 2 failed (4 total)")
    xmlschema.XMLSchema(str(XSD)).validate(str(junit))
    text = junit.read_text()
    assert 'name="bad_sample"' in text and "<failure" in text
    # the results file next to the JUnit XML (and in target/) is what the docs pages show
    from streamt.docs.write import read_outcomes

    outcomes = read_outcomes(junit.parent / "test_results.json")
    assert read_outcomes(tmp_path / "target" / "test_results.json") == outcomes
    assert {n: o["status"] for n, o in outcomes.items()} == {
        "bad_sample": "fail",
        "ok_sample": "pass",
        "schema_required": "pass",
        "schema_nullable": "fail",
    }
    assert runner.invoke(cli, ["docs", "generate", "-p", str(tmp_path)]).exit_code == 0
    page = (
        tmp_path / "target" / "docs" / "nodes" / f"test.{project.name}.bad_sample.html"
    ).read_text()
    assert "last outcome" in page and "fail: " in page

    as_json = runner.invoke(
        cli,
        ["test", "-p", str(tmp_path), "--type", "sample", "--model", "orders", "--format", "json"],
        standalone_mode=False,
    )
    assert as_json.return_value == 4
    body = json.loads(as_json.output)
    assert [r["name"] for r in body["results"]] == ["ok_sample", "bad_sample"]
    assert body["results"][1]["assertions"][1]["examples"] == [{"order_id": None, "amount": -1.0}]

    only_ok = runner.invoke(
        cli, ["test", "-p", str(tmp_path), "--select", "ok_sample"], standalone_mode=False
    )
    assert only_ok.return_value == 0, only_ok.output
    assert only_ok.output.rstrip().endswith("Tests: 1 passed, 0 failed (1 total)")


def test_source_freshness_and_block_deploy(tmp_path: Path, local_stack: Endpoints) -> None:
    import time

    from streamt.testing.session import blocking_diagnostics

    fresh, stale = unique("dt_fresh"), unique("dt_stale")
    create_topics(local_stack.kafka_bootstrap, fresh, stale)
    now = int(time.time() * 1000)
    produce_rows(
        local_stack.kafka_bootstrap,
        stale,
        [OutRow({"id": "x"}, now - 3_600_000), OutRow({"id": "y"}, now - 1_800_000)],
    )
    produce_rows(
        local_stack.kafka_bootstrap,
        fresh,
        [OutRow({"id": "x"}, now - 3_600_000), OutRow({"id": "y"}, now)],
    )
    project = write_project(
        tmp_path,
        local_stack,
        f"""\
sources:
  - {{name: fresh, topic: {fresh}, columns: [{{name: id, type: STRING}}], freshness: {{max_lag_seconds: 600}}}}
  - {{name: stale, topic: {stale}, columns: [{{name: id, type: STRING}}], freshness: {{warn_after_seconds: 60, error_after_seconds: 600}}}}
tests:
  - name: stale_blocks
    model: stale
    type: sample
    assertions: [{{freshness: {{max_age: 10m}}}}]
    on_failure: {{actions: [{{block_deploy: {{}}}}]}}
  - name: fresh_blocks_nothing
    model: fresh
    type: sample
    assertions: [{{freshness: {{max_age: 10m}}}}]
    on_failure: {{actions: [{{block_deploy: {{}}}}]}}
""",
    )
    runner = CliRunner()
    result = runner.invoke(
        cli, ["test", "-p", str(tmp_path), "--format", "json"], standalone_mode=False
    )
    body = json.loads(result.output)
    status = {r["name"]: (r["status"], r["severity"]) for r in body["results"]}
    assert status == {
        "stale_blocks": ("fail", "error"),
        "fresh_blocks_nothing": ("pass", "error"),
        "freshness.fresh": ("pass", "error"),
        "freshness.stale": ("fail", "error"),
        "freshness_warning.stale": ("fail", "warning"),
    }
    assert result.return_value == 4
    blocked = blocking_diagnostics(project, None, {})
    assert [(d.code, d.node) for d in blocked] == [("T101", f"test.{project.name}.stale_blocks")]
    assert "freshness[0]: newest record is" in blocked[0].message
    assert blocked[0].message.endswith("old (> 10m)")
