"""A continuous test's job applied through the executor's job steps to the model servers of
`tests/fakes`, as the compiler writes it (the datatests example): `test --deploy`'s plan creates
the job and its topics and records them in the ledger, a re-plan is empty, a changed test
replaces the job, and destroy cancels it and deletes its topics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from streamt.apply.executor import ApplyReport, execute_plan, phases
from streamt.apply.step import ApplyOptions, StepContext
from streamt.compile.specs import DesiredState
from streamt.context import Context
from streamt.plan import PlanOptions, build_plan
from streamt.resources import Action, Plan, ResourceKind, TopicState
from streamt.sql.options import START_TIMESTAMP, option_values
from streamt.state import LedgerWriter, Systems, observe, read_ledger
from streamt.testing.deployed import with_test_jobs

from .fakes import FakeFlink, FakeKafka, fake_systems

EXAMPLE = Path(__file__).parents[3] / "examples" / "datatests"
ENV = "dev"
ENVIRON = {"DATATESTS_WEBHOOK_URL": "http://hooks.local/x"}


def _desired() -> DesiredState:
    ctx = Context(EXAMPLE)
    return with_test_jobs(ctx.project(), ctx.compile()).desired


def _cycle(
    systems: Systems, desired: DesiredState, *, tests: bool = False, **options: object
) -> tuple[Plan, ApplyReport]:
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, ENV)
    live = observe(desired, ledger, systems)
    plan = build_plan(desired, live, ledger, PlanOptions(ENV, tests=tests))
    opts = ApplyOptions(job_stable_s=0, poll_s=0, history_wait_s=0, environ=ENVIRON, **options)  # type: ignore[arg-type]
    writer = LedgerWriter(systems.ledger, desired.project, ENV)
    return plan, execute_plan(plan, StepContext(systems, ledger, writer, opts))


def _systems(desired: DesiredState) -> tuple[Systems, FakeKafka, FakeFlink]:
    systems = fake_systems()
    kafka, flink = systems.kafka, systems.flink
    assert isinstance(kafka, FakeKafka) and isinstance(flink, FakeFlink)
    made = {t.name for t in desired.topics}
    for job in (*desired.jobs, *desired.test_jobs):  # the sources exist before
        for name in job.source_topics:
            if name not in made:
                kafka.topics[name] = TopicState(name, 1, 1, {})
    return systems, kafka, flink


def _test_jobs(flink: FakeFlink, pipeline: str) -> list[tuple[str, str]]:
    return [(j.jid, j.state) for j in flink.server.jobs.values() if j.name == pipeline]


def test_a_deployed_test_is_applied_owned_and_destroyed_with_its_topics() -> None:
    desired = _desired()
    (test_job,) = desired.test_jobs
    test_topics = sorted(t.name for t in desired.topics if t.node == test_job.node)
    systems, kafka, flink = _systems(desired)

    _, report = _cycle(systems, desired)  # apply without asking: no test job
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert _test_jobs(flink, test_job.pipeline_name) == []
    assert not set(test_topics) & set(kafka.topics)

    plan, report = _cycle(systems, desired, tests=True)  # `streamt test --deploy`
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert [(name, [c.address for c in changes]) for name, changes in phases(plan)] == [
        ("topics", [f"topic.{t}" for t in test_topics]),
        ("test jobs", [f"test_job.{test_job.name}"]),
    ]
    ((job_id, state),) = _test_jobs(flink, test_job.pipeline_name)
    assert state == "RUNNING"
    ran = flink.server.jobs[job_id]
    starts = [o.value for s in ran.statements for o in option_values(s) if o.key == START_TIMESTAMP]
    assert len(starts) == 1 and starts[0].isdigit() and int(starts[0]) > 1_700_000_000_000
    assert set(test_topics) <= set(kafka.topics)
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, ENV)
    entry = ledger.get(ResourceKind.TEST_JOB, test_job.name)
    assert entry is not None and entry.job_id == job_id and entry.spec == test_job
    assert all(ledger.get(ResourceKind.TOPIC, t) is not None for t in test_topics)

    for asked in (False, True):  # owned from now on: plan empty, asked or not
        again, second = _cycle(systems, desired, tests=asked)
        assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
        assert second.results == ()

    # the test's SQL changes: the job is replaced (the old one cancelled first)
    changed = dataclasses.replace(
        test_job,
        statements=(*test_job.statements[:-1], test_job.statements[-1] + " "),
        data_fingerprint="",
    )
    edited = dataclasses.replace(desired, test_jobs=(changed,))
    plan, report = _cycle(systems, edited)
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert [(c.address, c.action) for c in plan.pending] == [
        (f"test_job.{test_job.name}", Action.REPLACE)
    ]
    states = dict(_test_jobs(flink, test_job.pipeline_name))
    assert states[job_id] == "CANCELED"
    assert sorted(states.values()) == ["CANCELED", "RUNNING"]

    # destroy: the test job is cancelled and its topics deleted with everything else
    gone, report = _cycle(systems, DesiredState(project=desired.project), allow_destructive=True)
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert {c.address for c in gone.pending} >= {
        f"test_job.{test_job.name}",
        *(f"topic.{t}" for t in test_topics),
    }
    assert [s for _, s in _test_jobs(flink, test_job.pipeline_name) if s == "RUNNING"] == []
    assert not set(test_topics) & set(kafka.topics)
    assert read_ledger(systems.ledger, desired.project, ENV).entries == []
