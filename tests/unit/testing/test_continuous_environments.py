"""Continuous tests across environments, on the compiler's real output (the datatests example
and its continuous test, copied with environments): a test's job, consumer group and topics are
named by the models' policy of the environment (job scope, name prefix), so two environments of
one project never share one and neither plans over the other's; a deployment named before that
is moved (its job cancelled by its old name); the test's topics take the project's topic
defaults; a test over an `exactly_once` model reads committed rows as the model's readers do."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.unit.plan.factories import live

from streamt.compile.specs import DesiredState
from streamt.context import Context
from streamt.load.ids import NodeKind
from streamt.plan import Ledger, PlanOptions, build_plan
from streamt.resources import (
    Action,
    Change,
    JobSpec,
    JobState,
    LedgerEntry,
    Plan,
    ResourceKind,
    TopicSpec,
    TopicState,
)
from streamt.sql.options import option_values
from streamt.testing import continuous
from streamt.testing.deployed import with_test_jobs
from streamt.testing.env import env_from_project
from streamt.testing.results import Status
from streamt.testing.spec import parse_test
from streamt.validate.reserved import reserved_reason

EXAMPLE = Path(__file__).parents[3] / "examples" / "datatests"
TEST = "orders_clean_continuous"  # over the model orders_clean
MODEL = "orders_clean"
DLQ = "datatests.orders.dlq"  # the test's `dlq: {topic: ...}`

ENVIRONMENTS = {
    "a.yml": 'environment: {prefix: "a-"}\n',
    "b.yml": 'environment: {prefix: "b-"}\n',
    "pr.yml": "environment: {template: true}\n",
    "prod.yml": (
        'environment: {prefix: "prod-"}\n'
        "defaults:\n"
        "  topic:\n"
        "    partitions: 6\n"
        "    replication_factor: 3\n"
        "    min_insync_replicas: 2\n"
        "    config: {retention.ms: '604800000', cleanup.policy: compact}\n"
    ),
}


@pytest.fixture(scope="module")
def with_envs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("datatests") / "datatests"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target"))
    (root / "environments").mkdir()
    for name, text in ENVIRONMENTS.items():
        (root / "environments" / name).write_text(text)
    return root


def _desired(root: Path, env: str | None = None) -> DesiredState:
    ctx = Context(root, env=env)
    return with_test_jobs(ctx.project(), ctx.compile()).desired


def _test_job(desired: DesiredState) -> JobSpec:
    (job,) = desired.test_jobs
    return job


def _model_job(desired: DesiredState) -> JobSpec:
    return next(j for j in desired.jobs if j.name == MODEL)


def _model_topic(desired: DesiredState) -> TopicSpec:
    node = _model_job(desired).node
    return next(t for t in desired.topics if t.node == node)


def _test_topics(desired: DesiredState) -> dict[str, TopicSpec]:
    node = _test_job(desired).node
    return {t.name: t for t in desired.topics if t.node == node}


def _models_policy(desired: DesiredState) -> tuple[str, str]:
    """(job scope, name prefix) as the environment's model job and model topic show them:
    the model's job is `streamt.<scope>.<model>`, its topic `<prefix><model>`."""
    pipeline, topic = _model_job(desired).pipeline_name, _model_topic(desired).name
    assert pipeline.startswith("streamt.") and pipeline.endswith(f".{MODEL}"), pipeline
    assert topic.endswith(MODEL), topic
    return pipeline[len("streamt.") : -len(MODEL) - 1], topic[: -len(MODEL)]


def _names(desired: DesiredState) -> set[str]:
    """Every name a test's deployment holds on the cluster: job, consumer group, topics."""
    job = _test_job(desired)
    groups = {
        o.value for s in job.statements for o in option_values(s) if o.key == "properties.group.id"
    }
    return {job.pipeline_name, *groups, *_test_topics(desired)}


