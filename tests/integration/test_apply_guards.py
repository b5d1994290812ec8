"""Apply guards on the real local stack, through the CLI (`python -m streamt`, real exit codes):

- a source topic that does not exist fails `plan` and `apply` with P020 and creates nothing;
- a job that cannot get its task slots fails its step with the slot numbers (from the job's
  exceptions), exit 1, the job is cancelled (nothing left RESTARTING), and apply converges once
  the parallelism fits;
- a failing `on_failure: block_deploy` data test refuses the apply (T101, exit 1, nothing
  submitted) and `--ignore-blocking-tests` deploys anyway.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.kafka_helpers import create_topic, produce_json

from .test_apply_support import (
    ACTIVE,
    destroy,
    drop_topics,
    jobs,
    streamt,
    topics,
    wait_for_slots,
    write_cli_project,
)

pytestmark = pytest.mark.integration


def write_project(
    root: Path, stack, name: str, source_topic: str, model: str, extra: str = ""
) -> Path:  # type: ignore[no-untyped-def]
    return write_cli_project(
        root,
        stack,
        name,
        f"""\
sources:
  - name: raw
    topic: {source_topic}
    columns: [{{name: id, type: STRING}}, {{name: amount, type: INT}}]
models:
  - name: {model}
    sql: |
      SELECT id, amount FROM {{{{ source("raw") }}}} WHERE amount > 0
{extra}""",
    )


def names(prefix: str) -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8]
    return f"{prefix}{tag}", f"guards.raw.{tag}", f"guards_out_{tag}"


def test_a_missing_source_topic_fails_plan_and_apply_with_p020_and_creates_nothing(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    project, source_topic, model = names("guardsmissing")
    path = write_project(tmp_path, local_stack, project, source_topic, model)
    assert source_topic not in topics(local_stack)

    plan = streamt("plan", "-p", str(path))
    assert plan.returncode == 1, plan.stdout + plan.stderr
    assert "error P020" in plan.stderr
    assert f"reads source 'raw' (topic '{source_topic}'), which does not exist" in plan.stderr
    assert "create the topic or produce to it first (sources are external to streamt)" in (
        plan.stderr
    )

    applied = streamt("apply", "-p", str(path), "--auto-approve")
    assert applied.returncode == 1, applied.stdout + applied.stderr
    assert "error P020" in applied.stderr
    assert not {source_topic, model} & topics(local_stack)  # nothing half-applied
    assert jobs(local_stack, f"streamt.{project}.{model}") == []


def test_a_job_without_enough_slots_fails_with_the_numbers_is_cancelled_then_converges(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    project, source_topic, model = names("guardsslots")
    create_topic(local_stack.kafka_bootstrap, source_topic)
    wide = "    advanced:\n      flink: {parallelism: 12}\n      topic: {partitions: 1}\n"
    path = write_project(tmp_path, local_stack, project, source_topic, model, wide)
    pipeline = f"streamt.{project}.{model}"
    try:
        failed = streamt("apply", "-p", str(path), "--auto-approve")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "Apply stopped: 1 step(s) failed" in failed.stderr
        assert "not enough free task slots: the job needs 12, the cluster has " in failed.stderr
        assert "STREAMT_LOCAL_TASKMANAGER_SLOTS" in failed.stderr
        states = jobs(local_stack, pipeline)
        assert len(states) == 1 and states[0][1] not in ACTIVE, states  # cancelled, not RESTARTING

        narrow = "    advanced:\n      flink: {parallelism: 1}\n      topic: {partitions: 1}\n"
        write_project(tmp_path, local_stack, project, source_topic, model, narrow)
        wait_for_slots(1)
        fixed = streamt("apply", "-p", str(path), "--auto-approve")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        running = [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE]
        assert running == ["RUNNING"]
        again = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert again.returncode == 0 and "No changes." in again.stdout, again.stdout + again.stderr
    finally:
        destroy(project, "default")
        drop_topics(local_stack, source_topic)


def test_a_failing_block_deploy_test_refuses_apply_and_the_flag_overrides(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    project, source_topic, model = names("guardsblock")
    create_topic(local_stack.kafka_bootstrap, source_topic)
    create_topic(local_stack.kafka_bootstrap, model)  # the model's topic already holds bad data
    produce_json(
        local_stack.kafka_bootstrap, model, [{"id": "a", "amount": 3}, {"id": None, "amount": 4}]
    )
    blocking = f"""\
    advanced:
      topic: {{partitions: 1}}
tests:
  - name: ids_present
    model: {model}
    type: sample
    assertions: [{{not_null: {{columns: [id]}}}}]
    on_failure: {{actions: [{{block_deploy: {{}}}}]}}
"""
    path = write_project(tmp_path, local_stack, project, source_topic, model, blocking)
    pipeline = f"streamt.{project}.{model}"
    try:
        # the model's topic was created outside streamt: the user adopts it explicitly
        refused = streamt("apply", "-p", str(path), "--auto-approve", "--adopt", model)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "error T101: data test 'ids_present'" in refused.stderr
        assert "--ignore-blocking-tests" in refused.stderr
        assert jobs(local_stack, pipeline) == []  # nothing submitted

        wait_for_slots(1)
        forced = streamt(
            "apply", "-p", str(path), "--auto-approve", "--ignore-blocking-tests", "--adopt", model
        )
        assert forced.returncode == 0, forced.stdout + forced.stderr
        assert "deploying anyway (--ignore-blocking-tests)" in forced.stderr
        assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == ["RUNNING"]
    finally:
        destroy(project, "default")
        drop_topics(local_stack, source_topic, model)  # adopted, so not deleted by destroy
