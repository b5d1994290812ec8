"""`advanced.topic.min_insync_replicas`: compiled into the topic's `min.insync.replicas`
config, created with it, drift-checked and updated in place like every topic setting."""

from __future__ import annotations

from pathlib import Path

from streamt.plan import LiveState, PlanOptions, build_plan
from streamt.resources import Action, ResourceKind, TopicState
from tests.unit.compile.helpers import compile_yaml
from tests.unit.plan.factories import entry, ledger

YAML = """\
project: {name: shop}
defaults:
  topic: {replication_factor: 3, min_insync_replicas: 1, config: {min.insync.replicas: "3"}}
models:
  - name: orders
    advanced:
      topic: {min_insync_replicas: 2, config: {retention.ms: "1000"}}
  - name: audit
"""


def _topics(tmp_path: Path) -> dict[str, dict[str, str]]:
    result = compile_yaml(tmp_path, YAML)
    return {t.name: dict(t.config) for t in result.desired.topics}


def test_the_setting_is_the_topics_config_key_and_the_nearest_layer_wins(tmp_path: Path) -> None:
    topics = _topics(tmp_path)
    assert topics == {
        "orders": {"min.insync.replicas": "2", "retention.ms": "1000"},
        # in one layer the typed key wins over the same key in `config`
        "audit": {"min.insync.replicas": "1"},
    }


def test_created_with_it_then_drift_is_an_update_in_place(tmp_path: Path) -> None:
    desired = compile_yaml(tmp_path, YAML).desired
    opts = PlanOptions(environment="dev")
    created = {c.name: c for c in build_plan(desired, LiveState(), ledger(), opts).changes}
    assert created["orders"].action is Action.CREATE
    assert ("min.insync.replicas", None, "2") in [
        (a.key, a.before, a.after) for a in created["orders"].attributes
    ]
    spec = next(t for t in desired.topics if t.name == "orders")
    drifted = TopicState("orders", 1, 3, {"min.insync.replicas": "1", "retention.ms": "1000"})
    only_orders = type(desired)(project=desired.project, topics=(spec,))
    plan = build_plan(
        only_orders,
        LiveState(topics={"orders": drifted}),
        ledger(entry(ResourceKind.TOPIC, "orders", spec)),
        opts,
    )
    (change,) = plan.changes
    assert change.action is Action.UPDATE
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("min.insync.replicas", "1", "2")
    ]
    in_sync = TopicState("orders", 1, 3, {"min.insync.replicas": "2", "retention.ms": "1000"})
    plan = build_plan(
        only_orders,
        LiveState(topics={"orders": in_sync}),
        ledger(entry(ResourceKind.TOPIC, "orders", spec)),
        opts,
    )
    assert not plan.has_changes
