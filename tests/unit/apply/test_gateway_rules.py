"""Conduktor Gateway virtual topics through plan and apply, on a fake Gateway (a real one
cannot run here; the adapter is tested against recorded exchanges in tests/unit/adapters)."""

from __future__ import annotations

import pytest

from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, GatewayRuleSpec, ResourceKind
from streamt.state import Systems

from ..plan.factories import ENV, PROJECT, topic
from .fakes import FakeGateway, fake_systems
from .test_execute import cycle, plan_for


def rules(where: str = "amount > 0") -> DesiredState:
    return DesiredState(
        project=PROJECT,
        topics=(topic("orders"),),
        gateway_rules=(
            GatewayRuleSpec("orders_valid", "orders", where, node="model.shop.orders_valid"),
        ),
    )


def _gateway(systems: Systems) -> FakeGateway:
    assert isinstance(systems.gateway, FakeGateway)
    return systems.gateway


def test_virtual_topic_created_updated_in_place_and_converges():
    systems = fake_systems()
    plan, report = cycle(systems, rules())
    assert report.ok
    assert [(c.kind, c.action) for c in plan.pending] == [
        (ResourceKind.TOPIC, Action.CREATE),
        (ResourceKind.GATEWAY_RULE, Action.CREATE),
    ]
    stored = _gateway(systems).server.interceptors["orders_valid"]
    assert stored["spec"]["pluginClass"] == "io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin"
    assert stored["spec"]["config"] == {
        "virtualTopic": "orders_valid",
        "statement": 'SELECT * FROM "orders" WHERE amount > 0',
    }
    assert not plan_for(systems, rules())[0].has_changes
    plan, report = cycle(systems, rules("amount > 10"))
    (change,) = plan.pending
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("where", "amount > 0", "amount > 10")
    ]
    assert report.ok
    stored = _gateway(systems).server.interceptors["orders_valid"]
    assert stored["spec"]["config"]["statement"] == 'SELECT * FROM "orders" WHERE amount > 10'
    assert not plan_for(systems, rules("amount > 10"))[0].has_changes


def test_interceptor_edited_outside_streamt_is_restored():
    systems = fake_systems()
    cycle(systems, rules())
    stored = _gateway(systems).server.interceptors["orders_valid"]
    stored["spec"]["config"]["statement"] = 'SELECT * FROM "orders"'  # someone widened it
    (change,) = plan_for(systems, rules())[0].pending
    assert change.action is Action.UPDATE and "edited outside streamt" in change.reason
    _, report = cycle(systems, rules())
    assert report.ok
    assert stored is not _gateway(systems).server.interceptors["orders_valid"]
    restored = _gateway(systems).server.interceptors["orders_valid"]["spec"]["config"]
    assert restored["statement"] == 'SELECT * FROM "orders" WHERE amount > 0'


def test_removed_virtual_topic_is_deleted_only_with_allow_destructive():
    systems = fake_systems()
    cycle(systems, rules())
    without = DesiredState(project=PROJECT, topics=(topic("orders"),))
    with pytest.raises(StreamtError) as err:
        cycle(systems, without)
    assert err.value.diagnostics[0].code == "A003"
    _, report = cycle(systems, without, allow_destructive=True)
    assert report.ok and _gateway(systems).server.interceptors == {}


def test_interceptor_found_on_the_gateway_but_not_in_the_ledger_is_set_and_recorded():
    systems = fake_systems()
    cycle(systems, rules())
    from streamt.state import LedgerWriter

    assert systems.ledger is not None
    LedgerWriter(systems.ledger, PROJECT, ENV).forget(ResourceKind.GATEWAY_RULE, "orders_valid")
    (change,) = plan_for(systems, rules())[0].pending
    assert change.action is Action.UPDATE
    assert change.reason == "interceptor exists but is not in the ledger: set it"
    _, report = cycle(systems, rules())
    assert report.ok and not plan_for(systems, rules())[0].has_changes
