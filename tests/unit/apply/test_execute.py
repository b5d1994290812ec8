"""Apply logic against in-memory systems: convergence, upgrades, interruptions, safety."""

from __future__ import annotations

import dataclasses

import pytest

from streamt.apply.deployment import ensure_fresh
from streamt.apply.executor import execute_plan
from streamt.apply.rollback import rollback_job
from streamt.apply.step import ApplyOptions, StepContext
from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.plan import PlanOptions, build_plan
from streamt.resources import Action, EntryStatus, ResourceKind, TopicState
from streamt.state import LedgerWriter, Systems, observe, read_ledger

from ..plan.factories import ENV, PROJECT, connector, job, subject, topic
from .fakes import FakeConnect, FakeFlink, FakeKafka, fake_systems


def _opts(**kw):  # type: ignore[no-untyped-def]
    return ApplyOptions(job_stable_s=0, poll_s=0, job_start_timeout_s=2, history_wait_s=0, **kw)


def plan_for(systems: Systems, desired: DesiredState, *, reset: bool = False):  # type: ignore[no-untyped-def]
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    live = observe(desired, ledger, systems)
    return build_plan(desired, live, ledger, PlanOptions(ENV, reset_state=reset)), ledger


def cycle(systems: Systems, desired: DesiredState, *, reset: bool = False, **opts):  # type: ignore[no-untyped-def]
    plan, ledger = plan_for(systems, desired, reset=reset)
    assert systems.ledger is not None
    ctx = StepContext(systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts(**opts))
    return plan, execute_plan(plan, ctx)


PG = {"connection.url": "jdbc:postgresql://db:5432/shop", "connection.password": "${PG_PASSWORD}"}


def project(
    query: str = "SELECT id FROM orders", partitions: int = 3, with_sink: bool = True
) -> DesiredState:
    return DesiredState(
        project=PROJECT,
        subjects=(subject("orders-value"),),
        topics=(topic("orders"), topic("orders_clean", partitions)),
        jobs=(job("orders_clean", query),),
        connectors=(connector("pg", **PG),) if with_sink else (),
    )


ENVIRON = {"PG_PASSWORD": "hunter2"}


def _savepoint(flink: FakeFlink) -> str:
    """The one savepoint the Flink model wrote."""
    (savepoint,) = flink.server.savepoints
    return savepoint


def _flink(systems: Systems) -> FakeFlink:
    assert isinstance(systems.flink, FakeFlink)
    return systems.flink


def test_apply_creates_everything_then_second_plan_is_empty_and_nothing_restarts():
    systems = fake_systems()
    plan, report = cycle(systems, project(), environ=ENVIRON)
    assert report.ok, report.failed
    assert [c.action for c in plan.pending] == [Action.CREATE] * 5
    flink = _flink(systems)
    assert len(flink.running()) == 1
    submitted_config = flink.submitted[0][1]
    assert submitted_config["pipeline.name"] == "streamt.shop.orders_clean"
    again, report2 = cycle(systems, project(), environ=ENVIRON)
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
    assert report2.results == ()
    assert len(flink.submitted) == 1


def test_secrets_are_resolved_for_connect_but_never_written_to_the_ledger():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    assert isinstance(systems.connect, FakeConnect)
    assert systems.connect.connectors["pg"]["connection.password"] == "hunter2"
    from streamt.state import MemoryLedgerStore

    assert isinstance(systems.ledger, MemoryLedgerStore)
    log = b"".join(r.value or b"" for r in systems.ledger.log)
    assert b"hunter2" not in log and b"${PG_PASSWORD}" in log


def test_missing_variable_fails_before_anything_runs():
    systems = fake_systems()
    with pytest.raises(StreamtError) as err:
        cycle(systems, project(), environ={})
    assert err.value.diagnostics[0].code == "A004"
    assert "PG_PASSWORD" in err.value.diagnostics[0].message
    assert isinstance(systems.kafka, FakeKafka) and systems.kafka.topics == {}


