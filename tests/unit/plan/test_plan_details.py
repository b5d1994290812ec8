"""Planner details, each stated by hand: reasons, refusals of adopted resources, scope text."""

from __future__ import annotations

import dataclasses

from streamt.plan import Compatibility, PlanOptions, build_plan
from streamt.plan.render import render_text
from streamt.resources import (
    Action,
    ConnectorState,
    EntryStatus,
    ResourceKind,
    SubjectSpec,
    SubjectState,
)

from .factories import (
    AVRO,
    AVRO_V2,
    ENV,
    connector,
    desired,
    entry,
    ledger,
    live,
    subject,
    topic,
)
from .test_build_plan import OPTS, _one
from .test_plan_expectations import RULE, _rule_entry, _rule_live


def test_a_matching_owned_subject_is_up_to_date() -> None:
    spec = subject("orders-value", AVRO)
    state = live(subjects=(SubjectState("orders-value", 1, 7, "AVRO", AVRO),))
    change = _one(
        build_plan(
            desired(subjects=(spec,)),
            state,
            ledger(entry(ResourceKind.SUBJECT, "orders-value", spec)),
            OPTS,
        )
    )
    assert (change.action, change.reason) == (Action.NOOP, "up to date")


def test_an_incompatible_schema_without_registry_messages_still_says_it_was_rejected() -> None:
    spec = subject("orders-value", AVRO_V2)
    state = live(
        subjects=(SubjectState("orders-value", 1, 7, "AVRO", AVRO),),
        compatibility={"orders-value": Compatibility(False)},
    )
    mine = ledger(entry(ResourceKind.SUBJECT, "orders-value", subject("orders-value")))
    change = _one(build_plan(desired(subjects=(spec,)), state, mine, OPTS))
    assert (change.action, change.reason) == (
        Action.REFUSED,
        "schema is incompatible with version 1: the registry rejected it",
    )


def test_a_matching_model_subject_is_adopted_only_with_adopt() -> None:
    spec = SubjectSpec("out-value", "AVRO", AVRO, node="model.shop.out")
    state = live(subjects=(SubjectState("out-value", 1, 8, "AVRO", AVRO),))
    adopting = PlanOptions(environment=ENV, adopt=frozenset({spec.node}))
    change = _one(build_plan(desired(subjects=(spec,)), state, ledger(), adopting))
    assert (change.action, change.reason) == (
        Action.ADOPT,
        "adopted (--adopt): matches, record, not owned",
    )
    assert change.attributes == ()


def test_an_adopted_connector_is_not_reconfigured_without_adopt_again() -> None:
    before = connector("pg_sink", **{"batch.size": "100"})
    after = connector("pg_sink", **{"batch.size": "500"})
    adopted = entry(
        ResourceKind.CONNECTOR,
        "pg_sink",
        before,
        owned=False,
        node=before.node,
        status=EntryStatus.APPLIED,
    )
    state = live(connectors=(ConnectorState("pg_sink", dict(before.config), "RUNNING", ()),))
    change = _one(build_plan(desired(connectors=(after,)), state, ledger(adopted), OPTS))
    assert (change.kind, change.action) == (ResourceKind.CONNECTOR, Action.REFUSED)
    assert "adopted connector pg_sink but did not create it" in change.reason
    assert [(a.key, a.before, a.after) for a in change.attributes] == [("batch.size", "100", "500")]
    adopting = PlanOptions(environment=ENV, adopt=frozenset({after.node}))
    change = _one(build_plan(desired(connectors=(after,)), state, ledger(adopted), adopting))
    assert (change.action, change.reason) == (Action.UPDATE, "config changed: update in place")


def test_a_gateway_rule_whose_statement_alone_changed_shows_the_statement() -> None:
    reworded = dataclasses.replace(
        RULE, statement="SELECT `id` FROM `orders` WHERE currency = 'EUR'"
    )
    plan = build_plan(
        desired(gateway_rules=(reworded,)), _rule_live(), ledger(_rule_entry(RULE)), OPTS
    )
    change = _one(plan)
    assert (change.action, change.reason) == (Action.UPDATE, "rule changed: update in place")
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("statement", RULE.statement, reworded.statement)
    ]


def test_a_scoped_plan_says_how_many_nodes_it_was_limited_to() -> None:
    keep, other = topic("keep"), topic("other")
    scoped = PlanOptions(environment=ENV, scope=frozenset({keep.node, other.node}))
    text = render_text(build_plan(desired(topics=(keep,)), live(), ledger(), scoped))
    assert (
        text.splitlines()[0] == "streamt plan: project shop, environment dev, limited to 2 node(s)"
    )
    whole = render_text(build_plan(desired(topics=(keep,)), live(), ledger(), OPTS))
    assert whole.splitlines()[0] == "streamt plan: project shop, environment dev"


def test_a_removed_job_that_is_not_running_only_leaves_the_ledger() -> None:
    from .factories import applied_job_entry, job

    spec = job("old_model")
    gone = applied_job_entry(spec, "j9", node=spec.node)
    change = _one(build_plan(desired(), live(), ledger(gone), OPTS))
    assert (change.kind, change.name, change.action, change.node) == (
        ResourceKind.JOB,
        "old_model",
        Action.DELETE,
        "model.shop.old_model",
    )
    assert change.reason == "no longer in the project and not running: forget its ledger entry"
    assert (change.destructive, change.live_job_id) == (False, None)
