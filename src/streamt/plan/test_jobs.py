"""Continuous test jobs. A test's job judges records from the moment it starts and keeps no
state worth a savepoint: a change of its SQL replaces it (cancel, submit the new version), and
it is never refused for running outside the ledger when it is this project's test's job (found
by its `pipeline.name`, which only `streamt test --deploy` of this project gives a job).

A test is deployed when asked (`streamt test --deploy`, `PlanOptions.tests`); from then on its
ledger entry keeps it planned like every resource. Its topics (violations, DLQ) are named after
the test's node and follow it. A job's name moves when the test's names do (an environment's
prefix, which test jobs once ignored): the job running under the ledger's name is cancelled.

| live                      | ledger                   | plan                                    |
|---------------------------|--------------------------|-----------------------------------------|
| none                      | none, not asked          | nothing (not deployed)                  |
| none                      | none, asked              | create                                  |
| active (an earlier deploy)| none, asked              | replace: cancel it, submit the planned  |
| active                    | same data fingerprint    | no-op                                   |
| active                    | other data fingerprint   | replace: cancel, submit the new SQL     |
| none; active as the       | another pipeline name    | replace: cancel the job running by its  |
| ledger's pipeline name    |                          | old name, submit it by the new one      |
| none (FAILED or gone)     | any                      | replace: submit again                   |
| removed from the project  | in the ledger            | delete: cancel the job                  |

A test's topic is planned as every topic (`streamt.plan.topics`), except that one this project
created keeps its replication factor when `defaults.topic` asks another (noted in the reason).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from streamt.load.ids import NodeKind
from streamt.plan.common import Ownership
from streamt.plan.inputs import LiveState
from streamt.plan.ledger import Ledger
from streamt.plan.topics import plan_topic
from streamt.resources import (
    Action,
    Change,
    JobSpec,
    LedgerEntry,
    ResourceKind,
    TopicSpec,
    TopicState,
)

KIND = ResourceKind.TEST_JOB


def deployed_tests(tests: Iterable[JobSpec], ledger: Ledger, asked: bool) -> frozenset[str]:
    """Node ids of the tests whose resources the plan covers: all when `asked`, else those
    already in the ledger."""
    return frozenset(j.node for j in tests if asked or ledger.get(KIND, j.name) is not None)


def planned_topic(topic: TopicSpec, deployed: frozenset[str], ledger: Ledger) -> bool:
    """Whether `topic` is planned: a model's always, a test's when its test is deployed (or
    the topic is already in the ledger)."""
    if _kind(topic) != NodeKind.TEST.value:
        return True
    return topic.node in deployed or ledger.get(ResourceKind.TOPIC, topic.name) is not None


def plan_desired_topic(
    desired: TopicSpec, live: TopicState | None, entry: LedgerEntry | None, own: Ownership
) -> Change:
    """`desired` planned as every topic is, except that a test's topic this project created
    keeps the replication factor it has: Kafka changes it only by a partition reassignment, and
    test topics were created with replication factor 1 before they took `defaults.topic`;
    refusing that change would refuse the whole plan over a test's topic. The reason says so."""
    if (
        live is None
        or entry is None
        or not entry.owned
        or _kind(desired) != NodeKind.TEST.value
        or live.replication_factor == desired.replication_factor
    ):
        return plan_topic(desired, live, entry, own)
    kept = dataclasses.replace(desired, replication_factor=live.replication_factor)
    change = plan_topic(kept, live, entry, own)
    note = (
        f"keeps replication factor {live.replication_factor} (defaults.topic: "
        f"{desired.replication_factor}; delete the topic to have it created so)"
    )
    return change.model_copy(update={"reason": f"{change.reason}; {note}"})


def _kind(topic: TopicSpec) -> str:
    return topic.node.partition(".")[0]


def plan_test_job(desired: JobSpec, entry: LedgerEntry | None, live: LiveState) -> Change:
    active = live.active_jobs(desired.pipeline_name)
    running = active[0].job_id if active else None
    if entry is None and running is not None:
        why = f"job {running} runs outside the ledger (an earlier `streamt test --deploy`)"
        return _change(desired, Action.REPLACE, f"{why}: replaced by the planned job", running)
    if entry is None:
        return _change(
            desired, Action.CREATE, "new continuous test job: judges records from when it starts"
        )
    renamed = _running_by_old_name(entry, desired, live)
    if running is None and renamed is not None:
        before, job_id = renamed
        why = f"job {job_id} runs as {before!r}: cancel it, submit it as {desired.pipeline_name!r}"
        return _change(desired, Action.REPLACE, f"test job renamed: {why}", job_id)
    if running is None:
        latest = live.latest_job(desired.pipeline_name)
        where = f"{latest.state} (job {latest.job_id})" if latest else "not found on the cluster"
        return _change(desired, Action.REPLACE, f"test job is {where}: submit it again")
    if entry.data_fingerprint == desired.data_fingerprint:
        return _change(desired, Action.NOOP, "up to date")
    return _change(
        desired,
        Action.REPLACE,
        "test SQL changed: cancel the job, submit the new version (it judges records from then on)",
        running,
    )


def _running_by_old_name(
    entry: LedgerEntry, desired: JobSpec, live: LiveState
) -> tuple[str, str] | None:
    """(pipeline name, job id) of the test's job running under the name its ledger entry
    records, when that is not the planned job's name."""
    before = entry.spec.pipeline_name if isinstance(entry.spec, JobSpec) else ""
    if not before or before == desired.pipeline_name:
        return None
    active = live.active_jobs(before)
    return (before, active[0].job_id) if active else None


def plan_test_job_removal(entry: LedgerEntry, live: LiveState) -> Change:
    pipeline = entry.spec.pipeline_name if isinstance(entry.spec, JobSpec) else ""
    active = live.active_jobs(pipeline) if pipeline else []
    reason = (
        "test removed from the project: cancel its job"
        if active
        else ("test removed from the project and its job not running: forget its ledger entry")
    )
    return Change(
        kind=KIND,
        name=entry.name,
        action=Action.DELETE,
        reason=reason,
        node=entry.node,
        live_job_id=active[0].job_id if active else None,
    )


def _change(
    desired: JobSpec, action: Action, reason: str, live_job_id: str | None = None
) -> Change:
    return Change(
        kind=KIND,
        name=desired.name,
        action=action,
        reason=reason,
        node=desired.node,
        desired=desired,
        live_job_id=live_job_id,
    )