@pytest.mark.parametrize("env", [None, "a", "b", "pr-1", "pr-2", "prod"])
def test_a_test_is_named_by_the_policy_of_the_environments_models(
    with_envs: Path, env: str | None
) -> None:
    desired = _desired(EXAMPLE if env is None else with_envs, env)
    scope, prefix = _models_policy(desired)
    project = desired.project
    job = _test_job(desired)
    assert job.pipeline_name == f"streamt-test.{scope}.{TEST}"
    assert job.config["pipeline.name"] == job.pipeline_name
    assert sorted(_test_topics(desired)) == sorted(
        [f"_streamt_violations.{prefix}{project}.{TEST}", f"{prefix}{DLQ}"]
    )
    assert job.sink_topic == f"_streamt_violations.{prefix}{project}.{TEST}"
    # in every environment a topic of streamt's reserved family: no model may own or write it
    assert reserved_reason(job.sink_topic) == "one of streamt's own topics"
    assert (job.name, job.node) == (TEST, f"test.{project}.{TEST}")  # the ledger's key
    if env is None:  # the default environment: no prefix, the names a deployment has today
        assert (scope, prefix) == (project, "")


def test_two_environments_of_one_project_share_no_name(with_envs: Path) -> None:
    names = {env: _names(_desired(with_envs, env)) for env in ("a", "b", "pr-1", "pr-2")}
    names["default"] = _names(_desired(EXAMPLE))
    for env, mine in names.items():
        for other, theirs in names.items():
            assert env == other or not mine & theirs, (env, other, mine & theirs)


class _Flink:
    def __init__(self, jobs: Sequence[JobState]) -> None:
        self.jobs = list(jobs)

    def list_jobs(self) -> Sequence[JobState]:
        return self.jobs


