"""A job whose source topic is neither live nor created by the same plan is refused (P020),
and the plan fails as a whole; a topic created by the plan, or a running job, is fine."""

from __future__ import annotations

from streamt.diagnostics import Location
from streamt.plan import PlanOptions, SourceOrigin, build_plan, plan_with_problems
from streamt.plan.sources import SOURCE_HINT
from streamt.resources import Action, ResourceKind

from .factories import ENV, applied_job_entry, desired, job, ledger, live, running, topic
from .factories import topic_state as state

ORIGINS = {"orders.raw": SourceOrigin("orders", Location("stream_project.yml", 12, 5))}
OPTS = PlanOptions(environment=ENV, sources=ORIGINS)


def test_new_job_on_a_missing_source_topic_is_refused_with_a_p020_naming_source_and_topic():
    spec = job("orders_clean", sources=("orders.raw",))
    plan, problems = plan_with_problems(desired(jobs=(spec,)), live(), ledger(), OPTS)
    (change,) = plan.changes
    assert (change.kind, change.action) == (ResourceKind.JOB, Action.REFUSED)
    assert change.hint == SOURCE_HINT
    assert plan.refused == (change,)
    (diag,) = problems
    assert diag.code == "P020"
    assert diag.message == (
        "job orders_clean reads source 'orders' (topic 'orders.raw'), which does not exist and "
        "is not created by this plan: the job would keep RESTARTING"
    )
    assert diag.hint == "create the topic or produce to it first (sources are external to streamt)"
    assert (diag.location.file, diag.location.line) == ("stream_project.yml", 12)
    assert not any(c.kind is ResourceKind.TOPIC for c in plan.changes)  # nothing auto-created


def test_source_topic_live_or_created_by_the_same_plan_is_fine():
    upstream = topic("orders_valid")
    reader = job("orders_clean", sources=("orders.raw", "orders_valid"))
    plan, problems = plan_with_problems(
        desired(topics=(upstream,), jobs=(reader,)),
        live(topics=(state("orders.raw"),)),
        ledger(),
        OPTS,
    )
    assert problems == []
    assert [(c.name, c.action) for c in plan.changes] == [
        ("orders_valid", Action.CREATE),
        ("orders_clean", Action.CREATE),
    ]


def test_a_model_topic_outside_the_scope_is_not_created_by_this_plan():
    upstream = topic("orders_valid")
    reader = job("orders_clean", sources=("orders_valid",))
    scoped = PlanOptions(environment=ENV, scope=frozenset({reader.node}))
    plan, problems = plan_with_problems(
        desired(topics=(upstream,), jobs=(reader,)), live(), ledger(), scoped
    )
    (diag,) = problems
    assert "reads topic 'orders_valid'" in diag.message and "apply the model" in diag.hint
    assert [c.action for c in plan.changes] == [Action.REFUSED]


def test_a_running_job_is_not_resubmitted_so_it_is_not_checked():
    spec = job("orders_clean", sources=("orders.raw",))
    plan, problems = plan_with_problems(
        desired(jobs=(spec,)), live(jobs=(running(spec),)), ledger(applied_job_entry(spec)), OPTS
    )
    assert problems == [] and [c.action for c in plan.changes] == [Action.NOOP]


def test_an_upgrade_onto_a_missing_topic_is_refused_and_keeps_the_old_job():
    old = job("orders_clean", sources=("orders.raw",))
    new = job("orders_clean", query="SELECT id FROM orders WHERE id > 0", sources=("gone",))
    plan = build_plan(
        desired(jobs=(new,)),
        live(jobs=(running(old),), topics=(state("orders.raw"),)),
        ledger(applied_job_entry(old)),
        OPTS,
    )
    (change,) = plan.changes
    assert change.action is Action.REFUSED and change.live_job_id is None
    assert "reads topic 'gone'" in change.reason
