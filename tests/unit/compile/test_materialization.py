"""The seed's materialization table through `compile_project`: what each model becomes and what
the user is told (code, severity, the YAML line of `materialized:` or of the model, message,
hint) when an explicit `materialized:` contradicts the query."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.compile.materialize import GATEWAY_SUBSET
from streamt.compile.specs import Materialization
from streamt.diagnostics import Severity
from tests.unit.compile.helpers import compile_dir
from tests.unit.compile.test_compile import GATEWAY, HEAD, project

FILTER = 'SELECT order_id FROM {{ source("orders") }} WHERE amount > 1'
COMPUTED = 'SELECT UPPER(order_id) AS o FROM {{ source("orders") }}'
GROUPED = 'SELECT customer_id, COUNT(*) AS n FROM {{ source("orders") }} GROUP BY customer_id'
# HEAD is 13 lines and `models:` the 14th: the model starts on line 15, its second key is on
# line 16; GATEWAY adds 4 lines of runtime settings before them
NAME, SECOND, GW = 15, 16, 4
STATELESS = "model 'm' is stateless; it runs as a Flink job because "


def compile_model(tmp_path: Path, model: str, head: str = HEAD) -> tuple[object, list[tuple]]:
    (tmp_path / "stream_project.yml").write_text(project(model, head), encoding="utf-8")
    result, _ = compile_dir(tmp_path)
    found = [
        (d.code, d.severity, d.location.line, d.message, d.hint)
        for d in result.diagnostics
        if d.node == "model.shop.m"
    ]
    return result.nodes["model.shop.m"].materialization, found


@pytest.mark.parametrize(
    ("model", "head", "expected"),
    [
        (f"- name: m\n  sql: {FILTER}\n", HEAD, Materialization.FLINK),
        (f"- name: m\n  sql: {FILTER}\n", GATEWAY, Materialization.VIRTUAL_TOPIC),
        (f"- name: m\n  sql: {GROUPED}\n", GATEWAY, Materialization.FLINK),
        (f"- name: m\n  materialized: flink\n  sql: {FILTER}\n", GATEWAY, Materialization.FLINK),
        (f"- name: m\n  materialized: topic\n  sql: {FILTER}\n", HEAD, Materialization.TOPIC),
        (
            f"- name: m\n  materialized: virtual_topic\n  sql: {FILTER}\n",
            GATEWAY,
            Materialization.VIRTUAL_TOPIC,
        ),
        ("- name: m\n", HEAD, Materialization.TOPIC),
        ("- name: m\n  materialized: topic\n", HEAD, Materialization.TOPIC),
    ],
)
def test_what_a_model_becomes_without_complaint(
    tmp_path: Path, model: str, head: str, expected: Materialization
) -> None:
    materialization, found = compile_model(tmp_path, model, head)
    assert materialization is expected
    assert [f for f in found if f[0] != "C012"] == []


def test_a_stateless_query_without_a_gateway_runs_on_flink_and_says_why(tmp_path: Path) -> None:
    materialization, found = compile_model(tmp_path, f"- name: m\n  sql: {FILTER}\n")
    assert materialization is Materialization.FLINK
    assert found == [
        (
            "C012",
            Severity.INFO,
            NAME,
            STATELESS + "no Conduktor Gateway is configured (runtime.conduktor.gateway)",
            "",
        )
    ]


def test_a_computed_column_cannot_be_a_gateway_rule_so_it_runs_on_flink(tmp_path: Path) -> None:
    materialization, found = compile_model(tmp_path, f"- name: m\n  sql: {COMPUTED}\n", GATEWAY)
    assert materialization is Materialization.FLINK
    assert found == [
        (
            "G020",
            Severity.INFO,
            SECOND + GW,  # the model's sql:
            "model 'm' is stateless but runs as a Flink job, not a Gateway virtual topic: "
            "the Gateway's SQL cannot run function UPPER",
            GATEWAY_SUBSET,
        )
    ]


def test_a_sink_with_sql_is_refused(tmp_path: Path) -> None:
    _, found = compile_model(tmp_path, f"- name: m\n  materialized: sink\n  sql: {FILTER}\n")
    assert found == [
        (
            "C010",
            Severity.ERROR,
            SECOND,
            "model 'm' is materialized: sink but has sql; a sink copies a topic",
            "remove sql: and use from: with advanced.connector, or remove materialized:",
        )
    ]


def test_a_stateful_virtual_topic_without_a_gateway_gets_both_errors(tmp_path: Path) -> None:
    materialization, found = compile_model(
        tmp_path, f"- name: m\n  materialized: virtual_topic\n  sql: {GROUPED}\n"
    )
    assert materialization is Materialization.VIRTUAL_TOPIC
    assert found == [
        (
            "C010",
            Severity.ERROR,
            SECOND,
            "model 'm' is materialized: virtual_topic but its query is stateful (GROUP BY "
            "aggregation, non-windowed GROUP BY emits updates)",
            "remove materialized: (it becomes a Flink job) or make the query a filter/projection",
        ),
        (
            "C013",
            Severity.ERROR,
            SECOND,
            "model 'm' is materialized: virtual_topic, which needs Conduktor Gateway",
            "configure runtime.conduktor.gateway, or remove materialized:",
        ),
    ]


def test_a_virtual_topic_with_a_computed_column_is_refused(tmp_path: Path) -> None:
    _, found = compile_model(
        tmp_path, f"- name: m\n  materialized: virtual_topic\n  sql: {COMPUTED}\n", GATEWAY
    )
    assert found == [
        (
            "G021",
            Severity.ERROR,
            SECOND + 1 + GW,  # the model's sql:, the construct is named
            "model 'm' is a virtual topic, but the Gateway's SQL cannot run function UPPER",
            GATEWAY_SUBSET + "; remove materialized: virtual_topic to run it on Flink",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "lacks", "fix"),
    [
        ("virtual_topic", "sql", "add sql:"),
        ("flink", "sql", "add sql:"),
        ("sink", "from:", "add from: <model>"),  # a sink copies a topic: it needs from:
    ],
)
def test_a_materialization_without_what_it_needs_is_refused(
    tmp_path: Path, kind: str, lacks: str, fix: str
) -> None:
    materialization, found = compile_model(tmp_path, f"- name: m\n  materialized: {kind}\n")
    assert materialization is Materialization.TOPIC
    assert found == [
        (
            "C011",
            Severity.ERROR,
            SECOND,
            f"model 'm' is materialized: {kind} but has no {lacks}",
            f"{fix}, or remove materialized:",
        )
    ]
