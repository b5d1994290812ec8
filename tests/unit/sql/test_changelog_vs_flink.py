"""Changelog decisions against the real planner's verdicts.

Each expected value is what Apache Flink 2.2's planner reported as the changelog of the INSERT
(`/work/shared/tools/flink_explain`, `changelog` field: `[I]` = append-only, anything with
UA/UB/D = updating) for the same query over the same two tables, recorded on 2026-11-25.
"""

from __future__ import annotations

import pytest

from streamt.sql import Column, TableSchema, analyze_query, parse_type

T = parse_type
INPUTS = {
    "orders": TableSchema(
        "orders",
        (
            Column("id", T("STRING")),
            Column("cid", T("STRING")),
            Column("amount", T("DOUBLE")),
            Column("ts", T("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=1000),
        ),
    ),
    "customers": TableSchema(
        "customers",
        (
            Column("cid", T("STRING")),
            Column("name", T("STRING")),
            Column("uts", T("TIMESTAMP(3)"), rowtime=True),
        ),
    ),
    "customers_cdc": TableSchema(
        "customers_cdc",
        (
            Column("cid", T("STRING")),
            Column("name", T("STRING")),
            Column("uts", T("TIMESTAMP(3)"), rowtime=True),
        ),
        updating=True,
        primary_key=("cid",),
    ),
}

# query -> Flink 2.2's changelog of the result
FLINK_VERDICTS = {
    "SELECT o.id, c.name FROM orders o JOIN customers c ON o.cid = c.cid": "[I]",
    "SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.cid = c.cid": "[I,UA,D]",
    "SELECT id, amount, ts FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts ASC) AS rn "
    "FROM orders) WHERE rn = 1": "[I]",
    "SELECT id, amount FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY id ORDER BY ts DESC) AS rn "
    "FROM orders) WHERE rn = 1": "[I,UA,D]",
    "SELECT cid, id, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY amount DESC) AS rn "
    "FROM orders) WHERE rn <= 3": "[I,UA,D]",
    "SELECT DISTINCT cid FROM orders": "[I,UA]",
    "SELECT id FROM orders UNION ALL SELECT cid FROM customers": "[I]",
    "SELECT id FROM orders UNION SELECT cid FROM customers": "[I,UA]",
    "SELECT id, SUM(amount) OVER (PARTITION BY cid ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) "
    "AS s FROM orders": "[I]",
    "SELECT COUNT(*) AS n FROM orders": "[I,UA]",
    "SELECT cid, SUM(amount) AS s FROM orders GROUP BY cid": "[I,UA]",
    "SELECT o.id, c.name FROM orders o, customers c WHERE o.cid = c.cid "
    "AND o.ts BETWEEN c.uts - INTERVAL '1' HOUR AND c.uts": "[I]",
    "SELECT window_start, window_end, SUM(amount) AS s FROM TABLE(CUMULATE(TABLE orders, DESCRIPTOR(ts), "
    "INTERVAL '1' MINUTE, INTERVAL '1' HOUR)) GROUP BY window_start, window_end": "[I]",
    "SELECT SESSION_START(ts, INTERVAL '5' MINUTE) AS s, cid, COUNT(*) AS n FROM orders "
    "GROUP BY SESSION(ts, INTERVAL '5' MINUTE), cid": "[I]",
    "SELECT * FROM (SELECT window_start, window_end, cid, s, ROW_NUMBER() OVER (PARTITION BY window_start, "
    "window_end ORDER BY s DESC) AS rn FROM (SELECT window_start, window_end, cid, SUM(amount) AS s "
    "FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) "
    "GROUP BY window_start, window_end, cid)) WHERE rn <= 3": "[I]",
    "SELECT cid, COUNT(*) AS n FROM orders GROUP BY cid HAVING COUNT(*) > 2": "[I,UB,UA]",
    "WITH big AS (SELECT * FROM orders WHERE amount > 10) SELECT id, ts FROM big": "[I]",
    # a temporal join consumes the versioned side's changelog
    "SELECT o.id, c.name, o.ts FROM orders AS o JOIN customers_cdc FOR SYSTEM_TIME AS OF o.ts AS c "
    "ON o.cid = c.cid": "[I]",
    "SELECT cid, UPPER(name) AS name FROM customers_cdc": "[I,UA,D]",
}


@pytest.mark.parametrize(("query", "verdict"), list(FLINK_VERDICTS.items()))
def test_updating_matches_flink(query: str, verdict: str) -> None:
    result = analyze_query(query, INPUTS)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.updating == (verdict != "[I]")


@pytest.mark.parametrize(
    "query",
    [
        # Flink 2.2: window aggregations over a changelog input emit append-only results
        "SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE customers_cdc, "
        "DESCRIPTOR(uts), INTERVAL '1' MINUTE)) GROUP BY window_start, window_end",
        "SELECT TUMBLE_START(uts, INTERVAL '1' MINUTE) AS w, COUNT(*) AS n FROM customers_cdc "
        "GROUP BY TUMBLE(uts, INTERVAL '1' MINUTE)",
    ],
)
def test_window_aggregation_over_a_changelog_is_append(query: str) -> None:
    result = analyze_query(query, INPUTS)
    assert result.ok and not result.updating


def test_interval_join_over_a_changelog_is_rejected_like_flink() -> None:
    """Flink 2.2: "StreamPhysicalIntervalJoin doesn't support consuming update and delete
    changes"; compile says so before deployment."""
    result = analyze_query(
        "SELECT o.id, c.name FROM orders AS o JOIN customers_cdc AS c ON o.cid = c.cid "
        "AND o.ts BETWEEN c.uts - INTERVAL '1' MINUTE AND c.uts",
        INPUTS,
    )
    assert [d.code for d in result.diagnostics] == ["S011"]


def test_over_aggregation_over_a_changelog_is_rejected_like_flink() -> None:
    """Flink 2.2: "StreamPhysicalOverAggregate doesn't support consuming update and delete
    changes"; ROW_NUMBER ranks over a changelog are fine (a Rank node)."""
    over = analyze_query(
        "SELECT cid, SUM(1) OVER (PARTITION BY cid ORDER BY uts ROWS BETWEEN 2 PRECEDING "
        "AND CURRENT ROW) AS s FROM customers_cdc",
        INPUTS,
    )
    assert [d.code for d in over.diagnostics] == ["S011"]
    rank = analyze_query(
        "SELECT cid, name FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY uts DESC) "
        "AS rn FROM customers_cdc) WHERE rn = 1",
        INPUTS,
    )
    assert rank.ok and rank.updating
