"""Golden plans: (desired, live, ledger) -> plan.json -> rendered text.

Regenerate with `STREAMT_UPDATE_GOLDENS=1 pytest tests/unit/plan/test_plan_goldens.py` and
review the diff. What each golden must say is written by hand in test_plan_expectations.py,
which reads the golden files: a regenerated golden that is wrong fails there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from streamt.artifacts.plan_file import plan_from_json, plan_to_json
from streamt.plan import Compatibility, PlanOptions, build_plan, render_text
from streamt.resources import (
    ConnectorState,
    GatewayRuleSpec,
    ResourceKind,
    SubjectState,
    TopicState,
)

from .factories import (
    AVRO,
    AVRO_V2,
    ENV,
    applied_job_entry,
    connector,
    desired,
    entry,
    job,
    ledger,
    live,
    running,
    subject,
    topic,
    topic_state,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "plans"


def _fresh():  # type: ignore[no-untyped-def]
    return (
        desired(
            subjects=(subject("orders.raw.v1-value"),),
            topics=(
                topic("orders.raw.v1", 3),
                topic("orders_clean", 6, {"retention.ms": "604800000"}),
            ),
            jobs=(
                job(
                    "orders_clean",
                    "SELECT `id` FROM `orders` WHERE `id` IS NOT NULL",
                    sources=("orders.raw.v1", "customers.v1"),
                    **{"parallelism.default": "1"},
                ),
            ),
            gateway_rules=(
                GatewayRuleSpec(
                    "orders_eur",
                    "orders.raw.v1",
                    "\"currency\" = 'EUR'",
                    ('"id"',),
                    node="model.shop.orders_eur",
                    statement='SELECT "id" FROM "orders.raw.v1" WHERE "currency" = \'EUR\'',
                ),
            ),
            connectors=(
                connector(
                    "orders_pg",
                    **{
                        "connection.url": "jdbc:postgresql://localhost/app",
                        "connection.password": "${PG_PASSWORD}",
                    },
                ),
            ),
        ),
        live(topics=(topic_state("customers.v1", 1),)),  # a source: external, already there
        ledger(),
    )


def _changes():  # type: ignore[no-untyped-def]
    old_job = job("orders_clean", "SELECT `id` FROM `orders`")
    new_job = job("orders_clean", "SELECT `id` FROM `orders`\nWHERE `id` <> ''")
    stable_job = job(
        "orders_count", "SELECT `id`, COUNT(*) FROM `orders` GROUP BY `id`", meta="old"
    )
    sink_old = connector(
        "orders_pg", **{"batch.size": "100", "connection.password": "${PG_PASSWORD}"}
    )
    sink_new = connector(
        "orders_pg", **{"batch.size": "500", "connection.password": "${PG_PASSWORD}"}
    )
    live_sink = {**sink_old.config, "connection.password": "s3cret", "name": "orders_pg"}
    from streamt.plan.connectors import live_config_digest

    return (
        desired(
            subjects=(subject("orders.raw.v1-value", AVRO_V2),),
            topics=(
                topic("orders.raw.v1", 3),
                topic("orders_clean", 2),
                topic("orders_count", 6, {"cleanup.policy": "compact"}),
            ),
            jobs=(new_job, job("orders_count", stable_job.query, meta="new description")),
            connectors=(sink_new,),
        ),
        live(
            topics=(
                topic_state("orders.raw.v1", 3, {"segment.bytes": "1073741824"}),
                topic_state("orders_clean", 6),
                topic_state("orders_count", 3, {"cleanup.policy": "delete"}),
                topic_state("legacy_out", 3),
            ),
            subjects=(SubjectState("orders.raw.v1-value", 1, 1, "AVRO", AVRO),),
            jobs=(running(old_job, "a1"), running(stable_job, "b1")),
            connectors=(ConnectorState("orders_pg", live_sink, "RUNNING", ("RUNNING",)),),
            compatibility={"orders.raw.v1-value": Compatibility(True)},
        ),
        ledger(
            entry(ResourceKind.TOPIC, "orders.raw.v1", topic("orders.raw.v1")),
            entry(ResourceKind.TOPIC, "orders_clean", topic("orders_clean", 6)),
            entry(ResourceKind.TOPIC, "orders_count", topic("orders_count", 3)),
            entry(
                ResourceKind.TOPIC, "legacy_out", topic("legacy_out"), node="model.shop.legacy_out"
            ),
            entry(ResourceKind.SUBJECT, "orders.raw.v1-value", subject("orders.raw.v1-value")),
            applied_job_entry(old_job, "a1"),
            applied_job_entry(stable_job, "b1"),
            entry(
                ResourceKind.CONNECTOR,
                "orders_pg",
                sink_old,
                live_digest=live_config_digest(live_sink, sink_old),
            ),
        ),
    )


def _unchanged():  # type: ignore[no-untyped-def]
    spec = job("orders_clean")
    return (
        desired(topics=(topic("orders_clean"),), jobs=(spec,)),
        live(topics=(TopicState("orders_clean", 3, 1, {}),), jobs=(running(spec, "a1"),)),
        ledger(
            entry(ResourceKind.TOPIC, "orders_clean", topic("orders_clean")),
            applied_job_entry(spec, "a1"),
        ),
    )


CASES = {"fresh_project": _fresh, "mixed_changes": _changes, "no_changes": _unchanged}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_plan(name: str) -> None:
    plan = build_plan(*CASES[name](), PlanOptions(environment=ENV))
    body, text = plan_to_json(plan), render_text(plan)
    json_path, text_path = GOLDEN / f"{name}.plan.json", GOLDEN / f"{name}.txt"
    if os.environ.get("STREAMT_UPDATE_GOLDENS"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        json_path.write_text(body)
        text_path.write_text(text)
    assert body == json_path.read_text()
    assert text == text_path.read_text()
    assert plan_from_json(body) == plan
