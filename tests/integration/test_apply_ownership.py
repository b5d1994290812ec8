"""Ownership on a shared cluster, through the CLI on the real local stack:

- two projects with a model of the same name: the second `plan` shows the topic as owned by
  the first project (and warns V161: the default name collides), `apply` refuses it (even with `--adopt`) and touches nothing; with a
  `project.prefix` the second project runs beside the first on topics and jobs of its own;
- a topic created outside streamt: `plan` shows "exists, not owned by this project" with its
  message count, `apply` refuses it and submits nothing; `--adopt` adopts it (recorded not
  owned), the job runs and writes into it, and `destroy` cancels the job but keeps the topic.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.kafka_helpers import create_topic, produce_json

from .test_apply_guards import write_project
from .test_apply_support import ACTIVE, destroy, drop_topics, jobs, streamt, topics, wait_for_slots

pytestmark = pytest.mark.integration
ONE_PARTITION = "    advanced:\n      topic: {partitions: 1}\n"


def test_a_model_topic_another_project_owns_is_refused_even_with_adopt(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = f"ownfirst{tag}", f"ownsecond{tag}"
    source_topic, model = f"own.raw.{tag}", f"own_out_{tag}"
    create_topic(local_stack.kafka_bootstrap, source_topic)
    a = write_project(tmp_path / "a", local_stack, first, source_topic, model, ONE_PARTITION)
    b = write_project(tmp_path / "b", local_stack, second, source_topic, model, ONE_PARTITION)
    try:
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(a), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr

        plan = streamt("plan", "-p", str(b))
        assert plan.returncode == 1, plan.stdout + plan.stderr
        assert (
            f"! topic {model}: refused - exists, owned by project '{first}' (environment "
            f"'default') (0 messages): a resource another project created is never adopted"
        ) in plan.stdout
        assert (  # the default name is why they collide: a warning on the model says so
            f"warning V161: model '{model}' writes topic '{model}', its default name (the "
            "model's name), which already exists on the cluster, created by project "
            f"'{first}' (environment 'default')"
        ) in plan.stderr, plan.stderr
        for extra in ((), ("--adopt", model)):
            refused = streamt("apply", "-p", str(b), "--auto-approve", *extra)
            assert refused.returncode == 1, refused.stdout + refused.stderr
            assert f"error A002: topic.{model}: exists, owned by project '{first}'" in (
                refused.stderr
            )
        assert jobs(local_stack, f"streamt.{second}.{model}") == []  # nothing submitted

        # with a prefix of its own, the second project writes its own topic, job and group
        prefixed = b / "stream_project.yml"
        prefixed.write_text(
            prefixed.read_text().replace(f"name: {second}}}", f"name: {second}, prefix: b.}}")
        )
        wait_for_slots(1)
        applied = streamt("apply", "-p", str(b), "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert f"] create topic b.{model}  done [" in applied.stdout
        assert "V161" not in applied.stderr  # prefixed: not the default name
        assert [s for _, s in jobs(local_stack, f"streamt.b.{second}.{model}") if s in ACTIVE] == [
            "RUNNING"
        ]
    finally:
        destroy(second, "default")
        destroy(first, "default")
        drop_topics(local_stack, source_topic, model, f"b.{model}")
    assert model not in topics(local_stack)  # the first project created it: its destroy deleted it


def test_a_foreign_topic_is_adopted_only_explicitly_and_destroy_keeps_it(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    tag = uuid.uuid4().hex[:8]
    project, source_topic, model = f"ownadopt{tag}", f"own.raw.{tag}", f"own_foreign_{tag}"
    create_topic(local_stack.kafka_bootstrap, source_topic)
    create_topic(local_stack.kafka_bootstrap, model)  # another team's topic of the same name
    produce_json(local_stack.kafka_bootstrap, model, [{"id": "theirs", "amount": 1}] * 3)
    path = write_project(tmp_path, local_stack, project, source_topic, model, ONE_PARTITION)
    pipeline = f"streamt.{project}.{model}"
    try:
        plan = streamt("plan", "-p", str(path))
        assert plan.returncode == 1, plan.stdout + plan.stderr
        assert (
            f"! topic {model}: refused - exists, not owned by this project (3 messages; 3 of 3 "
            "sampled records have the model's columns)"
        ) in plan.stdout
        assert (
            f"warning V161: model '{model}' writes topic '{model}', its default name (the "
            "model's name), which already exists on the cluster, not created by this project"
        ) in plan.stderr, plan.stderr
        assert (
            f"hint: check what writes it; to take it over, adopt it explicitly: streamt apply --adopt {model}"
            in (plan.stdout)
        )
        refused = streamt("apply", "-p", str(path), "--auto-approve")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert f"error A002: topic.{model}: exists, not owned by this project (3 messages; " in (
            refused.stderr
        )
        assert jobs(local_stack, pipeline) == []

        saved = tmp_path / "adopt.plan.json"
        adopting = streamt("plan", "-p", str(path), "--adopt", model, "--out", str(saved))
        assert adopting.returncode == 0, adopting.stdout + adopting.stderr
        assert f"= topic {model}: adopt - adopted (--adopt): record in the ledger, not owned" in (
            adopting.stdout
        )
        wait_for_slots(1)
        # the saved plan carries the adoption: applying it needs no --adopt again
        adopted = streamt("apply", "-p", str(path), "--plan", str(saved), "--auto-approve")
        assert adopted.returncode == 0, adopted.stdout + adopted.stderr
        assert f"] adopt topic {model}  done [" in adopted.stdout
        assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == ["RUNNING"]
        again = streamt("plan", "-p", str(path), "--detailed-exitcode")
        assert again.returncode == 0 and "No changes." in again.stdout, again.stdout + again.stderr
    finally:
        destroy(project, "default")
    try:
        assert model in topics(local_stack)  # adopted, not created: destroy keeps it
        assert [s for _, s in jobs(local_stack, pipeline) if s in ACTIVE] == []
    finally:
        drop_topics(local_stack, source_topic, model)


def test_a_model_topic_kafka_takes_for_a_foreign_topic_is_refused_by_the_plan(
    tmp_path: Path,
    local_stack,  # type: ignore[no-untyped-def]
) -> None:
    """Another team's `coll.out.<tag>` on the cluster: Kafka refuses to create `coll_out_<tag>`
    beside it. The plan refuses the model's topic and apply changes nothing; apply once said
    "created" (it took Kafka's "collides with existing topic" for "already exists") and left a
    job failing on a topic that never existed."""
    tag = uuid.uuid4().hex[:8]
    project, source_topic, model = f"coll{tag}", f"coll.raw.{tag}", f"coll_out_{tag}"
    foreign = f"coll.out.{tag}"
    create_topic(local_stack.kafka_bootstrap, source_topic)
    create_topic(local_stack.kafka_bootstrap, foreign)
    path = write_project(tmp_path, local_stack, project, source_topic, model, ONE_PARTITION)
    try:
        plan = streamt("plan", "-p", str(path))
        assert plan.returncode == 1, plan.stdout + plan.stderr
        assert (
            f"! topic {model}: refused - Kafka refuses this name: it collides with the existing "
            f"topic '{foreign}'"
        ) in plan.stdout, plan.stdout
        refused = streamt("apply", "-p", str(path), "--auto-approve")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert f"error A002: topic.{model}: Kafka refuses this name" in refused.stderr
        assert model not in topics(local_stack)
        assert jobs(local_stack, f"streamt.{project}.{model}") == []  # nothing submitted
    finally:
        destroy(project, "default")
        drop_topics(local_stack, source_topic, foreign, model)
