"""Column inference over an input whose columns are unknown (`TableSchema.open`): every
column a query touches is inferred, and `open_star` names the input a `*` passes through."""

from __future__ import annotations

from collections.abc import Mapping

from streamt.sql import TableSchema, analyze_query
from streamt.sql.types import SqlType, parse_type

OPEN = {"orders": TableSchema("orders", (), open=True)}


def _inferred(sql: str, functions: Mapping[str, SqlType] | None = None) -> dict[str, str]:
    result = analyze_query(sql, OPEN, functions=functions)
    assert not result.diagnostics, result.diagnostics
    return {c.name: c.type.sql() for c in result.inferred.get("orders", ())}


def test_lateral_table_arguments_are_read() -> None:
    sql = (
        "SELECT o.id, t.word FROM orders o CROSS JOIN LATERAL TABLE(split_words(o.body)) AS t(word)"
    )
    # split_words: a user-defined function (an undeclared one is S030)
    udf = {"SPLIT_WORDS": parse_type("STRING")}
    assert _inferred(sql, udf) == {"id": "STRING", "body": "STRING"}


def test_on_and_aggregate_arguments_are_read() -> None:
    sql = (
        "SELECT a.id, a.region, COUNT(DISTINCT a.customer) AS n "
        "FROM orders a JOIN orders b ON a.parent = b.id GROUP BY a.id, a.region"
    )
    assert set(_inferred(sql)) == {"id", "customer", "region", "parent"}


def test_a_qualified_column_names_its_input_before_an_unqualified_one_is_placed() -> None:
    inputs = {**OPEN, "product": TableSchema("product", (), open=True)}
    sql = "SELECT COALESCE(id, '') AS id FROM orders o LEFT JOIN product p ON o.pid = p.id"
    result = analyze_query(sql, inputs)
    assert {c.name for c in result.inferred["orders"]} == {"pid"}
    assert {c.name for c in result.inferred["product"]} == {"id"}


def test_unnest_argument_is_an_array() -> None:
    sql = "SELECT o.id, t.item FROM orders o CROSS JOIN UNNEST(o.items) AS t(item)"
    assert _inferred(sql)["items"] == "ARRAY<STRING>"


def test_open_star_names_the_input_a_star_passes_through() -> None:
    assert analyze_query("SELECT * FROM orders", OPEN).open_star == "orders"
    nested = "SELECT * FROM (SELECT *, 1 AS one FROM orders) WHERE amount > 1"
    assert analyze_query(nested, OPEN).open_star == "orders"
    assert analyze_query("SELECT id FROM orders", OPEN).open_star is None
    grouped = "SELECT id, COUNT(*) AS n FROM (SELECT * FROM orders) GROUP BY id"
    assert analyze_query(grouped, OPEN).open_star is None  # an aggregate names its columns


def test_the_time_of_a_temporal_join_is_read_as_a_timestamp() -> None:
    from streamt.sql import Column, parse_type

    rates = TableSchema(
        "rates",
        (
            Column("cur", parse_type("STRING")),
            Column("rate", parse_type("DOUBLE")),
            Column("uts", parse_type("TIMESTAMP(3)"), rowtime=True),
        ),
        updating=True,
        primary_key=("cur",),
    )
    sql = (
        "SELECT o.id, r.rate FROM orders o "
        "JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cur = r.cur"
    )
    result = analyze_query(sql, {**OPEN, "rates": rates})
    inferred = {c.name: c.type.sql() for c in result.inferred["orders"]}
    assert inferred == {"id": "STRING", "ts": "TIMESTAMP(3)", "cur": "STRING"}
