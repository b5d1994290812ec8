"""Query analysis: output types, statefulness, changelog mode, upsert keys, rowtime, diagnostics."""

from __future__ import annotations

import pytest

from streamt.sql import Column, TableSchema, analyze_query, parse_type

ORDERS = TableSchema(
    "orders",
    (
        Column("order_id", parse_type("STRING")),
        Column("amount", parse_type("DOUBLE")),
        Column("qty", parse_type("INT")),
        Column("price", parse_type("DECIMAL(10, 2)")),
        Column("customer_id", parse_type("STRING")),
        Column("ts", parse_type("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=5000),
    ),
)
PAYMENTS = TableSchema(
    "payments",
    (
        Column("order_id", parse_type("STRING")),
        Column("paid", parse_type("DOUBLE")),
        Column("pts", parse_type("TIMESTAMP(3)"), rowtime=True),
    ),
)
CDC = TableSchema(
    "customers",
    (Column("id", parse_type("STRING")), Column("name", parse_type("STRING"))),
    updating=True,
    primary_key=("id",),
)
RAW = TableSchema("payments_raw", open=True)
INPUTS = {t.name: t for t in (ORDERS, PAYMENTS, CDC, RAW)}


def types(sql: str) -> dict[str, str]:
    result = analyze_query(sql, INPUTS)
    assert result.ok, [d.render() for d in result.diagnostics]
    return {c.name: c.type.sql() for c in result.columns}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("COUNT(*)", "BIGINT NOT NULL"),
        ("SUM(amount)", "DOUBLE"),
        ("SUM(qty)", "INT"),
        ("SUM(price)", "DECIMAL(38, 2)"),
        ("AVG(amount)", "DOUBLE"),
        ("MAX(ts)", "TIMESTAMP(3)"),
        ("CAST(amount AS DECIMAL(12, 3))", "DECIMAL(12, 3)"),
        ("CAST(qty AS STRING)", "STRING"),
        ("COALESCE(customer_id, 'none')", "STRING NOT NULL"),
        ("CASE WHEN amount > 1 THEN qty ELSE 0 END", "INT"),
        ("qty * 2", "INT"),
        ("amount / 2", "DOUBLE"),
        ("UPPER(order_id)", "STRING"),
        ("CHAR_LENGTH(order_id)", "INT"),
        ("amount > 10", "BOOLEAN"),
        ("TO_TIMESTAMP('2024-01-01 00:00:00')", "TIMESTAMP(3)"),
        ("DATE_FORMAT(ts, 'yyyy')", "STRING"),
    ],
)
def test_type_inference_table(expr: str, expected: str) -> None:
    got = types(
        f"SELECT {expr} AS v FROM orders GROUP BY order_id"
        if "SUM" in expr or "COUNT" in expr or "AVG" in expr or "MAX" in expr
        else f"SELECT {expr} AS v FROM orders"
    )
    assert got["v"] == expected


def test_select_star_is_expanded_with_rowtime() -> None:
    result = analyze_query("SELECT * FROM orders WHERE amount > 100", INPUTS)
    assert [c.name for c in result.columns] == [c.name for c in ORDERS.columns]
    assert result.rowtime is not None and result.rowtime.name == "ts"
    assert not result.stateful and not result.updating


def test_legacy_tumble_is_append_and_window_start_is_not_rowtime() -> None:
    result = analyze_query(
        "SELECT TUMBLE_START(ts, INTERVAL '1' HOUR) AS hour, TUMBLE_ROWTIME(ts, INTERVAL '1' HOUR) AS rt, "
        "SUM(amount) AS revenue FROM orders GROUP BY TUMBLE(ts, INTERVAL '1' HOUR)",
        INPUTS,
    )
    assert result.ok and result.stateful and not result.updating
    assert [c.rowtime for c in result.columns] == [False, True, False]
    assert "`hour`" in result.canonical


def test_window_tvf_keeps_window_time_as_rowtime() -> None:
    result = analyze_query(
        "SELECT window_start, window_end, window_time, COUNT(*) AS n "
        "FROM TABLE(HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE)) "
        "GROUP BY window_start, window_end, window_time",
        INPUTS,
    )
    assert result.ok and not result.updating
    assert result.rowtime is not None and result.rowtime.name == "window_time"
    assert result.rowtime.watermark_delay_ms == 5000


