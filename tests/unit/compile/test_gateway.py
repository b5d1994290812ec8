"""Gateway virtual topics at compile: the statement built from the analysed tree in the
Gateway's documented SQL topic subset, the construct named when a query falls outside it,
and `gateway.virtual_topic` honoured (its name) or refused (no Gateway)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streamt.compile.specs import Materialization
from tests.unit.apply.test_examples_on_models import PROJECTS, compile_with_gateway
from tests.unit.compile.helpers import compile_yaml

HEAD = """\
project:
  name: shop
runtime:
  conduktor:
    gateway:
      admin_url: http://localhost:8888
sources:
  - name: orders
    topic: orders-raw.v1
    columns:
      - {name: order_id, type: STRING}
      - {name: status, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: code, type: INT}
      - {name: info, type: "ROW<tier STRING>"}
models:
"""
NO_GATEWAY = HEAD.replace(
    "runtime:\n  conduktor:\n    gateway:\n      admin_url: http://localhost:8888\n", ""
)


def model(sql: str, extra: str = "", head: str = HEAD) -> str:
    """One model `m` with `sql` (a block scalar) and `extra` keys."""
    body = f"- name: m\n  sql: |\n    {sql}\n" + textwrap.indent(extra, "  ")
    return head + textwrap.indent(body, "  ")


SOURCE = '{{ source("orders") }}'


@pytest.mark.parametrize(
    ("sql", "statement"),
    [
        (
            f"SELECT * FROM {SOURCE} WHERE status = 'paid'",
            'SELECT * FROM "orders-raw.v1" WHERE "status" = \'paid\'',
        ),
        (  # renames and CASE are in the documented subset
            f"SELECT order_id, amount AS total, CASE WHEN amount > 100 THEN 'big' ELSE 'small' "
            f"END AS size FROM {SOURCE}",
            'SELECT "order_id", "amount" AS "total", CASE WHEN "amount" > 100 THEN \'big\' '
            'ELSE \'small\' END AS "size" FROM "orders-raw.v1"',
        ),
        (  # BETWEEN becomes its two comparisons (the same rows); <> and >= <= kept
            f"SELECT * FROM {SOURCE} WHERE amount BETWEEN -5 AND 10 AND code <> 3",
            'SELECT * FROM "orders-raw.v1" WHERE "amount" >= -5 AND "amount" <= 10 AND "code" <> 3',
        ),
        (  # parentheses around AND-ed comparisons group nothing: dropped
            f"SELECT * FROM {SOURCE} WHERE (amount > 1 AND (code = 2))",
            'SELECT * FROM "orders-raw.v1" WHERE "amount" > 1 AND "code" = 2',
        ),
        (  # Flink's REGEXP(s, re) is the Gateway's `s REGEXP re`; quotes doubled in literals
            f"SELECT * FROM {SOURCE} WHERE REGEXP(status, 'it''s.*')",
            "SELECT * FROM \"orders-raw.v1\" WHERE \"status\" REGEXP 'it''s.*'",
        ),
    ],
)
def test_a_query_in_the_subset_compiles_to_a_statement_built_from_its_tree(
    tmp_path: Path, sql: str, statement: str
) -> None:
    result = compile_yaml(tmp_path, model(sql))
    (rule,) = result.desired.gateway_rules
    assert rule.statement == statement and rule.physical_topic == "orders-raw.v1"
    assert result.nodes["model.shop.m"].materialization is Materialization.VIRTUAL_TOPIC
    assert not result.desired.jobs and not [d for d in result.diagnostics if d.code == "G020"]


@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("status IS NOT NULL", "IS NOT NULL"),
        ("status IS NULL", "IS NULL"),
        ("amount > 1 OR code = 2", "OR"),
        ("code = 1 AND (amount > 1 OR code = 2)", "OR"),
        ("NOT code = 2", "NOT"),
        ("code IN (1, 2)", "IN"),
        ("status LIKE 'p%'", "LIKE"),
        ("CAST(code AS DOUBLE) > 1", "CAST"),
        ("COALESCE(status, 'x') = 'x'", "COALESCE"),
        ("UPPER(status) = 'PAID'", "function UPPER"),
        ("amount * 2 > 10", "operator *"),
        ("amount > code", "a comparison that is not between a column and a value"),
        ("info.tier = 'gold'", "a nested field (info.tier)"),
    ],
)
def test_a_filter_outside_the_subset_runs_on_flink_naming_the_construct(
    tmp_path: Path, where: str, named: str
) -> None:
    result = compile_yaml(tmp_path, model(f"SELECT * FROM {SOURCE} WHERE {where}"))
    assert not result.desired.gateway_rules and len(result.desired.jobs) == 1
    (info,) = [d for d in result.diagnostics if d.code == "G020"]
    assert info.message.endswith(f"the Gateway's SQL cannot run {named}")
    assert info.location.line == 18 and info.hint  # the model's sql:


@pytest.mark.parametrize(
    ("select", "named"),
    [
        ("CAST(code AS STRING) AS code", "CAST"),
        ("COALESCE(status, 'new') AS status", "COALESCE"),
        ("'x' AS marker", "a literal column"),
        ("UPPER(status) AS status", "function UPPER"),
    ],
)
def test_projections_the_gateway_cannot_compute_run_on_flink(
    tmp_path: Path, select: str, named: str
) -> None:
    """The seed lists CAST and COALESCE as stateless; the Gateway's SQL cannot compute them,
    so with a Gateway they stay Flink jobs, with a message saying why (README)."""
    result = compile_yaml(tmp_path, model(f"SELECT order_id, {select} FROM {SOURCE}"))
    assert not result.desired.gateway_rules
    (info,) = [d for d in result.diagnostics if d.code == "G020"]
    assert info.message.endswith(f"cannot run {named}")


def test_explicit_virtual_topic_outside_the_subset_is_an_error_naming_it(tmp_path: Path) -> None:
    sql = f"SELECT * FROM {SOURCE} WHERE status IS NOT NULL"
    result = compile_yaml(tmp_path, model(sql, "materialized: virtual_topic\n"))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "G021" and "cannot run IS NOT NULL" in error.message
    assert not result.desired.gateway_rules and not result.desired.jobs


def test_gateway_virtual_topic_names_the_rule(tmp_path: Path) -> None:
    extra = "gateway:\n  virtual_topic:\n    name: orders_paid_view\n"
    result = compile_yaml(tmp_path, model(f"SELECT * FROM {SOURCE}", extra))
    (rule,) = result.desired.gateway_rules
    assert rule.name == "orders_paid_view"


def test_gateway_virtual_topic_without_a_gateway_is_an_error_not_a_flink_job(
    tmp_path: Path,
) -> None:
    extra = "gateway:\n  virtual_topic:\n    name: orders_paid_view\n"
    result = compile_yaml(tmp_path, model(f"SELECT * FROM {SOURCE}", extra, NO_GATEWAY))
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "G022" and "runtime.conduktor.gateway" in error.hint
    assert (error.location.line, error.location.column) == (17, 7)  # gateway.virtual_topic
    assert not result.desired.jobs and not result.desired.gateway_rules


def test_a_projection_of_an_avro_topic_stays_on_flink_a_filter_does_not(tmp_path: Path) -> None:
    """Records with a schema are served whole (docs: no projection on Avro/Protobuf)."""
    avro = HEAD.replace(
        "    topic: orders-raw.v1\n", "    topic: orders-raw.v1\n    format: avro-confluent\n"
    )
    projected = compile_yaml(tmp_path, model(f"SELECT order_id FROM {SOURCE}", head=avro))
    (info,) = [d for d in projected.diagnostics if d.code == "G020"]
    assert "format avro" in info.message and not projected.desired.gateway_rules
    (tmp_path / "b").mkdir()
    filtered = compile_yaml(
        tmp_path / "b", model(f"SELECT * FROM {SOURCE} WHERE code = 1", head=avro)
    )
    (rule,) = filtered.desired.gateway_rules
    assert rule.statement == 'SELECT * FROM "orders-raw.v1" WHERE "code" = 1'


# Every example and corpus project compiled with a Gateway: which models become virtual topics
# (with the statement), which stay on Flink and why. Written by hand from the projects' SQL.
EXPECTED: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "avro_orders": (
        {},
        {"orders_clean": "a projection (SELECT <columns>) of a topic in format avro-confluent"},
    ),
    "clickstream": ({}, {}),
    "datatests": ({}, {"orders_clean": "function UPPER"}),
    "iot": (
        {
            "overheating_alerts": 'SELECT "window_time" AS "alert_ts", "device_id", '
            '"max_temperature" FROM "device_temperature_5m" WHERE "max_temperature" > 80'
        },
        {"readings_clean": "IS NOT NULL"},
    ),
    "payments": ({}, {"payments_validated": "IS NOT NULL", "payments_eur": "function UPPER"}),
    "quickstart": ({}, {"events_clean": "it sets advanced.topic"}),
    "ci": (
        {"dev-orders_big": 'SELECT "order_id", "amount" FROM "ci.orders.v1" WHERE "amount" > 10'},
        {},
    ),
    "docs_xss": (
        {
            "xss_downstream": 'SELECT "id", "<img src=x onerror=""window.__xss = \'alias\'"">" '
            'AS "amount_again" FROM "xss_model"'
        },
        {"xss_model": "a literal column"},
    ),
    "flink_docs": (
        {
            "currency_rates_latest": 'SELECT "currency", "conversion_rate", "update_time" '
            'FROM "flink_docs.currency_rates"'
        },
        {},
    ),
    "alias_star": (
        {
            "big_orders": 'SELECT "order_id", "country", "amount" FROM "orders_with_country" '
            'WHERE "amount" > 100'
        },
        {},
    ),
    "cte_star": ({}, {}),
    "dedup_star": ({}, {}),
    "documented_only": ({"events_all": 'SELECT * FROM "events.v1"'}, {}),
    "group_having": ({}, {}),
    "join_on": ({}, {}),
    "over_window": ({}, {}),
    "star_chain": (
        {"events_copy": 'SELECT * FROM "events.v1"'},
        {"events_valid": "it reads another virtual topic", "purchases": "operator *"},
    ),
    "union_star": ({"big_orders": 'SELECT * FROM "all_orders" WHERE "amount" > 100'}, {}),
    "unnest": ({}, {}),
    "window_tvf": ({}, {}),
}


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_every_project_with_a_gateway_splits_as_written_down(project: Path) -> None:
    rules, flink = EXPECTED[project.name]
    result = compile_with_gateway(project)
    assert result.ok
    assert {r.name: r.statement for r in result.desired.gateway_rules} == rules
    reasons = {d.node.rsplit(".", 1)[-1]: d.message for d in result.diagnostics if d.code == "G020"}
    assert sorted(reasons) == sorted(flink)
    for name, why in flink.items():
        assert why in reasons[name]
