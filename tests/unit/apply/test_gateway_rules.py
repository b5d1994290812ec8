"""Conduktor Gateway virtual topics through plan and apply, on the Gateway model of
tests/fakes/gateway.py (a real Gateway cannot run here). Every rule here is compiled from a
project, never written by hand; the model checks each statement against its own reading of
the documented SQL topic subset."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.apply.executor import execute_plan
from streamt.apply.step import StepContext
from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.plan import PlanOptions, build_plan
from streamt.resources import Action, ResourceKind
from streamt.state import LedgerWriter, Systems, observe, read_ledger

from ..compile.helpers import compile_yaml
from ..plan.factories import ENV, PROJECT
from .fakes import FakeGateway, fake_systems
from .test_execute import _opts, cycle, plan_for

GATEWAY_PROJECT = """\
project:
  name: shop
runtime:
  conduktor:
    gateway:
      admin_url: http://gateway:8888
"""
PROJECT_YAML = (
    GATEWAY_PROJECT
    + """\
sources:
  - name: orders
    topic: orders-raw.v1
    columns:
      - {name: order_id, type: STRING}
      - {name: status, type: STRING}
      - {name: amount, type: DOUBLE}
models:
  - name: orders_valid
    sql: |
      SELECT order_id, amount AS total FROM {{ source("orders") }}
      WHERE amount > %s AND status = 'paid'
"""
)


def rules(tmp_path: Path, threshold: str = "0") -> DesiredState:
    folder = tmp_path / threshold
    folder.mkdir(exist_ok=True)
    result = compile_yaml(folder, PROJECT_YAML % threshold)
    assert result.ok and len(result.desired.gateway_rules) == 1
    assert not result.desired.jobs and not result.desired.topics
    return result.desired


def _gateway(systems: Systems) -> FakeGateway:
    assert isinstance(systems.gateway, FakeGateway)
    return systems.gateway


STATEMENT = (
    'SELECT "order_id", "amount" AS "total" FROM "orders-raw.v1" '
    'WHERE "amount" > {} AND "status" = \'paid\''
)


def test_a_compiled_rule_is_created_updated_in_place_and_converges(tmp_path: Path) -> None:
    systems = fake_systems()
    plan, report = cycle(systems, rules(tmp_path))
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert [(c.kind, c.action) for c in plan.pending] == [
        (ResourceKind.GATEWAY_RULE, Action.CREATE)
    ]
    stored = _gateway(systems).server.interceptors["orders_valid"]
    assert stored["spec"]["pluginClass"] == "io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin"
    assert stored["spec"]["config"] == {
        "virtualTopic": "orders_valid",
        "statement": STATEMENT.format(0),
    }
    assert not plan_for(systems, rules(tmp_path))[0].has_changes
    plan, report = cycle(systems, rules(tmp_path, "10"))
    (change,) = plan.pending
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        (
            "where",
            '"amount" > 0 AND "status" = \'paid\'',
            '"amount" > 10 AND "status" = \'paid\'',
        )
    ]
    assert report.ok
    stored = _gateway(systems).server.interceptors["orders_valid"]
    assert stored["spec"]["config"]["statement"] == STATEMENT.format(10)
    assert not plan_for(systems, rules(tmp_path, "10"))[0].has_changes


def test_interceptor_edited_outside_streamt_is_restored(tmp_path: Path) -> None:
    systems = fake_systems()
    cycle(systems, rules(tmp_path))
    stored = _gateway(systems).server.interceptors["orders_valid"]
    stored["spec"]["config"]["statement"] = 'SELECT * FROM "orders-raw.v1"'  # someone widened it
    (change,) = plan_for(systems, rules(tmp_path))[0].pending
    assert change.action is Action.UPDATE and "edited outside streamt" in change.reason
    _, report = cycle(systems, rules(tmp_path))
    assert report.ok
    restored = _gateway(systems).server.interceptors["orders_valid"]["spec"]["config"]
    assert restored["statement"] == STATEMENT.format(0)


def test_removed_virtual_topic_is_deleted_only_with_allow_destructive(tmp_path: Path) -> None:
    systems = fake_systems()
    cycle(systems, rules(tmp_path))
    without = DesiredState(project=PROJECT)
    with pytest.raises(StreamtError) as err:
        cycle(systems, without)
    assert err.value.diagnostics[0].code == "A003"
    _, report = cycle(systems, without, allow_destructive=True)
    assert report.ok and _gateway(systems).server.interceptors == {}


def _adopting(systems: Systems, desired: DesiredState, adopt: frozenset[str]):  # type: ignore[no-untyped-def]
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    plan = build_plan(
        desired, observe(desired, ledger, systems), ledger, PlanOptions(ENV, adopt=adopt)
    )
    ctx = StepContext(systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), _opts())
    return plan, execute_plan(plan, ctx)


def test_an_interceptor_this_project_did_not_create_is_refused_unless_adopted(
    tmp_path: Path,
) -> None:
    """Ledger ownership as for every resource: a same-named interceptor found on the Gateway
    is never overwritten silently; `--adopt` takes it over as not owned (destroy keeps it)."""
    systems = fake_systems()
    cycle(systems, rules(tmp_path))
    assert systems.ledger is not None
    LedgerWriter(systems.ledger, PROJECT, ENV).forget(ResourceKind.GATEWAY_RULE, "orders_valid")
    foreign = _gateway(systems).server.interceptors["orders_valid"]
    foreign["spec"]["config"]["statement"] = 'SELECT * FROM "orders-raw.v1"'
    (change,) = plan_for(systems, rules(tmp_path))[0].pending
    assert change.action is Action.REFUSED
    assert "not owned by this project" in change.reason and "--adopt orders_valid" in change.hint
    with pytest.raises(StreamtError):
        cycle(systems, rules(tmp_path))
    assert foreign["spec"]["config"]["statement"] == 'SELECT * FROM "orders-raw.v1"'  # untouched

    plan, report = _adopting(systems, rules(tmp_path), frozenset({"model.shop.orders_valid"}))
    assert report.ok and [c.action for c in plan.pending] == [Action.UPDATE]
    held = _gateway(systems).server.interceptors["orders_valid"]["spec"]["config"]
    assert held["statement"] == STATEMENT.format(0)
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.GATEWAY_RULE, "orders_valid")
    assert entry is not None and not entry.owned
    assert not plan_for(systems, rules(tmp_path))[0].has_changes


def test_status_lists_virtual_topics_with_their_statement_and_drift(tmp_path: Path) -> None:
    from streamt.apply.status import collect_status

    systems = fake_systems()
    desired = rules(tmp_path)
    assert systems.ledger is not None

    def row():  # type: ignore[no-untyped-def]
        ledger = read_ledger(systems.ledger, PROJECT, ENV)
        report = collect_status(desired, ledger, observe(desired, ledger, systems), systems)
        (only,) = [r for r in report.resources if r.kind == "virtual_topic"]
        return only

    assert (row().name, row().exists, row().state) == ("orders_valid", False, "MISSING")
    cycle(systems, desired)
    listed = row()
    assert (listed.exists, listed.state, listed.drift) == (True, "ACTIVE", ())
    assert listed.details == {"physical_topic": "orders-raw.v1", "statement": STATEMENT.format(0)}
    held = _gateway(systems).server.interceptors["orders_valid"]["spec"]["config"]
    held["statement"] = 'SELECT * FROM "orders-raw.v1"'
    assert row().drift == ("interceptor edited outside streamt",)
    _gateway(systems).server.interceptors.clear()
    assert row().drift == ("missing: in the ledger but not live",)