def test_sql_change_upgrades_through_a_savepoint_and_rollback_restores_it():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    flink = _flink(systems)
    (first,) = flink.running()
    plan, report = cycle(systems, project("SELECT id FROM orders WHERE id <> ''"), environ=ENVIRON)
    assert [c.action for c in plan.pending] == [Action.UPGRADE]
    assert report.ok, report.failed
    savepoint = _savepoint(flink)
    assert savepoint.startswith(f"file:/tmp/flink-savepoints/savepoint-{first.job_id[:6]}-")
    assert flink.jobs[first.job_id].state == "FINISHED"  # stopped with the savepoint
    statements, config = flink.submitted[-1]
    assert config["execution.savepoint.path"] == savepoint
    assert "WHERE id <> ''" in statements[-1]
    (second,) = flink.running()
    assert flink.server.jobs[second.job_id].restored_from == savepoint
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    entry = ledger.get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.job_id == second.job_id
    assert entry.status is EntryStatus.APPLIED
    assert entry.previous[-1].savepoint == savepoint
    ctx = StepContext(
        systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts(environ=ENVIRON)
    )
    message = rollback_job(ctx, "orders_clean")
    assert "restored the previous version" in message
    statements, config = flink.submitted[-1]
    assert statements[-1].endswith("SELECT id FROM orders")
    assert config["execution.savepoint.path"] == savepoint
    (third,) = flink.running()
    assert third.job_id not in (first.job_id, second.job_id)


def test_upgrade_whose_new_job_fails_keeps_rollback_and_is_refused_next_time():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    flink = _flink(systems)
    flink.fail_next = "FAILED"
    new = project("SELECT id, 1 FROM orders")
    _, report = cycle(systems, new, environ=ENVIRON)
    assert not report.ok
    message = report.failed[0].message
    assert f"could not start from savepoint {_savepoint(flink)}" in message
    assert "streamt rollback orders_clean" in message
    again, _ = plan_for(systems, new)
    (refused,) = again.refused
    assert "last upgrade of this job failed" in refused.reason
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    ctx = StepContext(
        systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts(environ=ENVIRON)
    )
    rollback_job(ctx, "orders_clean")
    assert flink.submitted[-1][1]["execution.savepoint.path"] == _savepoint(flink)
    assert len(flink.running()) == 1


def test_interrupted_upgrade_after_the_savepoint_resumes_from_it_without_duplicates():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    flink = _flink(systems)
    flink.crash_on_submit = 1
    new = project("SELECT id FROM orders WHERE id > ''")
    with pytest.raises(KeyboardInterrupt):
        cycle(systems, new, environ=ENVIRON)
    assert flink.running() == []  # old job stopped with savepoint, new never submitted
    flink.dead = False
    plan, report = cycle(systems, new, environ=ENVIRON)
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == _savepoint(flink)
    assert report.ok
    assert len(flink.running()) == 1
    assert not plan_for(systems, new)[0].has_changes


def test_interrupted_create_between_jobs_converges_without_duplicate_jobs():
    systems = fake_systems()
    desired = DesiredState(
        project=PROJECT,
        topics=(topic("orders"),),
        jobs=(job("a"), job("b"), job("c")),
    )
    flink = _flink(systems)
    flink.crash_on_submit = 2
    with pytest.raises(KeyboardInterrupt):
        cycle(systems, desired, max_workers=1)
    assert len(flink.running()) == 1
    flink.dead = False
    _, report = cycle(systems, desired)
    assert report.ok
    assert sorted(j.name for j in flink.running()) == [f"streamt.shop.{n}" for n in "abc"]
    assert not plan_for(systems, desired)[0].has_changes


def test_job_submitted_but_not_recorded_is_found_by_pipeline_name_not_resubmitted():
    systems = fake_systems()
    desired = DesiredState(project=PROJECT, jobs=(job("a"),))
    flink = _flink(systems)
    plan, _ = plan_for(systems, desired)
    statements = list(desired.jobs[0].statements)
    job_id = flink.submit(statements, {"pipeline.name": "streamt.shop.a"})  # then the crash
    assert systems.ledger is not None
    ctx = StepContext(
        systems,
        read_ledger(systems.ledger, PROJECT, ENV),
        LedgerWriter(systems.ledger, PROJECT, ENV),
        _opts(),
    )
    report = execute_plan(plan, ctx)
    assert report.ok and f"already running as {job_id}: adopted" in report.results[0].message
    assert len(flink.submitted) == 1


