"""Column lineage through expressions, joins, subqueries, CTEs, unions, aggregates and windows."""

from __future__ import annotations

from streamt.sql.column_lineage import ColumnOrigin, Derivation, column_lineage

INPUTS = {
    "orders": ["order_id", "customer_id", "amount", "ts"],
    "customers": ["customer_id", "name", "email"],
}


def lineage(sql: str) -> dict[str, tuple[tuple[tuple[str, str], ...], str]]:
    return {o.column: (o.sources, o.derivation.value) for o in column_lineage(sql, INPUTS)}


def test_copy_rename_expression_and_aggregate() -> None:
    got = lineage(
        "SELECT customer_id AS cid, amount * 2 AS doubled, COUNT(*) AS n, SUM(amount) AS total "
        "FROM orders GROUP BY customer_id"
    )
    assert got == {
        "cid": ((("orders", "customer_id"),), "copy"),
        "doubled": ((("orders", "amount"),), "expression"),
        "n": ((), "aggregate"),
        "total": ((("orders", "amount"),), "aggregate"),
    }


def test_join_resolves_aliases_and_stars() -> None:
    got = lineage(
        "SELECT o.order_id, c.*, CONCAT(c.name, o.customer_id) AS label "
        "FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id"
    )
    assert got["order_id"] == ((("orders", "order_id"),), "copy")
    assert got["email"] == ((("customers", "email"),), "copy")
    assert got["label"] == ((("customers", "name"), ("orders", "customer_id")), "expression")
    assert list(got) == ["order_id", "customer_id", "name", "email", "label"]


def test_through_subquery_and_cte() -> None:
    got = lineage(
        "WITH big AS (SELECT order_id, amount + 1 AS a FROM orders) "
        "SELECT x.a AS amount_plus FROM (SELECT a FROM big) AS x"
    )
    assert got == {"amount_plus": ((("orders", "amount"),), "expression")}


def test_union_merges_branches_by_position() -> None:
    got = lineage("SELECT customer_id AS k FROM orders UNION ALL SELECT name FROM customers")
    assert got == {"k": ((("customers", "name"), ("orders", "customer_id")), "copy")}


def test_window_tvf_columns_come_from_the_descriptor() -> None:
    got = lineage(
        "SELECT window_start, window_end, SUM(amount) AS revenue "
        "FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) "
        "GROUP BY window_start, window_end"
    )
    assert got == {
        "window_start": ((("orders", "ts"),), "window"),
        "window_end": ((("orders", "ts"),), "window"),
        "revenue": ((("orders", "amount"),), "aggregate"),
    }


def test_legacy_group_window_start() -> None:
    got = lineage(
        "SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS h FROM orders "
        "GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)"
    )
    assert got == {"h": ((("orders", "ts"),), "window")}


def test_filters_are_not_lineage_and_bad_sql_is_empty() -> None:
    assert lineage("SELECT order_id FROM orders WHERE amount > 0") == {
        "order_id": ((("orders", "order_id"),), "copy")
    }
    assert column_lineage("SELECT FROM WHERE", INPUTS) == ()


def test_origin_is_a_value() -> None:
    (origin,) = column_lineage("SELECT amount FROM orders", INPUTS)
    assert origin == ColumnOrigin("amount", (("orders", "amount"),), Derivation.COPY)
