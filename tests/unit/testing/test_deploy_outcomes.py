"""What `streamt test --deploy` reports per continuous test, from the plan it applied."""

from __future__ import annotations

from streamt.resources import Action, Change, InputFingerprints, Plan, ResourceKind
from streamt.testing.session import deploy_outcomes


def _change(kind: ResourceKind, name: str, action: Action) -> Change:
    return Change(kind=kind, name=name, action=action, reason="r")


def test_each_test_job_change_is_the_outcome_of_its_test() -> None:
    plan = Plan(
        project="shop",
        environment="dev",
        fingerprint=InputFingerprints(desired="d", live="l", ledger="g"),
        changes=(
            _change(ResourceKind.TOPIC, "new", Action.CREATE),  # a topic named like a test
            _change(ResourceKind.TEST_JOB, "new", Action.CREATE),
            _change(ResourceKind.TEST_JOB, "same", Action.NOOP),
            _change(ResourceKind.TEST_JOB, "broken", Action.REPLACE),
            _change(ResourceKind.TEST_JOB, "later", Action.CREATE),
        ),
    )
    done = {
        "topic.new": (True, "created (1 partitions)"),
        "test_job.new": (True, "submitted j1"),
        "test_job.broken": (False, "job j2 FAILED: boom"),
    }
    assert deploy_outcomes(plan, done) == {
        "new": (True, "deployed (create): submitted j1"),
        "same": (True, "deployed: its job runs, up to date"),
        "broken": (False, "job j2 FAILED: boom"),
        "later": (False, "not applied: an earlier step failed"),
    }