def test_destructive_changes_need_allow_destructive_and_touch_only_owned():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    assert isinstance(systems.kafka, FakeKafka)
    systems.kafka.create_topics(
        [__import__("streamt.compile.specs", fromlist=["TopicSpec"]).TopicSpec("not_ours", 1, 1)]
    )
    smaller = DesiredState(project=PROJECT, topics=(topic("orders"),))
    with pytest.raises(StreamtError) as err:
        cycle(systems, smaller, environ=ENVIRON)
    codes = {d.code for d in err.value.diagnostics}
    assert codes == {"A003"}
    assert "orders_clean" in systems.kafka.topics
    plan, report = cycle(systems, smaller, environ=ENVIRON, allow_destructive=True)
    assert report.ok
    assert sorted((c.kind.value, c.name) for c in plan.pending) == [
        ("connector", "pg"),
        ("flink_job", "orders_clean"),
        ("subject", "orders-value"),
        ("topic", "orders_clean"),
    ]
    assert sorted(systems.kafka.topics) == ["not_ours", "orders"]
    assert _flink(systems).running() == []


def test_topic_update_in_place_reaches_kafka_and_converges():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    changed = dataclasses.replace(
        project(),
        topics=(topic("orders"), topic("orders_clean", 6, {"retention.ms": "3600000"})),
    )
    plan, report = cycle(systems, changed, environ=ENVIRON)
    assert report.ok, report.failed
    assert [(c.action, c.name) for c in plan.pending] == [(Action.UPDATE, "orders_clean")]
    assert isinstance(systems.kafka, FakeKafka)
    state = systems.kafka.topics["orders_clean"]
    assert (state.partitions, state.config.get("retention.ms")) == (6, "3600000")
    assert len(_flink(systems).submitted) == 1  # a topic update restarts no job
    again, _ = cycle(systems, changed, environ=ENVIRON)
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]


def test_variable_in_a_job_statement_is_checked_before_anything_runs():
    systems = fake_systems()
    base = job("orders_clean")
    source = (
        "CREATE TABLE `orders` (`id` STRING) WITH ('connector' = 'kafka', 'x.key' = '${REGION}')"
    )
    spec = dataclasses.replace(base, statements=(source, *base.statements[1:]))
    with pytest.raises(StreamtError) as err:
        cycle(systems, dataclasses.replace(project(), jobs=(spec,)), environ=ENVIRON)
    diag = err.value.diagnostics[0]
    assert diag.code == "A004" and "REGION" in diag.message and "job" in diag.message
    assert isinstance(systems.kafka, FakeKafka) and systems.kafka.topics == {}
    assert _flink(systems).submitted == []


def test_a_placeholder_in_the_query_is_a_literal_not_a_variable():
    """Issue 10 class 1: `${...}` in a model's SQL is never resolved, so it needs no variable."""
    systems = fake_systems()
    spec = job("orders_clean", "SELECT id FROM orders WHERE region = '${REGION}'")
    _, report = cycle(systems, dataclasses.replace(project(), jobs=(spec,)), environ=ENVIRON)
    assert report.ok, report.failed
    assert "'${REGION}'" in _flink(systems).submitted[0][0][-1]


def test_partition_decrease_is_refused_by_apply():
    systems = fake_systems()
    cycle(systems, project(partitions=6), environ=ENVIRON)
    with pytest.raises(StreamtError) as err:
        cycle(systems, project(partitions=2), environ=ENVIRON)
    diag = err.value.diagnostics[0]
    assert diag.code == "A002" and "partition decrease 6 -> 2" in diag.message


def test_stale_plan_is_refused():
    systems = fake_systems()
    plan, _ = plan_for(systems, project())
    cycle(systems, DesiredState(project=PROJECT, topics=(topic("orders"),)))
    fresh, _ = plan_for(systems, project())
    with pytest.raises(StreamtError) as err:
        ensure_fresh(plan, fresh, "plan.json")
    diag = err.value.diagnostics[0]
    assert diag.code == "A005"
    assert "live infrastructure and the deployment ledger changed" in diag.message
    # what changed, change by change: the topic the other apply created is no longer planned
    assert "a plan made now differs: topic.orders: was create (" in diag.message
    assert "now noop (" in diag.message and diag.hint.startswith("nothing was applied")
    ensure_fresh(fresh, plan_for(systems, project())[0])