def test_group_by_is_updating_with_group_key() -> None:
    result = analyze_query(
        "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id", INPUTS
    )
    assert result.updating and result.upsert_key == ("customer_id",)
    assert result.rowtime is None


def test_group_key_not_projected_has_no_key() -> None:
    result = analyze_query("SELECT COUNT(*) AS n FROM orders GROUP BY customer_id", INPUTS)
    assert result.updating and result.upsert_key is None


def test_interval_join_is_append() -> None:
    result = analyze_query(
        "SELECT o.order_id, p.paid, o.ts FROM orders o JOIN payments p ON o.order_id = p.order_id "
        "AND p.pts BETWEEN o.ts AND o.ts + INTERVAL '1' HOUR",
        INPUTS,
    )
    assert "interval join" in result.stateful_reasons and not result.updating
    assert result.rowtime is not None


def test_outer_regular_join_is_updating() -> None:
    result = analyze_query(
        "SELECT o.order_id, p.paid FROM orders o LEFT JOIN payments p ON o.order_id = p.order_id",
        INPUTS,
    )
    assert result.updating and result.upsert_key is None and result.rowtime is None


def test_inner_regular_join_of_append_inputs_is_append() -> None:
    result = analyze_query(
        "SELECT o.order_id, p.paid FROM orders o JOIN payments p ON o.order_id = p.order_id", INPUTS
    )
    assert "regular join" in result.stateful_reasons and not result.updating


def test_row_number_dedup_keep_last_is_updating_keyed_by_partition() -> None:
    result = analyze_query(
        "SELECT order_id, amount FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id ORDER BY ts DESC) AS rn "
        "FROM orders) WHERE rn = 1",
        INPUTS,
    )
    assert result.updating and result.upsert_key == ("order_id",)


def test_cdc_input_is_updating_and_keeps_key() -> None:
    result = analyze_query("SELECT id, UPPER(name) AS name FROM customers", INPUTS)
    assert result.updating and result.upsert_key == ("id",)


def test_filter_is_stateless() -> None:
    result = analyze_query(
        "SELECT order_id, CAST(amount AS INT) AS a FROM orders WHERE qty > 1", INPUTS
    )
    assert not result.stateful


def test_columns_of_open_source_are_inferred_from_usage() -> None:
    result = analyze_query(
        "SELECT payment_id, customer_id, amount FROM payments_raw WHERE amount > 0 AND status IS NOT NULL",
        INPUTS,
    )
    inferred = {c.name: c.type.sql() for c in result.inferred["payments_raw"]}
    assert inferred == {
        "payment_id": "STRING",
        "customer_id": "STRING",
        "amount": "DOUBLE",
        "status": "STRING",
    }


def test_unknown_column_has_position_and_did_you_mean() -> None:
    result = analyze_query("SELECT order_id\nFROM orders\nWHERE ammount > 1", INPUTS)
    (diag,) = result.diagnostics
    assert diag.code == "S003" and "ammount" in diag.message
    assert (diag.location.line, diag.location.column) == (3, 7)
    assert "amount" in diag.hint


def test_window_over_non_time_column_is_an_error() -> None:
    result = analyze_query(
        "SELECT window_start, COUNT(*) AS c FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(amount), INTERVAL '1' HOUR)) "
        "GROUP BY window_start, window_end",
        INPUTS,
    )
    assert [d.code for d in result.diagnostics] == ["S005"]


def test_syntax_error_has_line_and_column() -> None:
    result = analyze_query("SELECT a,\nFROM orders WHERE", INPUTS)
    (diag,) = result.diagnostics
    assert diag.code == "S001" and diag.location.line >= 1


def test_unknown_table() -> None:
    result = analyze_query("SELECT a FROM ordres", INPUTS)
    assert result.diagnostics[0].code == "S002" and "orders" in result.diagnostics[0].hint


