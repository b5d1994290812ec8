"""V161: a default-named model topic (the model's name) that already exists on the cluster and
that this project did not create is a warning at plan, placed on the model, saying who has it."""

from __future__ import annotations

from streamt.diagnostics import Location, Severity
from streamt.plan import Ledger
from streamt.plan.names import DefaultName, foreign_default_names
from streamt.resources import ResourceKind, TopicState

from .factories import ENV, PROJECT, entry, ledger, live

WHERE = Location("models/orders.yml", 3, 5)
DEFAULTS = {"orders": DefaultName("orders", f"model.{PROJECT}.orders", WHERE)}
LIVE = live(topics=(TopicState("orders", 3, 1, {}),))


def test_a_topic_nobody_in_the_ledger_created_is_named_with_the_way_out() -> None:
    (diag,) = foreign_default_names(LIVE, ledger(), DEFAULTS)
    assert diag.code == "V161" and diag.severity is Severity.WARNING
    assert diag.message == (
        "model 'orders' writes topic 'orders', its default name (the model's name), which "
        "already exists on the cluster, not created by this project: projects or environments "
        "that keep the default name write into each other's topics"
    )
    assert diag.location == WHERE and diag.node == f"model.{PROJECT}.orders"
    assert "`project: {prefix: ...}`" in diag.hint and "advanced.topic.name" in diag.hint


def test_another_projects_topic_names_its_owner_and_an_adopted_one_says_so() -> None:
    theirs = Ledger(PROJECT, ENV, (), {(ResourceKind.TOPIC, "orders"): "billing/prod"})
    (diag,) = foreign_default_names(LIVE, theirs, DEFAULTS)
    assert "created by project 'billing' (environment 'prod'): projects" in diag.message
    adopted = ledger(entry(ResourceKind.TOPIC, "orders", owned=False))
    (diag,) = foreign_default_names(LIVE, adopted, DEFAULTS)
    assert "adopted by this project, created by someone else: projects" in diag.message


def test_no_warning_for_an_own_topic_a_missing_topic_or_a_topic_not_default_named() -> None:
    assert foreign_default_names(LIVE, ledger(entry(ResourceKind.TOPIC, "orders")), DEFAULTS) == []
    assert foreign_default_names(live(), ledger(), DEFAULTS) == []
    assert foreign_default_names(LIVE, ledger(), {}) == []