def test_failed_job_needs_reset_state_then_restarts_without_state():
    systems = fake_systems()
    desired = DesiredState(project=PROJECT, jobs=(job("a"),))
    cycle(systems, desired)
    flink = _flink(systems)
    (failed,) = flink.running()
    flink.set_state(failed.job_id, "FAILED")
    plan, _ = plan_for(systems, desired)
    assert plan.refused and f"FAILED (job {failed.job_id})" in plan.refused[0].reason
    with pytest.raises(StreamtError):
        cycle(systems, desired, reset=True)  # replace is destructive
    plan, report = cycle(systems, desired, reset=True, allow_destructive=True)
    assert report.ok and plan.pending[0].action is Action.REPLACE
    assert "execution.savepoint.path" not in flink.submitted[-1][1]


def test_observe_makes_one_listing_call_per_system():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    before = systems.calls()
    plan_for(systems, project())
    after = systems.calls()
    assert {k: after[k] - before[k] for k in after} == {
        "kafka": 1,
        "schema_registry": 1,
        "flink": 1,
        "connect": 1,
        "ledger": 1,
        "gateway": 0,  # the project has no virtual topics: the Gateway is not asked
    }


def test_the_max_parallelism_of_the_first_start_is_pinned_for_every_later_version():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    assert systems.ledger is not None
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.max_parallelism == 128  # what Flink chose, read back
    flink = _flink(systems)
    assert "pipeline.max-parallelism" not in flink.submitted[-1][1]

    wider = dataclasses.replace(
        project("SELECT id FROM orders WHERE id <> ''"),
        jobs=(
            job(
                "orders_clean",
                "SELECT id FROM orders WHERE id <> ''",
                **{"parallelism.default": "2"},
            ),
        ),
    )
    plan, report = cycle(systems, wider, environ=ENVIRON)
    assert [c.action for c in plan.pending] == [Action.UPGRADE] and report.ok, report.failed
    assert not plan.pending[0].state_breaking
    _, config = flink.submitted[-1]
    assert config["pipeline.max-parallelism"] == "128" and config["parallelism.default"] == "2"
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.max_parallelism == 128


@pytest.mark.parametrize(
    ("config", "lost"),
    [
        (
            {"pipeline.max-parallelism": "256"},
            "keyed state of 128 key groups (pipeline.max-parallelism pinned at the first deploy) "
            "cannot be restored with pipeline.max-parallelism 256",
        ),
        (
            {"parallelism.default": "200"},
            "parallelism 200 exceeds the max parallelism 128 the job's state was taken with",
        ),
    ],
)
def test_a_rescale_that_breaks_the_restore_is_state_breaking(config, lost):  # type: ignore[no-untyped-def]
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    rescaled = dataclasses.replace(
        project(), jobs=(job("orders_clean", "SELECT id FROM orders", **config),)
    )
    with pytest.raises(StreamtError) as refused:
        cycle(systems, rescaled, environ=ENVIRON)
    (diag,) = refused.value.diagnostics
    assert diag.code == "A140" and lost in diag.message
    plan, report = cycle(systems, rescaled, environ=ENVIRON, allow_state_loss=True)
    assert plan.pending[0].state_breaking and report.ok, report.failed
    _, config_sent = _flink(systems).submitted[-1]
    assert "execution.savepoint.path" not in config_sent  # started without state
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")  # type: ignore[arg-type]
    assert entry is not None and entry.previous[-1].savepoint  # the old state, for rollback
    assert entry.max_parallelism == int(config.get("pipeline.max-parallelism", "512"))
    ctx = StepContext(
        systems, read_ledger(systems.ledger, PROJECT, ENV),  # type: ignore[arg-type]
        LedgerWriter(systems.ledger, PROJECT, ENV), _opts(environ=ENVIRON),  # type: ignore[arg-type]
    )  # fmt: skip
    assert "restored the previous version" in rollback_job(ctx, "orders_clean")
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")  # type: ignore[arg-type]
    assert entry is not None and entry.max_parallelism == 128  # the old savepoint's key groups