def test_correlated_subquery_sees_the_outer_scope() -> None:
    result = analyze_query(
        "SELECT order_id FROM orders WHERE EXISTS "
        "(SELECT 1 FROM payments AS p WHERE p.order_id = orders.order_id)",
        INPUTS,
    )
    assert result.ok and not result.diagnostics


def test_row_field_access_and_unit_arguments() -> None:
    inputs = {
        "t": TableSchema(
            "t",
            (
                Column("r", parse_type("ROW<a INT, b STRING>")),
                Column("ts", parse_type("TIMESTAMP(3)")),
            ),
        )
    }
    result = analyze_query(
        "SELECT r.a AS ra, TIMESTAMPADD(HOUR, 1, ts) AS later, "
        "TIMESTAMPDIFF(SECOND, ts, ts) AS d FROM t",
        inputs,
    )
    assert result.ok, [d.render() for d in result.diagnostics]
    assert [c.type.sql() for c in result.columns] == ["INT", "TIMESTAMP(3)", "INT"]
    assert "TIMESTAMPADD(HOUR, 1, `ts`)" in result.canonical


def test_empty_select_list_is_a_syntax_error() -> None:
    assert [d.code for d in analyze_query("SELECT", INPUTS).diagnostics] == ["S001"]


def test_columns_of_open_source_take_their_type_from_aggregates_and_arithmetic() -> None:
    result = analyze_query(
        "SELECT SUM(a) AS s, AVG(b) AS m, MAX(c) AS x, d * 2 AS y FROM payments_raw", INPUTS
    )
    inferred = {c.name: c.type.sql() for c in result.inferred["payments_raw"]}
    assert inferred == {"a": "DOUBLE", "b": "DOUBLE", "c": "STRING", "d": "DOUBLE"}


@pytest.mark.parametrize(
    ("query", "reasons"),
    [
        ("SELECT order_id FROM orders WHERE amount > 1", ()),
        (
            "SELECT order_id, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id "
            "ORDER BY ts ASC) AS rn FROM orders) WHERE rn = 1",
            ("ROW_NUMBER", "deduplication (keep first row)"),
        ),
        (
            "SELECT order_id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id "
            "ORDER BY ts DESC) AS rn FROM orders) WHERE rn = 1",
            ("ROW_NUMBER", "deduplication (keep last row)"),
        ),
        (
            "SELECT o.order_id FROM orders o JOIN payments p ON o.order_id = p.order_id "
            "AND p.pts BETWEEN o.ts AND o.ts + INTERVAL '1' HOUR",
            ("interval join",),
        ),
        (
            "SELECT o.order_id FROM orders o JOIN payments p ON o.order_id = p.order_id",
            ("regular join",),
        ),
    ],
)
def test_stateful_reasons_name_the_operator(query: str, reasons: tuple[str, ...]) -> None:
    result = analyze_query(query, INPUTS)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.stateful_reasons == reasons


def test_updating_rank_says_why() -> None:
    result = analyze_query(
        "SELECT order_id FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY order_id "
        "ORDER BY ts DESC) AS rn FROM orders) WHERE rn = 1",
        INPUTS,
    )
    assert result.changelog_reasons == ("ROW_NUMBER deduplication / Top-N emits updates",)


def test_interval_join_over_a_changelog_hints_at_a_temporal_join() -> None:
    result = analyze_query(
        "SELECT o.order_id FROM orders AS o JOIN customers AS c ON o.customer_id = c.id "
        "AND o.ts BETWEEN c.ts - INTERVAL '1' MINUTE AND c.ts",
        {
            **INPUTS,
            "customers": TableSchema(
                "customers",
                (
                    Column("id", parse_type("STRING")),
                    Column("ts", parse_type("TIMESTAMP(3)"), rowtime=True),
                ),
                updating=True,
                primary_key=("id",),
            ),
        },
    )
    (diag,) = result.diagnostics
    assert diag.code == "S011"
    assert diag.message == "an interval join cannot read an updating input (c)"
    assert diag.hint == (
        "join the updating side with FOR SYSTEM_TIME AS OF (a temporal join), "
        "or read an append-only topic"
    )