def test_streamt_test_reads_the_job_and_topic_its_environment_deployed(
    with_envs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`streamt test --env a` reports on `a`'s test job and reads `a`'s violations topic; the
    default environment's job running with the same test is not `a`'s."""
    ctx = Context(with_envs, env="a")
    project = ctx.project()
    deployed = _test_job(with_test_jobs(project, ctx.compile()).desired)
    (test,) = [t for t in project.tests if t.name == TEST]
    spec = parse_test(test, project)[0]
    read: list[str] = []

    def read_records(bootstrap: str, topic: str, **_: object) -> list[object]:
        read.append(topic)
        return []

    monkeypatch.setattr(continuous, "read_records", read_records)
    env = env_from_project(project, {})
    others = _Flink([JobState("j0", _test_job(_desired(EXAMPLE)).pipeline_name, "RUNNING", 1)])
    result = continuous.report(spec, dataclasses.replace(env, flink=others))  # type: ignore[arg-type]
    assert result.status is Status.SKIPPED and read == []
    mine = _Flink([JobState("j1", deployed.pipeline_name, "RUNNING", 1)])
    result = continuous.report(spec, dataclasses.replace(env, flink=mine))  # type: ignore[arg-type]
    assert result.status is Status.PASS, result.message
    assert read == [deployed.sink_topic]
    assert str(spec.node) == deployed.node and deployed.node.startswith(NodeKind.TEST.value)


def _plan(desired: DesiredState, env: str, *entries: LedgerEntry, **observed: tuple) -> Plan:  # type: ignore[type-arg]
    ledger = Ledger(desired.project, env, entries)
    return build_plan(desired, live(**observed), ledger, PlanOptions(env, tests=True))


def _mine(plan: Plan, desired: DesiredState) -> dict[tuple[ResourceKind, str], Change]:
    node = _test_job(desired).node
    return {(c.kind, c.name): c for c in plan.changes if c.node == node}


def test_an_environment_plans_its_tests_beside_another_environments_running_ones(
    with_envs: Path,
) -> None:
    """`a` deployed its test (its job runs, its topics exist, in `a`'s ledger): `b`'s
    `test --deploy` creates a job and topics of its own; it neither replaces `a`'s job nor
    stumbles on `a`'s topics (refused: another ledger's)."""
    a, b = _desired(with_envs, "a"), _desired(with_envs, "b")
    running = JobState("job-of-a", _test_job(a).pipeline_name, "RUNNING", 1)
    existing = tuple(TopicState(t.name, t.partitions, t.replication_factor) for t in a.topics)
    plan = _plan(b, "b", jobs=(running,), topics=existing)
    mine = _mine(plan, b)
    assert {key: c.action for key, c in mine.items()} == {
        (ResourceKind.TEST_JOB, TEST): Action.CREATE,
        **{(ResourceKind.TOPIC, name): Action.CREATE for name in _test_topics(b)},
    }
    assert all(c.live_job_id is None for c in plan.changes)


def _entry(env: str, kind: ResourceKind, name: str, spec: object) -> LedgerEntry:
    fingerprint = spec.data_fingerprint if isinstance(spec, JobSpec) else ""
    node = getattr(spec, "node", "")
    fields: dict[str, object] = {
        "project": "datatests",
        "environment": env,
        "kind": kind,
        "name": name,
        "spec": spec,
        "node": node,
        "data_fingerprint": fingerprint,
    }
    if kind is ResourceKind.TEST_JOB:
        fields["job_id"] = "old"
    return LedgerEntry.model_validate(fields)


def test_a_test_deployed_under_the_names_before_environments_is_moved(with_envs: Path) -> None:
    """Environment `a` deployed its test when test names ignored the environment: its job ran
    as the default environment's pipeline name and wrote the default's topics. Planned now,
    that job is cancelled by its old name and the test submitted by its new one; the old
    topics, this ledger's, are deleted and the new ones created."""
    a, default = _desired(with_envs, "a"), _desired(EXAMPLE)
    old_job = _test_job(default)  # the names every environment's test job had
    old_topics = _test_topics(default)
    assert old_job.pipeline_name != _test_job(a).pipeline_name
    entries = [
        _entry("a", ResourceKind.TEST_JOB, TEST, old_job),
        *(_entry("a", ResourceKind.TOPIC, t.name, t) for t in old_topics.values()),
    ]
    observed = {
        "jobs": (JobState("old", old_job.pipeline_name, "RUNNING", 1),),
        "topics": tuple(TopicState(t.name, 1, 1) for t in old_topics.values()),
    }
    plan = build_plan(a, live(**observed), Ledger("datatests", "a", entries), PlanOptions("a"))
    changes = {(c.kind, c.name): c for c in plan.changes if c.node == old_job.node}
    job_change = changes[ResourceKind.TEST_JOB, TEST]
    assert (job_change.action, job_change.live_job_id) == (Action.REPLACE, "old")
    assert old_job.pipeline_name in job_change.reason
    assert {name: changes[ResourceKind.TOPIC, name].action for name in old_topics} == {
        name: Action.DELETE for name in old_topics
    }
    assert {name: changes[ResourceKind.TOPIC, name].action for name in _test_topics(a)} == {
        name: Action.CREATE for name in _test_topics(a)
    }


def test_the_tests_topics_take_the_projects_topic_defaults(with_envs: Path) -> None:
    """`prod` sets `defaults.topic` (every topic streamt creates): the test's violations and
    DLQ topics get its replication factor, min.insync.replicas and config as the model's topic
    does; one partition (the test's job writes with one task); no `cleanup.policy`: the job
    writes records without a key, which a compacted topic refuses."""
    desired = _desired(with_envs, "prod")
    model = _model_topic(desired)
    assert (model.replication_factor, model.config["min.insync.replicas"]) == (3, "2")
    for spec in _test_topics(desired).values():
        assert spec.replication_factor == model.replication_factor
        assert spec.partitions == 1
        assert _test_job(desired).config["parallelism.default"] == "1"
        expected = {k: v for k, v in model.config.items() if k != "cleanup.policy"}
        assert spec.config == expected and "retention.ms" in expected


def test_a_tests_topic_created_with_another_replication_factor_keeps_it(with_envs: Path) -> None:
    """`prod` deployed its test when test topics were created with replication factor 1: the
    plan keeps the topics as they are (no refusal of a change Kafka cannot make in place, which
    would refuse the whole plan) and says why; a topic not this project's is refused as ever."""
    desired = _desired(with_envs, "prod")
    mine = _test_topics(desired)
    assert {t.replication_factor for t in mine.values()} == {3}
    job = _test_job(desired)
    entries = [
        _entry("prod", ResourceKind.TEST_JOB, TEST, job),
        *(
            _entry("prod", ResourceKind.TOPIC, t.name, dataclasses.replace(t, replication_factor=1))
            for t in mine.values()
        ),
    ]
    observed = {
        "jobs": (JobState("old", job.pipeline_name, "RUNNING", 1),),
        "topics": tuple(TopicState(t.name, 1, 1, dict(t.config)) for t in mine.values()),
    }
    plan = build_plan(
        desired, live(**observed), Ledger("datatests", "prod", entries), PlanOptions("prod")
    )
    changes = _mine(plan, desired)
    for name in mine:
        change = changes[ResourceKind.TOPIC, name]
        assert change.action is Action.NOOP, (change.action, change.reason)
        assert "keeps replication factor 1" in change.reason
    assert changes[ResourceKind.TEST_JOB, TEST].action is Action.NOOP

    unowned = build_plan(
        desired, live(**observed), Ledger("datatests", "prod", entries[:1]), PlanOptions("prod")
    )
    assert {c.action for c in _mine(unowned, desired).values() if c.kind is ResourceKind.TOPIC} == {
        Action.REFUSED
    }


EXACTLY_ONCE = """\
project: {name: eos}
sources:
  - name: raw
    topic: eos.raw.v1
    columns: [{name: id, type: STRING}, {name: amount, type: DOUBLE}]
models:
  - name: committed
    advanced: {flink: {delivery: exactly_once}}
    sql: SELECT id, amount FROM {{ source("raw") }}
  - name: plain
    sql: SELECT id, amount FROM {{ source("raw") }}
  - name: reads_committed
    sql: SELECT id, amount FROM {{ ref("committed") }}
  - name: reads_plain
    sql: SELECT id, amount FROM {{ ref("plain") }}
tests:
  - name: on_committed
    model: committed
    type: continuous
    assertions: [{not_null: {columns: [id]}}]
  - name: on_plain
    model: plain
    type: continuous
    assertions: [{not_null: {columns: [id]}}]
  - name: plain_keys_in_committed
    model: plain
    type: continuous
    assertions: [{foreign_key: {column: id, ref: committed, ref_column: id, window: 1h}}]
"""
ISOLATION = "properties.isolation.level"


def _isolation(job: JobSpec, topic: str) -> list[str | None]:
    """The isolation level of each table of `job` reading `topic` (None: Kafka's default)."""
    out = []
    for statement in job.statements:
        options = {o.key: o.value for o in option_values(statement)}
        if options.get("topic") == topic and "properties.group.id" in options:
            out.append(options.get(ISOLATION))
    return out


def test_a_test_reads_a_model_topic_with_the_isolation_its_readers_read_it(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(EXACTLY_ONCE)
    desired = _desired(tmp_path)
    jobs = {j.name: j for j in (*desired.jobs, *desired.test_jobs)}
    committed, plain = jobs["committed"].sink_topic, jobs["plain"].sink_topic
    reader_committed = _isolation(jobs["reads_committed"], committed)
    assert reader_committed == ["read_committed"]  # what a model's job reads it with
    assert _isolation(jobs["on_committed"], committed) == reader_committed
    assert _isolation(jobs["plain_keys_in_committed"], committed) == reader_committed  # a ref
    reader_plain = _isolation(jobs["reads_plain"], plain)
    assert reader_plain == [None]
    assert _isolation(jobs["on_plain"], plain) == reader_plain
    assert _isolation(jobs["plain_keys_in_committed"], plain) == reader_plain


def test_the_projects_default_delivery_makes_the_tests_read_committed(tmp_path: Path) -> None:
    text = EXACTLY_ONCE.replace(
        "project: {name: eos}", "project: {name: eos}\ndefaults: {models: {delivery: exactly_once}}"
    ).replace("    advanced: {flink: {delivery: exactly_once}}\n", "")
    (tmp_path / "stream_project.yml").write_text(text)
    desired = _desired(tmp_path)
    jobs = {j.name: j for j in desired.test_jobs}
    plain = next(j.sink_topic for j in desired.jobs if j.name == "plain")
    assert _isolation(jobs["on_plain"], plain) == ["read_committed"]
