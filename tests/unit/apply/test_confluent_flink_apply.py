"""Plan, apply, upgrade, status and the ledger with a `type: confluent` default cluster: the
seed's fraud example (tests/fixtures/confluent_fraud) as compiled, applied through the real
Confluent Cloud Flink client to the statements API model (tests/fakes/confluent_flink)."""

from __future__ import annotations

import shutil
from pathlib import Path

from streamt.apply.executor import execute_plan
from streamt.apply.rollback import rollback_job
from streamt.apply.step import ApplyOptions, StepContext
from streamt.compile.specs import DesiredState
from streamt.context import Context
from streamt.load import load_project
from streamt.plan import PlanOptions, build_plan
from streamt.resources import Action, ResourceKind, TopicState
from streamt.state import LedgerWriter, MemoryLedgerStore, Systems, observe, read_ledger
from streamt.state.systems import systems_from_runtime
from tests.fakes.confluent_flink import ConfluentFlinkServer
from tests.unit.adapters.test_confluent_flink import ENVIRON, FIXTURE, client, server

from .fakes import FakeKafka

ENV = "dev"


def desired_of(root: Path) -> DesiredState:
    return Context(root, environ=ENVIRON).compile().desired


def cycle(systems: Systems, desired: DesiredState, destructive: bool = False):  # type: ignore[no-untyped-def]
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, ENV)
    plan = build_plan(desired, observe(desired, ledger, systems), ledger, PlanOptions(ENV))
    options = ApplyOptions(
        job_stable_s=0, poll_s=0, history_wait_s=0, environ=ENVIRON, allow_destructive=destructive
    )
    writer = LedgerWriter(systems.ledger, desired.project, ENV)
    return plan, execute_plan(plan, StepContext(systems, ledger, writer, options))


def fraud_systems(model: ConfluentFlinkServer) -> Systems:
    kafka = FakeKafka()
    kafka.topics["transactions.raw.v1"] = TopicState("transactions.raw.v1", 6, 3, {})
    return Systems(kafka=kafka, flink=client(model), ledger=MemoryLedgerStore())


def job_changes(plan) -> dict[str, Action]:  # type: ignore[no-untyped-def]
    return {c.name: c.action for c in plan.changes if c.kind is ResourceKind.JOB}


def test_the_runtime_builds_a_confluent_client_reaching_the_regional_endpoint() -> None:
    project = load_project(FIXTURE).project
    assert project is not None
    flink = systems_from_runtime(project.runtime, ENVIRON).flink
    api = getattr(flink, "api", None)
    assert api is not None
    assert str(api.client.base_url) == "https://flink.us-east-1.aws.confluent.cloud"
    assert flink.base == (  # type: ignore[union-attr]
        "/sql/v1/organizations/7c60d51f-b44e-4682-87d6-449835ea4de6/environments/env-a1b2c3"
    )
    auth = api.client.auth
    assert auth is not None and "s3cr3t" not in repr(flink)