def test_the_stream_graph_of_one_script_is_explained_once_per_client():
    flink = _flink(fake_systems())
    spec = job("orders_clean")
    first = flink.stream_graph(spec.statements, {"parallelism.default": "2"})
    calls = flink.calls
    assert flink.stream_graph(spec.statements, {"parallelism.default": "2"}) == first
    assert flink.calls == calls  # the plan and its apply's replan ask the gateway once
    flink.stream_graph(spec.statements, {"parallelism.default": "3"})
    assert flink.calls > calls  # another config is another graph


def test_an_interrupted_state_breaking_upgrade_never_restores_the_old_state_into_the_new_sql():
    systems = fake_systems()
    cycle(systems, project(), environ=ENVIRON)
    flink = _flink(systems)
    (old,) = flink.running()
    rescaled = dataclasses.replace(
        project(),
        jobs=(job("orders_clean", "SELECT id FROM orders", **{"parallelism.default": "200"}),),
    )
    flink.crash_on_submit = 1  # the apply process dies once the old job stopped
    with pytest.raises(KeyboardInterrupt):
        cycle(systems, rescaled, environ=ENVIRON, allow_state_loss=True)
    flink.dead = False
    savepoint = _savepoint(flink)
    plan, _ = plan_for(systems, rescaled)
    (change,) = [c for c in plan.changes if c.kind is ResourceKind.JOB]
    assert change.action is Action.CREATE and change.restore_from is None  # not resumed
    assert change.state_breaking and "exceeds the max parallelism 128" in change.reason
    with pytest.raises(StreamtError) as refused:
        cycle(systems, rescaled, environ=ENVIRON)
    assert [d.code for d in refused.value.diagnostics] == ["A140"]
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    ctx = StepContext(
        systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts(environ=ENVIRON)
    )
    assert "restored the previous version" in rollback_job(ctx, "orders_clean")
    _, config = flink.submitted[-1]
    assert config["execution.savepoint.path"] == savepoint and "parallelism.default" not in config
    assert old.job_id not in {j.job_id for j in flink.running()}


def test_a_topic_whose_name_kafka_takes_for_a_live_ones_is_refused_by_the_plan():
    """Another project's `orders.clean` on the cluster: Kafka would refuse `orders_clean`
    ("collides with existing topic"). The plan refuses its creation, so apply changes nothing."""
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka)
    systems.kafka.topics["orders.clean"] = TopicState("orders.clean", 1, 1, {})
    plan, _ = plan_for(systems, project(with_sink=False))
    (refused,) = plan.refused
    assert (refused.kind, refused.name) == (ResourceKind.TOPIC, "orders_clean")
    assert "collides with the existing topic 'orders.clean'" in refused.reason
    assert "advanced.topic.name" in refused.hint
    with pytest.raises(StreamtError) as err:
        cycle(systems, project(with_sink=False), environ=ENVIRON)
    assert [d.code for d in err.value.diagnostics] == ["A002"]
    assert "orders_clean" not in systems.kafka.topics and _flink(systems).submitted == []


def test_a_colliding_topic_that_appears_after_the_plan_fails_its_step_and_starts_no_job():
    """`orders.clean` created by someone else between plan and apply: Kafka refuses
    `orders_clean`. Apply once took that refusal for "already exists" by its text ("existing"),
    said "created", recorded the topic and submitted a job that failed writing to it."""
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka)
    plan, ledger = plan_for(systems, project(with_sink=False))
    assert "orders_clean" in [c.name for c in plan.pending if c.kind is ResourceKind.TOPIC]
    systems.kafka.topics["orders.clean"] = TopicState("orders.clean", 1, 1, {})
    assert systems.ledger is not None
    writer = LedgerWriter(systems.ledger, PROJECT, ENV)
    report = execute_plan(plan, StepContext(systems, ledger, writer, _opts()))
    assert not report.ok
    (failed,) = report.failed
    assert failed.change.name == "orders_clean"
    assert "collides with existing topic: orders.clean" in failed.message
    assert "orders_clean" not in systems.kafka.topics
    assert _flink(systems).submitted == []
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.TOPIC, "orders_clean")
    assert entry is None or entry.status is not EntryStatus.APPLIED
