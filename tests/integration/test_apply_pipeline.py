"""plan/apply on the real local stack: convergence, exact rows, idempotency, status, safety."""

from __future__ import annotations

import json
import os
import tempfile

import pytest

from streamt.apply.status import collect_status
from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, TopicSpec
from tests.kafka_helpers import produce_json

from .test_apply_support import (
    FilterProject,
    cleanup,
    deploy,
    read_all,
    session,
    systems,
    unique,
    wait_for,
)

pytestmark = pytest.mark.integration

ROWS = [
    {"id": "a", "amount": 5},
    {"id": "b", "amount": -1},
    {"id": "c", "amount": 7},
    {"id": "d", "amount": 0},
    {"id": "e", "amount": 12},
]
EXPECTED = [{"id": "a", "amount": 5}, {"id": "c", "amount": 7}, {"id": "e", "amount": 12}]


@pytest.fixture
def project(local_stack):  # type: ignore[no-untyped-def]
    name = unique("it-apply")
    out = os.path.join(tempfile.gettempdir(), f"{name}.jsonl")
    proj = FilterProject(name, f"{name}.raw", f"{name}.clean", out)
    yield proj
    cleanup([proj.desired()])


def test_apply_runs_the_pipeline_exactly_and_second_apply_changes_nothing(project, local_stack):  # type: ignore[no-untyped-def]
    desired = project.desired()
    plan, report = deploy(desired)
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert sorted((c.kind.value, c.action) for c in plan.pending) == [
        ("connector", Action.CREATE),
        ("flink_job", Action.CREATE),
        ("topic", Action.CREATE),
        ("topic", Action.CREATE),
    ]
    produce_json(local_stack.kafka_bootstrap, project.raw, ROWS, key="id")
    rows = read_all(local_stack.kafka_bootstrap, project.clean, expect=3)
    assert sorted((v for _, v in rows), key=lambda r: r["id"]) == EXPECTED  # type: ignore[index]
    lines = wait_for(lambda: _file_rows(project.out_file, 3), timeout=60)
    assert sorted(lines, key=lambda r: r["id"]) == EXPECTED

    mine = f"streamt.{project.name}."  # other tests run jobs on the shared cluster meanwhile
    jobs_before = {
        j.job_id
        for j in systems().flink.list_jobs()
        if j.state == "RUNNING" and j.name.startswith(mine)
    }  # type: ignore[union-attr]
    s = session(desired)
    second = s.plan()
    assert not second.has_changes, [(c.address, c.reason) for c in second.pending]
    again_plan, again = deploy(desired)
    assert again.results == () and not again_plan.has_changes
    jobs_after = {
        j.job_id
        for j in systems().flink.list_jobs()
        if j.state == "RUNNING" and j.name.startswith(mine)
    }  # type: ignore[union-attr]
    assert jobs_before == jobs_after

    report_status = collect_status(s.desired, s.ledger, s.live, s.systems, lag=True)
    by_name = {(r.kind, r.name): r for r in report_status.resources}
    assert by_name[("flink_job", "clean")].state == "RUNNING"
    assert by_name[("topic", project.raw)].details["messages"] == len(ROWS)
    assert by_name[("connector", f"{project.name}-file")].state == "RUNNING"
    assert report_status.drifted == ()


def test_status_reports_drift_and_plan_restores_an_edited_connector(project, local_stack):  # type: ignore[no-untyped-def]
    desired = project.desired()
    _, report = deploy(desired)
    assert report.ok
    s = systems()
    name = f"{project.name}-file"
    edited = {
        **next(c.config for c in s.connect.list_connectors() if c.name == name),
        "tasks.max": "2",
    }  # type: ignore[union-attr]
    s.connect.put_connector(name, edited)  # type: ignore[union-attr]
    fresh = session(desired)
    status = collect_status(fresh.desired, fresh.ledger, fresh.live, fresh.systems)
    assert [(r.name, r.drift) for r in status.drifted] == [
        (name, ("config edited outside streamt",))
    ]
    plan = fresh.plan()
    (change,) = plan.pending
    assert change.action is Action.UPDATE and "edited outside streamt" in change.reason
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("tasks.max", "2", "1")]
    _, report = deploy(desired)
    assert report.ok
    assert not session(desired).plan().has_changes


def test_destructive_changes_are_refused_then_only_owned_resources_go(project, local_stack):  # type: ignore[no-untyped-def]
    desired = project.desired()
    _, report = deploy(desired)
    assert report.ok
    foreign = unique("it-foreign")
    systems().kafka.create_topics([TopicSpec(foreign, 1, 1)])  # type: ignore[union-attr]
    smaller = DesiredState(project=project.name, topics=desired.topics[:1])
    try:
        with pytest.raises(StreamtError) as err:
            deploy(smaller)
        assert {d.code for d in err.value.diagnostics} == {"A003"}
        assert {j.name for j in systems().flink.list_jobs() if j.state == "RUNNING"} >= {
            "streamt." + project.name + ".clean"
        }  # type: ignore[union-attr]
        plan, report = deploy(smaller, allow_destructive=True)
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        assert sorted((c.kind.value, c.name) for c in plan.pending) == sorted(
            [
                ("connector", f"{project.name}-file"),
                ("flink_job", "clean"),
                ("topic", project.clean),
            ]
        )
        topics = {t.name for t in systems().kafka.list_topics()}  # type: ignore[union-attr]
        assert project.raw in topics and foreign in topics and project.clean not in topics
        pipeline = f"streamt.{project.name}.clean"
        assert not [
            j for j in systems().flink.list_jobs() if j.name == pipeline and j.state == "RUNNING"
        ]  # type: ignore[union-attr]
    finally:
        systems().kafka.delete_topics([foreign])  # type: ignore[union-attr]


def test_partition_decrease_is_refused_on_the_real_cluster(project, local_stack):  # type: ignore[no-untyped-def]
    desired = project.desired(sink=False)
    _, report = deploy(desired)
    assert report.ok
    raw, clean = desired.topics
    shrunk = DesiredState(
        project=desired.project,
        topics=(raw, TopicSpec(clean.name, 1, 1, dict(clean.config), node=clean.node)),
        jobs=desired.jobs,
    )
    plan = session(shrunk).plan()
    (refused,) = plan.refused
    assert "partition decrease 3 -> 1" in refused.reason
    with pytest.raises(StreamtError) as err:
        deploy(shrunk)
    assert err.value.diagnostics[0].code == "A002"


def _file_rows(path: str, n: int) -> list[dict[str, object]] | None:
    try:
        with open(path) as fh:
            lines = [json.loads(line) for line in fh if line.strip()]
    except FileNotFoundError:
        return None
    return lines if len(lines) >= n else None