def test_the_fraud_example_applies_converges_and_upgrades(tmp_path: Path) -> None:
    model = server()
    systems = fraud_systems(model)
    desired = desired_of(FIXTURE)

    plan, report = cycle(systems, desired)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert set(job_changes(plan).values()) == {Action.CREATE}
    running = {st.labels["streamt-job"]: st for st in model.statements.values()}
    assert sorted(running) == sorted(j.pipeline_name for j in desired.jobs)
    assert all(st.phase == "RUNNING" for st in running.values())
    ledger = read_ledger(systems.ledger, desired.project, ENV)  # type: ignore[arg-type]
    recorded = {e.job_id for e in ledger.entries if e.kind is ResourceKind.JOB}
    assert recorded == {st.name for st in running.values()}

    again, _ = cycle(systems, desired)
    assert set(job_changes(again).values()) == {Action.NOOP}

    # a changed filter: the old statement is stopped, the new one carries its offsets over
    copy = tmp_path / "fraud"
    shutil.copytree(FIXTURE, copy)
    text = (copy / "stream_project.yml").read_text().replace("amount > 0", "amount > 5")
    (copy / "stream_project.yml").write_text(text)
    changed = desired_of(copy)
    plan, report = cycle(systems, changed)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert job_changes(plan)["transactions"] is Action.UPGRADE
    old = running["streamt.fraud.transactions"]
    assert model.statements[old.name].phase == "STOPPED"
    (new,) = [
        st
        for st in model.statements.values()
        if st.labels["streamt-job"] == "streamt.fraud.transactions" and st.name != old.name
    ]
    assert new.phase == "RUNNING"
    assert new.spec["properties"]["sql.tables.initial-offset-from"] == old.name
    assert "`amount` > 5" in new.spec["statement"]
    final, _ = cycle(systems, changed)
    assert set(job_changes(final).values()) == {Action.NOOP}

    # rollback: the new statement is deleted, the old one (the same SQL) resumed
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, changed.project, ENV)
    writer = LedgerWriter(systems.ledger, changed.project, ENV)
    options = ApplyOptions(job_stable_s=0, poll_s=0, history_wait_s=0, environ=ENVIRON)
    note = rollback_job(StepContext(systems, ledger, writer, options), "transactions")
    assert f"confluent-statement:{old.name}" in note
    assert new.name not in model.statements
    assert model.statements[old.name].phase == "RUNNING"
    assert model.statements[old.name].spec["stopped"] is False


def test_a_statement_confluent_fails_fails_the_apply_with_its_detail() -> None:
    model = server(models=())  # FraudModel is not registered in the environment
    systems = fraud_systems(model)
    _, report = cycle(systems, desired_of(FIXTURE))
    (failed,) = report.failed
    assert failed.change.name == "fraud_predictions"
    assert "Model 'FraudModel' not found" in failed.message
    assert all(
        st.labels["streamt-job"] != "streamt.fraud.fraud_predictions"
        for st in model.statements.values()
    )  # the failed statement was removed


def test_status_shows_the_statements_phase_and_confluents_detail() -> None:
    from streamt.apply.status import collect_status

    model = server()
    systems = fraud_systems(model)
    desired = desired_of(FIXTURE)
    _, report = cycle(systems, desired)
    assert report.ok
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, desired.project, ENV)

    def rows() -> dict[str, object]:
        status = collect_status(desired, ledger, observe(desired, ledger, systems), systems)
        return {r.name: r for r in status.resources if r.kind == "flink_job"}

    healthy = rows()["fraud_predictions"]
    assert healthy.state == "RUNNING"  # type: ignore[attr-defined]
    assert "checkpoints" not in healthy.details  # type: ignore[attr-defined]  # none exposed
    (scored,) = [s for s in model.statements.values() if "fraud-predictions" in s.name]
    scored.phase, scored.detail = "DEGRADED", "No transactions were committed for 10 minutes."
    degraded = rows()["fraud_predictions"]
    assert degraded.state == "RESTARTING"  # type: ignore[attr-defined]
    assert degraded.details["cause"] == scored.detail  # type: ignore[attr-defined]


def test_destroy_deletes_every_statement() -> None:
    model = server()
    systems = fraud_systems(model)
    desired = desired_of(FIXTURE)
    _, report = cycle(systems, desired)
    assert report.ok and len(model.statements) == 2
    plan, report = cycle(systems, DesiredState(desired.project), destructive=True)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert set(job_changes(plan).values()) == {Action.DELETE}
    # the deletion is asynchronous (DELETING until read again): destroy waits until each
    # statement is gone before it drops the job's consumer group
    assert model.statements == {}
    assert systems.ledger is not None
    assert not [
        e
        for e in read_ledger(systems.ledger, desired.project, ENV).entries
        if e.kind is ResourceKind.JOB
    ]
