"""`streamt test --format github` on the real stack: a failed sample test and a warning-only
one become workflow commands at the tests' lines in the project file, a passing one none."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from streamt.cli import cli
from streamt.local.endpoints import Endpoints
from streamt.testing.kafka_io import OutRow, produce_rows
from tests.integration.test_datatests_support import create_topics, unique, write_project

pytestmark = pytest.mark.integration


def test_failed_tests_are_annotations_at_their_lines(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    topic = unique("dt_github")
    create_topics(local_stack.kafka_bootstrap, topic)
    produce_rows(
        local_stack.kafka_bootstrap,
        topic,
        [OutRow({"order_id": "a", "amount": 5.0}), OutRow({"order_id": None, "amount": 150.0})],
    )
    write_project(
        tmp_path,
        local_stack,
        f"""\
sources:
  - name: orders
    topic: {topic}
    columns: [{{name: order_id, type: STRING}}, {{name: amount, type: DOUBLE}}]
tests:
  - name: passes
    model: orders
    type: sample
    timeout_seconds: 15
    assertions: [{{accepted_types: {{types: {{amount: number}}}}}}]
  - name: ids_present
    model: orders
    type: sample
    timeout_seconds: 15
    assertions: [{{not_null: {{columns: [order_id]}}}}]
  - name: amounts_small
    model: orders
    type: sample
    timeout_seconds: 15
    on_failure: {{severity: warning}}
    assertions: [{{range: {{column: amount, max: 100}}}}]
""",
    )
    lines = (tmp_path / "stream_project.yml").read_text().splitlines()
    at = {name: lines.index(f"  - name: {name}") + 1 for name in ("ids_present", "amounts_small")}
    result = CliRunner().invoke(
        cli, ["test", "-p", str(tmp_path), "--format", "github"], standalone_mode=False
    )
    assert result.exception is None, result.output
    assert result.return_value == 4, result.output  # the warning-only test does not fail the run
    file = f"{tmp_path.as_posix()}/stream_project.yml"
    annotations = [line for line in result.output.splitlines() if line.startswith("::")]
    assert annotations == [
        f"::error file={file},line={at['ids_present']},col=5,title=data test ids_present::"
        "sample test on orders failed: 1 of 1 assertions failed on 2 records"
        "%0Anot_null[0]: 1 of 2 records fail: order_id is null",
        f"::warning file={file},line={at['amounts_small']},col=5,title=data test amounts_small::"
        "sample test on orders failed: 1 of 1 assertions failed on 2 records"
        "%0Arange[0]: 1 of 2 records fail: amount=150.0 is above max 100",
    ]
