"""Hand-written expected plan entries, one case per (resource kind, action kind), checked in
the plan's JSON form (`plan.json`, what `streamt plan --out` writes) and, for the three golden
plans, against the golden files themselves. These expectations were written from the plan rules
(ARCHITECTURE.md, README "plan"), not printed from `build_plan`: a golden regenerated from a
wrong planner would disagree with them.

An entry is `(kind, name, action, flags, attributes)`: flags are the words of
{destructive, state_breaking, external} that are true, plus `job=<id>` for `live_job_id` and
`from=<path>` for `restore_from`; attributes are `(key, before, after)` in plan order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from streamt.artifacts.plan_file import plan_to_json
from streamt.compile.specs import GatewayRuleSpec
from streamt.plan import Compatibility, PlanOptions, build_plan
from streamt.resources import ConnectorState, EntryStatus, InterceptorState, SubjectState

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
from .test_plan_goldens import CASES as GOLDEN_CASES
from .test_plan_goldens import GOLDEN

Entry = tuple[str, str, str, frozenset[str], tuple[tuple[str, str | None, str | None], ...]]


def _e(kind: str, name: str, action: str, flags: str = "", *attrs: tuple[Any, Any, Any]) -> Entry:
    return (kind, name, action, frozenset(flags.split()), tuple(attrs))


def _entries(body: str) -> list[Entry]:
    """The entries of a plan.json text, in the notation above."""
    out = []
    for c in json.loads(body)["changes"]:
        flags = {f for f in ("destructive", "state_breaking", "external") if c[f]}
        if c["live_job_id"]:
            flags.add(f"job={c['live_job_id']}")
        if c["restore_from"]:
            flags.add(f"from={c['restore_from']}")
        attrs = tuple((a["key"], a["before"], a["after"]) for a in c["attributes"])
        out.append((c["kind"], c["name"], c["action"], frozenset(flags), attrs))
    return out


# ---------------------------------------------------------------- the golden plans

GOLDEN_EXPECTED: dict[str, list[Entry]] = {
    # nothing exists but a source topic: every resource is created with its settings shown
    "fresh_project": [
        _e("subject", "orders.raw.v1-value", "create"),
        _e(
            "topic",
            "orders.raw.v1",
            "create",
            "",
            ("partitions", None, "3"),
            ("replication_factor", None, "1"),
        ),
        _e(
            "topic",
            "orders_clean",
            "create",
            "",
            ("partitions", None, "6"),
            ("replication_factor", None, "1"),
            ("retention.ms", None, "604800000"),
        ),
        _e(
            "flink_job",
            "orders_clean",
            "create",
            "",
            ("query", None, "SELECT `id` FROM `orders` WHERE `id` IS NOT NULL"),
            ("parallelism.default", None, "1"),
        ),
        _e(
            "connector",
            "orders_pg",
            "create",
            "",
            ("connection.password", None, "${PG_PASSWORD}"),  # a placeholder, never the value
            ("connection.url", None, "jdbc:postgresql://localhost/app"),
            ("connector.class", None, "io.debezium.connector.jdbc.JdbcSinkConnector"),
            ("topics", None, "orders_clean"),
        ),
        _e(
            "gateway_rule",
            "orders_eur",
            "create",
            "",
            ("physical_topic", None, "orders.raw.v1"),
            ("where", None, "\"currency\" = 'EUR'"),  # the Gateway's SQL
            ("columns", None, '"id"'),
        ),
    ],
    "mixed_changes": [
        _e("subject", "orders.raw.v1-value", "update", "", ("version", "1", "2")),  # compatible
        _e("topic", "legacy_out", "delete", "destructive"),  # left the project, streamt made it
        _e("topic", "orders.raw.v1", "noop"),  # segment.bytes is not managed: no drift
        _e("topic", "orders_clean", "refused", "", ("partitions", "6", "2")),  # cannot shrink
        _e(
            "topic",
            "orders_count",
            "update",
            "",
            ("partitions", "3", "6"),
            ("cleanup.policy", "delete", "compact"),
        ),
        _e(
            "flink_job",
            "orders_clean",
            "upgrade",
            "job=a1",
            ("query", "SELECT `id` FROM `orders`", "SELECT `id` FROM `orders`\nWHERE `id` <> ''"),
        ),
        _e("flink_job", "orders_count", "noop"),  # a description change never restarts a job
        _e("connector", "orders_pg", "update", "", ("batch.size", "100", "500")),
    ],
    "no_changes": [_e("topic", "orders_clean", "noop"), _e("flink_job", "orders_clean", "noop")],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_EXPECTED))
def test_a_golden_plan_file_holds_the_hand_written_entries(name: str) -> None:
    assert _entries((GOLDEN / f"{name}.plan.json").read_text()) == GOLDEN_EXPECTED[name]
    plan = build_plan(*GOLDEN_CASES[name](), PlanOptions(environment=ENV))
    assert _entries(plan_to_json(plan)) == GOLDEN_EXPECTED[name]


# ---------------------------------------------------------------- every kind x action

OPTS = PlanOptions(environment=ENV)
Case = Callable[[], tuple[Any, Any, Any, PlanOptions]]
SP = "file:/tmp/flink-savepoints/savepoint-a1b2c3-0123456789ab"


def _adopting(*nodes: str) -> PlanOptions:
    return PlanOptions(environment=ENV, adopt=frozenset(nodes))


def _topic_adopt():  # type: ignore[no-untyped-def]
    spec = topic("orders_clean", 3)
    return (
        desired(topics=(spec,)),
        live(topics=(topic_state("orders_clean", 3),)),
        ledger(),
        _adopting(spec.node),
    )


def _topic_unowned():  # type: ignore[no-untyped-def]
    spec = topic("orders_clean", 3)
    return desired(topics=(spec,)), live(topics=(topic_state("orders_clean", 3),)), ledger(), OPTS


def _topic_create():  # type: ignore[no-untyped-def]
    return (
        desired(topics=(topic("orders_clean", 2, {"cleanup.policy": "compact"}),)),
        live(),
        ledger(),
        OPTS,
    )


def _topic_update():  # type: ignore[no-untyped-def]
    mine = entry("topic", "orders_clean", topic("orders_clean", 2))
    state = live(topics=(topic_state("orders_clean", 2, {"retention.ms": "1000"}),))
    spec = topic("orders_clean", 4, {"retention.ms": "2000"})
    return desired(topics=(spec,)), state, ledger(mine), OPTS


def _subject_refused():  # type: ignore[no-untyped-def]
    mine = ledger(entry("subject", "orders-value", subject("orders-value")))
    bad = Compatibility(False, ("READER_FIELD_MISSING_DEFAULT_VALUE amount",))
    state = live(
        subjects=(SubjectState("orders-value", 1, 7, "AVRO", AVRO),),
        compatibility={"orders-value": bad},
    )
    return desired(subjects=(subject("orders-value", AVRO_V2),)), state, mine, OPTS


def _subject_adopt():  # type: ignore[no-untyped-def]
    state = live(subjects=(SubjectState("orders-value", 1, 7, "AVRO", AVRO),))
    return desired(subjects=(subject("orders-value"),)), state, ledger(), OPTS


def _subject_delete():  # type: ignore[no-untyped-def]
    mine = ledger(entry("subject", "old-value", subject("old-value")))
    state = live(subjects=(SubjectState("old-value", 2, 9, "AVRO", AVRO),))
    return desired(), state, mine, OPTS


def _subject_noop():  # type: ignore[no-untyped-def]
    mine = ledger(entry("subject", "orders-value", subject("orders-value")))
    state = live(subjects=(SubjectState("orders-value", 1, 7, "AVRO", AVRO),))
    return desired(subjects=(subject("orders-value"),)), state, mine, OPTS


OLD, NEW = job("orders_clean", "SELECT 1"), job("orders_clean", "SELECT 2")


def _job_config_upgrade():  # type: ignore[no-untyped-def]
    before = job("orders_clean", "SELECT 1", **{"parallelism.default": "1"})
    after = job("orders_clean", "SELECT 1", **{"parallelism.default": "2"})
    state = live(jobs=(running(before, "j1"),))
    return desired(jobs=(after,)), state, ledger(applied_job_entry(before, "j1")), OPTS


def _job_replace():  # type: ignore[no-untyped-def]
    state = live(jobs=(running(OLD, "j1", "FAILED"),))
    reset = PlanOptions(environment=ENV, reset_state=True)
    return desired(jobs=(OLD,)), state, ledger(applied_job_entry(OLD, "j1")), reset


def _job_refused_failed():  # type: ignore[no-untyped-def]
    state = live(jobs=(running(OLD, "j1", "FAILED"),))
    return desired(jobs=(OLD,)), state, ledger(applied_job_entry(OLD, "j1")), OPTS


def _job_delete():  # type: ignore[no-untyped-def]
    return desired(), live(jobs=(running(OLD, "j9"),)), ledger(applied_job_entry(OLD, "j9")), OPTS


def _job_adopt():  # type: ignore[no-untyped-def]
    return desired(jobs=(OLD,)), live(jobs=(running(OLD, "x1"),)), ledger(), _adopting(OLD.node)


def _job_resume_from_savepoint():  # type: ignore[no-untyped-def]
    # the upgrade stopped the old job with a savepoint, then the process died before submitting
    pending = applied_job_entry(
        OLD,
        "j1",
        status=EntryStatus.PENDING,
        previous_job_id="j1",
        savepoint=SP,
        target=applied_job_entry(NEW).spec,
    )
    state = live(jobs=(running(OLD, "j1", "FINISHED"),))
    return desired(jobs=(NEW,)), state, ledger(pending), OPTS


def _job_metadata_only():  # type: ignore[no-untyped-def]
    before, after = (
        job("orders_clean", "SELECT 1", meta="a"),
        job("orders_clean", "SELECT 1", meta="b"),
    )
    state = live(jobs=(running(before, "j1"),))
    return desired(jobs=(after,)), state, ledger(applied_job_entry(before, "j1")), OPTS


SINK = {"connection.url": "jdbc:postgresql://db/app", "batch.size": "100"}


def _connector_live(config: dict[str, str]) -> ConnectorState:
    return ConnectorState("pg", {**config, "name": "pg"}, "RUNNING", ("RUNNING",))


def _connector_update():  # type: ignore[no-untyped-def]
    from streamt.plan.connectors import live_config_digest

    old = connector("pg", **SINK)
    new = connector("pg", **{**SINK, "batch.size": "500"})
    seen = _connector_live(dict(old.config))
    mine = entry("connector", "pg", old, live_digest=live_config_digest(seen.config, old))
    return desired(connectors=(new,)), live(connectors=(seen,)), ledger(mine), OPTS


def _connector_noop():  # type: ignore[no-untyped-def]
    from streamt.plan.connectors import live_config_digest

    spec = connector("pg", **SINK)
    seen = _connector_live(dict(spec.config))
    mine = entry(
        "connector",
        "pg",
        spec,
        live_digest=live_config_digest(seen.config, spec),
    )
    return desired(connectors=(spec,)), live(connectors=(seen,)), ledger(mine), OPTS


def _connector_delete():  # type: ignore[no-untyped-def]
    spec = connector("pg", **SINK)
    return (
        desired(),
        live(connectors=(_connector_live(dict(spec.config)),)),
        ledger(entry("connector", "pg", spec)),
        OPTS,
    )


def _connector_unowned():  # type: ignore[no-untyped-def]
    spec = connector("pg", **SINK)
    return (
        desired(connectors=(spec,)),
        live(connectors=(_connector_live(dict(spec.config)),)),
        ledger(),
        OPTS,
    )


RULE = GatewayRuleSpec(
    "orders_eur",
    "orders",
    "currency = 'EUR'",
    ("id",),
    node="model.shop.orders_eur",
    statement="SELECT id FROM orders WHERE currency = 'EUR'",
)
RULE_USD = GatewayRuleSpec(
    "orders_eur",
    "orders",
    "currency = 'USD'",
    ("id",),
    node="model.shop.orders_eur",
    statement="SELECT id FROM orders WHERE currency = 'USD'",
)


def _interceptor(config: str = '{"statement":"x"}') -> InterceptorState:
    return InterceptorState(
        "orders_eur", "io.conduktor.gateway.interceptor.VirtualSqlTopicPlugin", 100, config
    )


def _rule_entry(spec: GatewayRuleSpec):  # type: ignore[no-untyped-def]

    return entry("gateway_rule", spec.name, spec, status=EntryStatus.APPLIED)


def _rule_live():  # type: ignore[no-untyped-def]
    base = live()
    return type(base)(interceptors={"orders_eur": _interceptor()})


def _rule_update():  # type: ignore[no-untyped-def]
    return desired(gateway_rules=(RULE_USD,)), _rule_live(), ledger(_rule_entry(RULE)), OPTS


def _rule_noop():  # type: ignore[no-untyped-def]
    return desired(gateway_rules=(RULE,)), _rule_live(), ledger(_rule_entry(RULE)), OPTS


def _rule_delete():  # type: ignore[no-untyped-def]
    return desired(), _rule_live(), ledger(_rule_entry(RULE)), OPTS


def _rule_unowned():  # type: ignore[no-untyped-def]
    return desired(gateway_rules=(RULE,)), _rule_live(), ledger(), OPTS


MATRIX: dict[str, tuple[Case, list[Entry]]] = {
    "topic create": (
        _topic_create,
        [
            _e(
                "topic",
                "orders_clean",
                "create",
                "",
                ("partitions", None, "2"),
                ("replication_factor", None, "1"),
                ("cleanup.policy", None, "compact"),
            )
        ],
    ),
    "topic update in place": (
        _topic_update,
        [
            _e(
                "topic",
                "orders_clean",
                "update",
                "",
                ("partitions", "2", "4"),
                ("retention.ms", "1000", "2000"),
            )
        ],
    ),
    "topic adopt": (_topic_adopt, [_e("topic", "orders_clean", "adopt")]),
    "topic refused (not ours)": (_topic_unowned, [_e("topic", "orders_clean", "refused")]),
    "subject refused (incompatible)": (
        _subject_refused,
        [_e("subject", "orders-value", "refused", "", ("version", "1", "2"))],  # what it would do
    ),
    "subject adopt (a source's matching subject)": (
        _subject_adopt,
        [_e("subject", "orders-value", "adopt")],
    ),
    "subject delete": (_subject_delete, [_e("subject", "old-value", "delete", "destructive")]),
    "subject noop": (_subject_noop, [_e("subject", "orders-value", "noop")]),
    "job upgrade (config)": (
        _job_config_upgrade,
        [_e("flink_job", "orders_clean", "upgrade", "job=j1", ("parallelism.default", "1", "2"))],
    ),
    "job replace (--reset-state)": (
        _job_replace,
        # live_job_id names a running job to stop: a FAILED one is not running
        [_e("flink_job", "orders_clean", "replace", "destructive state_breaking")],
    ),
    "job refused (FAILED)": (_job_refused_failed, [_e("flink_job", "orders_clean", "refused")]),
    "job delete": (
        _job_delete,
        [_e("flink_job", "orders_clean", "delete", "destructive state_breaking job=j9")],
    ),
    "job adopt": (_job_adopt, [_e("flink_job", "orders_clean", "adopt")]),  # stops nothing
    "job savepoint resume": (
        _job_resume_from_savepoint,
        # the query shown against the version that ran before the savepoint
        [
            _e(
                "flink_job",
                "orders_clean",
                "create",
                f"from={SP}",
                ("query", "SELECT 1", "SELECT 2"),
            )
        ],
    ),
    "job noop (metadata only)": (_job_metadata_only, [_e("flink_job", "orders_clean", "noop")]),
    "connector update in place": (
        _connector_update,
        [_e("connector", "pg", "update", "", ("batch.size", "100", "500"))],
    ),
    "connector noop": (_connector_noop, [_e("connector", "pg", "noop")]),
    "connector delete": (_connector_delete, [_e("connector", "pg", "delete", "destructive")]),
    "connector refused (not ours)": (_connector_unowned, [_e("connector", "pg", "refused")]),
    "gateway rule update in place": (
        _rule_update,
        [
            _e(
                "gateway_rule",
                "orders_eur",
                "update",
                "",
                ("where", "currency = 'EUR'", "currency = 'USD'"),
            )
        ],
    ),
    "gateway rule noop": (_rule_noop, [_e("gateway_rule", "orders_eur", "noop")]),
    "gateway rule delete": (
        _rule_delete,
        [_e("gateway_rule", "orders_eur", "delete", "destructive")],
    ),
    "gateway rule refused (not ours)": (
        _rule_unowned,
        [_e("gateway_rule", "orders_eur", "refused")],
    ),
}


@pytest.mark.parametrize("case", sorted(MATRIX))
def test_the_plan_entry_of_each_kind_and_action_is_the_hand_written_one(case: str) -> None:
    build, expected = MATRIX[case]
    assert _entries(plan_to_json(build_plan(*build()))) == expected


def test_the_expectations_cover_every_action_each_kind_can_take() -> None:
    covered = {
        (e[0], e[2])
        for entries in [*GOLDEN_EXPECTED.values(), *(x for _, x in MATRIX.values())]
        for e in entries
    }
    every = {"create", "update", "delete", "noop"}
    assert covered >= (
        {("subject", a) for a in every | {"adopt", "refused"}}
        | {("topic", a) for a in every | {"adopt", "refused"}}
        | {
            ("flink_job", a)
            for a in {"create", "upgrade", "replace", "delete", "adopt", "noop", "refused"}
        }
        | {("connector", a) for a in every | {"refused"}}
        | {("gateway_rule", a) for a in every | {"refused"}}
    )
