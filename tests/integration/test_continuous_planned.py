"""A continuous test as a planned resource on the real stack: `streamt test --deploy` plans and
applies its job and topics, the next plan is empty, the job catches a violation that arrives
after it, `status` shows it, and `destroy` cancels the job and deletes the topics it writes
(read back through Flink's REST API and Kafka's admin API)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from streamt.context import Context
from streamt.local.endpoints import Endpoints
from streamt.resources import ResourceKind
from streamt.testing.continuous import violations
from streamt.testing.continuous_sql import pipeline_name_of_test
from streamt.testing.deployed import violations_topic
from streamt.testing.env import env_from_project
from streamt.testing.kafka_io import OutRow, produce_rows
from streamt.testing.results import Status
from tests.integration.test_apply_support import jobs, topics, wait_for, wait_for_slots
from tests.integration.test_datatests_support import create_topics, unique, write_project

pytestmark = pytest.mark.integration

PROJECT = """\
sources:
  - name: orders_raw
    topic: {raw}
    columns:
      - {{name: order_id, type: STRING}}
      - {{name: customer_id, type: STRING}}
models:
  - name: orders_clean
    sql: SELECT order_id, customer_id FROM {{{{ source("orders_raw") }}}}
    advanced: {{topic: {{name: {out}}}}}
tests:
  - name: watch
    model: orders_clean
    type: continuous
    assertions:
      - not_null: {{columns: [customer_id]}}
    on_failure:
      actions:
        - dlq: {{topic: {dlq}}}
"""


def test_a_continuous_test_is_planned_applied_and_destroyed(
    tmp_path: Path, local_stack: Endpoints
) -> None:
    raw, out, dlq = unique("ct_raw"), unique("ct_clean"), unique("ct_dlq")
    create_topics(local_stack.kafka_bootstrap, raw)
    project = write_project(tmp_path, local_stack, PROJECT.format(raw=raw, out=out, dlq=dlq))
    pipeline = pipeline_name_of_test(project.job_scope, "watch")
    side = violations_topic(project.name_prefix, project.name, "watch")
    try:
        wait_for_slots(2)  # the model's job and the test's
        ctx = Context(tmp_path)
        plan = ctx.plan()
        assert [c.kind for c in plan.changes if c.kind is ResourceKind.TEST_JOB] == []
        assert ctx.apply(plan).ok

        results = Context(tmp_path).test(types=("continuous",), deploy=True)
        assert [(r.name, r.status) for r in results] == [("watch", Status.PASS)], results
        assert results[0].message.startswith("deployed (create): submitted ")
        ((job_id, state),) = jobs(local_stack, pipeline)
        assert state == "RUNNING"
        assert {side, dlq} <= topics(local_stack)

        again = Context(tmp_path).plan()
        assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
        redeploy = Context(tmp_path).test(types=("continuous",), deploy=True)
        assert redeploy[0].message == "deployed: its job runs, up to date"
        assert jobs(local_stack, pipeline) == [(job_id, "RUNNING")]

        status = Context(tmp_path).status()
        (row,) = [r for r in status.resources if r.kind == "test_job"]
        assert (row.name, row.state, row.details["job_id"]) == ("watch", "RUNNING", job_id)

        time.sleep(3)  # the test judges what arrives once it runs
        rows = [OutRow({"order_id": "o1", "customer_id": "c1"}), OutRow({"order_id": "o2"})]
        produce_rows(local_stack.kafka_bootstrap, raw, rows)
        env = env_from_project(project, {})
        found = wait_for(lambda: violations(env, "watch", 0), timeout=90.0)
        assert found, "timed out waiting for the violation of o2"
        assert [
            (v["project"], v["test"], v["target"], v["assertion"], json.loads(str(v["row"])))
            for v in found
        ] == [
            (
                project.name,
                "watch",
                "orders_clean",
                "not_null[0]",
                {"order_id": "o2", "customer_id": None},
            )
        ]
        reported = Context(tmp_path).test(types=("continuous",))
        assert reported[0].status is Status.FAIL, reported[0].message

        ctx = Context(tmp_path)
        gone = ctx.destroy_plan()
        assert {c.address for c in gone.pending} >= {
            "test_job.watch",
            f"topic.{side}",
            f"topic.{dlq}",
        }
        assert ctx.destroy(gone).ok
        assert [s for _, s in jobs(local_stack, pipeline) if s == "RUNNING"] == []
        gone = wait_for(lambda: not ({side, dlq, out} & topics(local_stack)), timeout=90.0)
        assert gone, "timed out waiting for the topics to go"
    finally:
        Context(tmp_path).destroy(Context(tmp_path).destroy_plan())
