"""Continuous tests of two environments of one project side by side on the local stack.

One project (a name of its own per run) with environments `a` and `b` (prefixes of their own)
deploys its model, written exactly once, and a continuous test over it in both. Each test job
runs under its environment's name and writes its environment's violations topic: `b`'s
`test --deploy` creates a job of its own (it used to replace `a`'s, which had the same name),
each environment's plan stays empty, and a violating row through the shared source is reported
once by each environment, from its own topic. A violating row of a transaction aborted in
`a`'s model topic is never reported: the test reads committed rows only, as the model's
readers do. Destroying `b` leaves `a`'s test running.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer

from streamt.context import Context
from streamt.local.endpoints import Endpoints
from streamt.testing.continuous import violations
from streamt.testing.deployed import with_test_jobs
from streamt.testing.env import env_from_project
from streamt.testing.results import Status
from tests.integration.test_apply_support import jobs, topics, wait_for, wait_for_slots
from tests.kafka_helpers import create_topic, produce_json
from tests.stack import runtime_yaml

pytestmark = pytest.mark.integration

PROJECT = """\
project: {{name: {project}}}
sources:
  - name: orders_raw
    topic: {source}
    columns: [{{name: order_id, type: STRING}}, {{name: customer_id, type: STRING}}]
models:
  - name: orders_clean
    sql: SELECT order_id, customer_id FROM {{{{ source("orders_raw") }}}}
    advanced: {{flink: {{delivery: exactly_once, checkpoint_interval_ms: 2000}}}}
tests:
  - name: watch
    model: orders_clean
    type: continuous
    assertions:
      - not_null: {{columns: [customer_id]}}
"""


def _aborted_write(bootstrap: str, topic: str, row: dict[str, object]) -> None:
    """`row` written to `topic` in a Kafka transaction that is then aborted."""
    producer = Producer(
        {"bootstrap.servers": bootstrap, "transactional.id": f"aborting-{uuid.uuid4().hex[:8]}"}
    )
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce(topic, json.dumps(row).encode())
    producer.flush(30)
    producer.abort_transaction(30)


def test_two_environments_deploy_their_continuous_tests_side_by_side(
    local_stack: Endpoints, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, source = f"cenv-{tag}", f"cenv.src.{tag}"
    prefixes = {"a": f"ca{tag}-", "b": f"cb{tag}-"}
    (tmp_path / "stream_project.yml").write_text(
        PROJECT.format(project=project, source=source) + runtime_yaml(local_stack)
    )
    (tmp_path / "environments").mkdir()
    for env, prefix in prefixes.items():
        (tmp_path / "environments" / f"{env}.yml").write_text(
            f'environment: {{prefix: "{prefix}"}}\n'
        )
    bootstrap = local_stack.kafka_bootstrap
    create_topic(bootstrap, source)
    ctx = {env: Context(tmp_path, env=env) for env in prefixes}
    deployed = {
        env: with_test_jobs(c.project(), c.compile()).desired.test_jobs for env, c in ctx.items()
    }
    pipelines = {env: job.pipeline_name for env, (job,) in deployed.items()}
    sides = {env: job.sink_topic for env, (job,) in deployed.items()}
    try:
        assert pipelines["a"] != pipelines["b"] and sides["a"] != sides["b"]
        wait_for_slots(4)  # each environment's model job and test job
        for env in prefixes:
            assert Context(tmp_path, env=env).apply(Context(tmp_path, env=env).plan()).ok
        for env in prefixes:
            (result,) = Context(tmp_path, env=env).test(types=("continuous",), deploy=True)
            assert result.status is Status.PASS, (env, result.message)
            assert result.message.startswith("deployed (create): submitted "), result.message
        for env in prefixes:
            assert [s for _, s in jobs(local_stack, pipelines[env])] == ["RUNNING"], env
            assert sides[env] in topics(local_stack)
            plan = Context(tmp_path, env=env).plan()
            assert not plan.has_changes, [(c.address, c.reason) for c in plan.pending]

        time.sleep(3)  # the tests judge what arrives once they run
        model_topic_a = f"{prefixes['a']}orders_clean"
        _aborted_write(bootstrap, model_topic_a, {"order_id": "aborted", "customer_id": None})
        produce_json(
            bootstrap, source, [{"order_id": "o1", "customer_id": "c1"}, {"order_id": "o2"}]
        )
        for env in prefixes:
            test_env = env_from_project(Context(tmp_path, env=env).project(), {})
            found = wait_for(lambda e=test_env: violations(e, "watch", 0), timeout=120.0)
            assert found, f"timed out waiting for {env}'s violation"
            time.sleep(3)  # a second (the aborted row's, or the other environment's) shows now
            found = violations(test_env, "watch", 0)
            assert [json.loads(str(v["row"]))["order_id"] for v in found] == ["o2"], (env, found)
            (reported,) = Context(tmp_path, env=env).test(types=("continuous",))
            assert reported.status is Status.FAIL and reported.message.startswith(
                "1 violation(s)"
            ), (env, reported.message)

        gone = Context(tmp_path, env="b")
        assert gone.destroy(gone.destroy_plan()).ok
        assert [s for _, s in jobs(local_stack, pipelines["a"])] == ["RUNNING"]
        assert [s for _, s in jobs(local_stack, pipelines["b"]) if s == "RUNNING"] == []
        again = Context(tmp_path, env="a").plan()
        assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
    finally:
        for env in prefixes:
            Context(tmp_path, env=env).destroy(Context(tmp_path, env=env).destroy_plan())
        from confluent_kafka.admin import AdminClient

        AdminClient({"bootstrap.servers": bootstrap}).delete_topics([source])
