"""Continuous test jobs in the pure plan room, fed the compiler's real output (the datatests
example's continuous test, `orders_clean_continuous`): created only when asked, then a no-op,
replaced on SQL change or when it stopped running, deleted with its topics when the test goes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from streamt.compile.result import CompileResult
from streamt.compile.specs import DesiredState
from streamt.context import Context
from streamt.plan import PlanOptions, build_plan
from streamt.resources import (
    Action,
    Change,
    JobSpec,
    JobState,
    Plan,
    ResourceKind,
    TopicState,
)
from streamt.sql.options import DEPLOY_TIME, START_TIMESTAMP, bound_start, option_values
from streamt.testing.deployed import violations_topic, with_test_jobs

from .factories import ENV, entry, ledger, live

EXAMPLE = Path(__file__).parents[3] / "examples" / "datatests"
TEST = "orders_clean_continuous"


@pytest.fixture(scope="module")
def compiled() -> CompileResult:
    ctx = Context(EXAMPLE)
    return with_test_jobs(ctx.project(), ctx.compile())


def _desired(compiled: CompileResult) -> DesiredState:
    return dataclasses.replace(compiled.desired, project="shop")


def _test_job(desired: DesiredState) -> JobSpec:
    (job,) = desired.test_jobs
    return job


def _test_topics(desired: DesiredState) -> list[str]:
    return [t.name for t in desired.topics if t.node == _test_job(desired).node]


def _plan(desired: DesiredState, *entries, jobs=(), topics=(), tests=False, adopt=()) -> Plan:  # type: ignore[no-untyped-def]
    observed = live(topics=tuple(topics), jobs=tuple(jobs))
    opts = PlanOptions(ENV, tests=tests, adopt=frozenset(adopt))
    return build_plan(desired, observed, ledger(*entries), opts)


def _mine(plan: Plan, desired: DesiredState) -> list[Change]:
    node = _test_job(desired).node
    return [c for c in plan.changes if c.node == node]


def _existing_topics(desired: DesiredState) -> list[TopicState]:
    return [TopicState(t.name, t.partitions, t.replication_factor) for t in desired.topics]


def _deployed_entries(desired: DesiredState, job_id: str = "t1", spec: JobSpec | None = None):  # type: ignore[no-untyped-def]
    job = spec or _test_job(desired)
    topics = [t for t in desired.topics if t.node == job.node]
    return [
        entry(ResourceKind.TEST_JOB, job.name, job, job_id=job_id, node=job.node),
        *(entry(ResourceKind.TOPIC, t.name, t, node=t.node) for t in topics),
    ]


def test_the_compiled_test_job_and_its_topics(compiled: CompileResult) -> None:
    job = _test_job(compiled.desired)
    project = compiled.desired.project
    assert job.name == TEST
    assert job.node == f"test.{project}.{TEST}"
    assert job.pipeline_name == f"streamt-test.{project}.{TEST}"
    assert (
        job.sink_topic
        == violations_topic("", project, TEST)
        == f"_streamt_violations.{project}.{TEST}"
    )
    assert sorted(_test_topics(compiled.desired)) == sorted(
        [violations_topic("", project, TEST), "datatests.orders.dlq"]
    )
    starts = [o.value for s in job.statements for o in option_values(s) if o.key == START_TIMESTAMP]
    assert starts == [DEPLOY_TIME], "the test reads from when it is deployed, not from compile time"


def test_the_test_job_value_is_the_same_at_every_compile(compiled: CompileResult) -> None:
    ctx = Context(EXAMPLE)
    again = with_test_jobs(ctx.project(), ctx.compile())
    assert _test_job(again.desired) == _test_job(compiled.desired)
    assert _test_job(again.desired).data_fingerprint == _test_job(compiled.desired).data_fingerprint


def test_not_asked_and_not_in_the_ledger_the_test_is_not_planned(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    without = dataclasses.replace(
        desired,
        test_jobs=(),
        topics=tuple(t for t in desired.topics if t.name not in _test_topics(desired)),
    )
    plan = _plan(desired)
    assert _mine(plan, desired) == []
    assert [c.address for c in plan.changes] == [c.address for c in _plan(without).changes]


def test_asked_the_job_and_its_topics_are_created(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    plan = _plan(desired, tests=True)
    mine = {(c.kind, c.name): c.action for c in _mine(plan, desired)}
    assert mine == {
        (ResourceKind.TEST_JOB, TEST): Action.CREATE,
        **{(ResourceKind.TOPIC, t): Action.CREATE for t in _test_topics(desired)},
    }
    job_change = next(c for c in plan.changes if c.kind is ResourceKind.TEST_JOB)
    assert job_change.desired == _test_job(desired)
    assert not job_change.destructive


def test_deployed_and_running_it_is_a_no_op(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    job = _test_job(desired)
    running = JobState("t1", job.pipeline_name, "RUNNING", 1)
    for asked in (False, True):
        plan = _plan(
            desired,
            *_deployed_entries(desired),
            jobs=[running],
            topics=_existing_topics(desired),
            tests=asked,
        )
        assert [c.action for c in _mine(plan, desired)] == [Action.NOOP] * 3
        assert not any(c.is_change for c in plan.changes if c.kind is ResourceKind.TEST_JOB)


def test_changed_sql_replaces_the_running_job(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    job = _test_job(desired)
    old = dataclasses.replace(
        job,
        statements=(*job.statements[:-1], "INSERT INTO `violations` SELECT 1"),
        data_fingerprint="",
    )
    running = JobState("t1", job.pipeline_name, "RUNNING", 1)
    plan = _plan(
        desired,
        *_deployed_entries(desired, spec=old),
        jobs=[running],
        topics=_existing_topics(desired),
    )
    (change,) = [c for c in plan.pending if c.kind is ResourceKind.TEST_JOB]
    assert (change.action, change.live_job_id, change.desired) == (Action.REPLACE, "t1", job)
    assert "test SQL changed" in change.reason


@pytest.mark.parametrize("state", ["FAILED", None])
def test_deployed_but_not_running_it_is_submitted_again(
    compiled: CompileResult, state: str | None
) -> None:
    desired = _desired(compiled)
    job = _test_job(desired)
    jobs = [JobState("t1", job.pipeline_name, state, 1)] if state else []
    plan = _plan(desired, *_deployed_entries(desired), jobs=jobs, topics=_existing_topics(desired))
    (change,) = [c for c in plan.pending if c.kind is ResourceKind.TEST_JOB]
    assert (change.action, change.live_job_id) == (Action.REPLACE, None)
    assert (state or "not found") in change.reason


def test_a_job_an_earlier_test_deploy_left_outside_the_ledger(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    job = _test_job(desired)
    running = [JobState("old", job.pipeline_name, "RUNNING", 1)]
    assert _mine(_plan(desired, jobs=running), desired) == []  # not asked: left alone
    plan = _plan(desired, jobs=running, tests=True)
    (change,) = [c for c in plan.pending if c.kind is ResourceKind.TEST_JOB]
    assert (change.action, change.live_job_id) == (Action.REPLACE, "old")


def test_a_removed_test_loses_its_job_and_topics(compiled: CompileResult) -> None:
    desired = _desired(compiled)
    job = _test_job(desired)
    gone = dataclasses.replace(
        desired,
        test_jobs=(),
        topics=tuple(t for t in desired.topics if t.node != job.node),
    )
    running = JobState("t1", job.pipeline_name, "RUNNING", 1)
    plan = _plan(
        gone, *_deployed_entries(desired), jobs=[running], topics=_existing_topics(desired)
    )
    removed = {(c.kind, c.name): (c.action, c.live_job_id) for c in _mine(plan, desired)}
    assert removed == {
        (ResourceKind.TEST_JOB, TEST): (Action.DELETE, "t1"),
        **{(ResourceKind.TOPIC, t): (Action.DELETE, None) for t in _test_topics(desired)},
    }


def test_an_existing_dlq_topic_is_adopted_by_test_deploy_never_taken(
    compiled: CompileResult,
) -> None:
    """`streamt test --deploy` plans with the tests adopted: a DLQ topic that exists outside
    the ledger is used as it is (recorded, not owned: destroy keeps it); without the adoption
    the plan refuses it, as any existing topic."""
    desired = _desired(compiled)
    job = _test_job(desired)
    existing = [TopicState("datatests.orders.dlq", 1, 1)]
    refused = _plan(desired, topics=existing, tests=True)
    assert [c.action for c in refused.changes if c.name == "datatests.orders.dlq"] == [
        Action.REFUSED
    ]
    plan = _plan(desired, topics=existing, tests=True, adopt=[job.node])
    actions = {c.name: c.action for c in _mine(plan, desired)}
    assert actions == {
        TEST: Action.CREATE,
        violations_topic("", compiled.desired.project, TEST): Action.CREATE,
        "datatests.orders.dlq": Action.ADOPT,
    }


def test_the_deploy_time_is_bound_at_submit_only() -> None:
    statement = (
        "CREATE TABLE `src` (`a` STRING) WITH ('connector' = 'kafka', "
        "'scan.startup.timestamp-millis' = 'deploy-time', 'topic' = 'deploy-time')"
    )
    ref = statement.replace("'deploy-time')", "'x')").replace(
        "= 'deploy-time',", "= 'deploy-time-5000',"
    )
    assert bound_start([statement, ref], 1_000_000) == [
        statement.replace("= 'deploy-time',", "= '1000000',"),
        ref.replace("'deploy-time-5000'", "'995000'"),
    ]
    assert bound_start([ref], 10) == [ref.replace("'deploy-time-5000'", "'0'")]  # never < 0
