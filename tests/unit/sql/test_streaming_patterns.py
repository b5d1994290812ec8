"""Time, changelog and join kinds of Flink's streaming patterns (issue 9, points 3 and 4).

The expected values are Flink's rules as its documentation states them (the corpus test,
tests/unit/compile/test_flink_docs_corpus.py, checks the same patterns against the planner).
"""

from __future__ import annotations

import pytest

from streamt.sql import Column, TableSchema, analyze_query, parse, parse_type, render
from streamt.sql.ddl import watermark_interval
from streamt.sql.dialect import generate

T = parse_type
BID = TableSchema(
    "bid",
    (
        Column("bidtime", T("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=1000),
        Column("price", T("DECIMAL(10, 2)")),
        Column("item", T("STRING")),
    ),
)
TICKER = TableSchema(
    "ticker",
    (
        Column("symbol", T("STRING")),
        Column("price", T("BIGINT")),
        Column("rowtime", T("TIMESTAMP(3)"), rowtime=True),
    ),
)
RATES = TableSchema(  # a versioned table: message key + event time
    "rates",
    (
        Column("currency", T("STRING")),
        Column("rate", T("DOUBLE")),
        Column("ts", T("TIMESTAMP(3)"), rowtime=True),
    ),
    message_key=("currency",),
)
ORDERS = TableSchema(
    "orders",
    (
        Column("id", T("STRING")),
        Column("currency", T("STRING")),
        Column("ts", T("TIMESTAMP(3)"), rowtime=True),
        Column("pt", T("TIMESTAMP_LTZ(3) NOT NULL"), proctime=True),
    ),
)
WINDOWED = TableSchema(  # a model's topic read back: its minute_end is a plain TIMESTAMP(3)
    "per_minute",
    (
        Column("minute_start", T("TIMESTAMP(3) NOT NULL")),
        Column("minute_end", T("TIMESTAMP(3) NOT NULL")),
        Column("n", T("BIGINT NOT NULL")),
    ),
    retimable=True,
)
INPUTS = {t.name: t for t in (BID, TICKER, RATES, ORDERS, WINDOWED)}


def _codes(sql: str) -> list[str]:
    return [d.code for d in analyze_query(sql, INPUTS).diagnostics]


# ---- intervals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay_ms", "text"),
    [
        (1000, "INTERVAL '1' SECOND"),
        (99_999, "INTERVAL '99.999' SECOND"),
        (100_000, "INTERVAL '100' SECOND(3)"),
        (300_000, "INTERVAL '300' SECOND(3)"),
        (5 * 86_400_000, "INTERVAL '432000' SECOND(6)"),
    ],
)
def test_watermark_delays_of_any_size_get_the_precision_flink_needs(
    delay_ms: int, text: str
) -> None:
    # Flink's single-field interval has a leading precision of 2 digits unless written
    assert generate(watermark_interval(delay_ms)) == text


def test_query_intervals_of_three_digits_or_more_get_a_leading_precision() -> None:
    sql = (
        "SELECT * FROM t WHERE a BETWEEN b - INTERVAL '300' SECOND AND b + INTERVAL '120' MINUTES"
        " OR c < d - INTERVAL '10' MINUTES OR e < f - INTERVAL '1 2:03' DAY TO MINUTE"
    )
    out = render(parse(sql))
    assert "INTERVAL '300' SECOND(3)" in out
    assert "INTERVAL '120' MINUTE(3)" in out
    assert "INTERVAL '10' MINUTES" in out  # unchanged: fits the default precision
    assert "INTERVAL '1 2:03' DAY TO MINUTE" in out


# ---- window TVF argument forms ------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY item, DESCRIPTOR(bidtime), "
            "INTERVAL '5' MINUTES))",
            "SESSION(TABLE `bid` PARTITION BY (`item`), DESCRIPTOR(`bidtime`), INTERVAL '5' MINUTES)",
        ),
        (
            "SELECT * FROM TABLE(SESSION(TABLE bid PARTITION BY (item, price), "
            "DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))",
            "SESSION(TABLE `bid` PARTITION BY (`item`, `price`), DESCRIPTOR(`bidtime`), "
            "INTERVAL '5' MINUTES)",
        ),
        (
            "SELECT * FROM TABLE(SESSION(DATA => TABLE bid PARTITION BY item, "
            "TIMECOL => DESCRIPTOR(bidtime), GAP => INTERVAL '5' MINUTES))",
            "SESSION(`DATA` => TABLE `bid` PARTITION BY (`item`), `TIMECOL` => "
            "DESCRIPTOR(`bidtime`), `GAP` => INTERVAL '5' MINUTES)",
        ),
        (
            "SELECT * FROM TABLE(TUMBLE(DATA => TABLE bid, TIMECOL => DESCRIPTOR(bidtime), "
            "SIZE => INTERVAL '10' MINUTES, OFFSET => INTERVAL '1' MINUTES))",
            "TUMBLE(`DATA` => TABLE `bid`, `TIMECOL` => DESCRIPTOR(`bidtime`), "
            "`SIZE` => INTERVAL '10' MINUTES, `OFFSET` => INTERVAL '1' MINUTES)",
        ),
    ],
)
def test_window_tvf_argument_forms_parse_and_render(sql: str, expected: str) -> None:
    assert expected in render(parse(sql))
    assert analyze_query(sql.replace("SELECT *", "SELECT item, window_start"), INPUTS).ok


def test_session_partition_key_must_be_a_column_of_the_table() -> None:
    sql = (
        "SELECT window_start FROM TABLE(SESSION(TABLE bid PARTITION BY nope, "
        "DESCRIPTOR(bidtime), INTERVAL '5' MINUTES)) GROUP BY window_start, window_end"
    )
    assert _codes(sql) == ["S003"]


# ---- cascaded windows ------------------------------------------------------------------------


def test_a_window_over_a_models_plain_timestamp_makes_it_the_event_time() -> None:
    sql = (
        "SELECT window_start, SUM(n) AS n FROM TABLE(TUMBLE(TABLE per_minute, "
        "DESCRIPTOR(minute_end), INTERVAL '1' HOUR)) GROUP BY window_start, window_end"
    )
    result = analyze_query(sql, INPUTS)
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("S040", "info")]
    assert result.event_times == {"per_minute": "minute_end"}
    assert not result.updating


def test_a_source_column_without_event_time_is_still_refused() -> None:
    sql = (
        "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(id), "
        "INTERVAL '1' HOUR)) GROUP BY window_start, window_end"
    )
    assert _codes(sql) == ["S005"]


def test_a_window_over_a_table_that_has_window_columns_is_refused() -> None:
    sql = (
        "SELECT window_start, SUM(n) AS n FROM TABLE(TUMBLE(TABLE w, "
        "DESCRIPTOR(window_end), INTERVAL '1' HOUR)) GROUP BY window_start, window_end"
    )
    # w has window_start / window_end: the TVF's own would be ambiguous in Flink
    renamed = {"minute_start": "window_start", "minute_end": "window_end"}
    columns = tuple(c.renamed(renamed.get(c.name, c.name)) for c in WINDOWED.columns)
    result = analyze_query(sql, {"w": TableSchema("w", columns, retimable=True)})
    assert [d.code for d in result.diagnostics if d.is_error] == ["S043"]


# ---- changelog and join kinds --------------------------------------------------------------


def test_over_must_be_ordered_by_a_time_attribute_ascending() -> None:
    base = "SELECT SUM(price) OVER (PARTITION BY item ORDER BY {} ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM bid"
    assert _codes(base.format("bidtime")) == []
    assert _codes(base.format("price")) == ["S048"]
    assert _codes(base.format("bidtime DESC")) == ["S048"]
    named = (
        "SELECT SUM(price) OVER w AS s FROM bid WINDOW w AS (PARTITION BY item ORDER BY price "
        "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
    )
    assert _codes(named) == ["S048"]


def test_event_time_temporal_join_against_a_versioned_table() -> None:
    sql = (
        "SELECT o.id, r.rate FROM orders AS o LEFT JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r "
        "ON o.currency = r.currency"
    )
    result = analyze_query(sql, INPUTS)
    assert result.ok and not result.updating
    assert result.versioned == {"rates": ("currency",)}
    assert result.columns[1].type.nullable  # LEFT: no version yet -> NULL


@pytest.mark.parametrize(
    ("rates", "on", "needs"),
    [
        (TableSchema("rates", RATES.columns), "o.currency = r.currency", "a primary key"),
        (
            TableSchema(
                "rates", tuple(c.plain() for c in RATES.columns), message_key=("currency",)
            ),
            "o.currency = r.currency",
            "an event time",
        ),
        (RATES, "o.currency = UPPER(r.currency)", "the key (currency) equated"),
    ],
)
def test_temporal_join_against_a_table_that_is_not_versioned(
    rates: TableSchema, on: str, needs: str
) -> None:
    sql = f"SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON {on}"
    result = analyze_query(sql, {**INPUTS, "rates": rates})
    (error,) = [d for d in result.diagnostics if d.is_error]
    assert error.code == "S047" and needs in error.message and error.location.line == 1


def test_processing_time_temporal_join_needs_a_lookup_source() -> None:
    sql = (
        "SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.pt AS r "
        "ON o.currency = r.currency"
    )
    assert _codes(sql) == ["S045"]
    assert _codes(sql.replace("o.pt", "o.id")) == ["S046"]


def test_window_join_is_append_only_and_its_optional_side_nullable() -> None:
    sql = (
        "SELECT L.item AS l, R.item AS r, L.window_start FROM "
        "(SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))) L "
        "FULL JOIN "
        "(SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), INTERVAL '5' MINUTES))) R "
        "ON L.item = R.item AND L.window_start = R.window_start AND L.window_end = R.window_end"
    )
    result = analyze_query(sql, INPUTS)
    assert result.ok and not result.updating
    assert "window join" in result.stateful_reasons
    assert result.columns[2].type.nullable  # NULL in right-only rows


def test_regular_outer_join_updates_and_nulls_its_optional_side() -> None:
    sql = "SELECT o.id, r.rate FROM orders AS o LEFT JOIN rates AS r ON o.currency = r.currency"
    result = analyze_query(sql, INPUTS)
    assert result.updating
    assert result.columns[1].type.nullable


@pytest.mark.parametrize("negation", ["NOT IN", "NOT EXISTS"])
def test_anti_join_retracts_rows_unless_windowed(negation: str) -> None:
    regular = {
        "NOT IN": "SELECT id FROM orders WHERE currency NOT IN (SELECT currency FROM rates)",
        "NOT EXISTS": "SELECT id FROM orders o WHERE NOT EXISTS "
        "(SELECT 1 FROM rates r WHERE r.currency = o.currency)",
    }[negation]
    assert analyze_query(regular, INPUTS).updating
    semi = regular.replace("NOT IN", "IN").replace("NOT EXISTS", "EXISTS")
    assert not analyze_query(semi, INPUTS).updating


def test_intersect_all_and_except_all_have_no_upsert_key() -> None:
    for op in ("INTERSECT ALL", "EXCEPT ALL"):
        result = analyze_query(f"SELECT item FROM bid {op} SELECT symbol FROM ticker", INPUTS)
        assert result.updating and result.upsert_key is None
    distinct = analyze_query("SELECT item FROM bid INTERSECT SELECT symbol FROM ticker", INPUTS)
    assert distinct.upsert_key == ("item",)


def test_window_top_n_keeps_the_time_attributes_flink_keeps() -> None:
    sql = (
        "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end "
        "ORDER BY price DESC) AS rownum FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(bidtime), "
        "INTERVAL '10' MINUTES))) WHERE rownum <= 3"
    )
    result = analyze_query(sql, INPUTS)
    assert not result.updating
    # the planner keeps bidtime and window_time as time attributes (the sink casts the second)
    assert [c.name for c in result.columns if c.rowtime] == ["bidtime", "window_time"]


# ---- MATCH_RECOGNIZE -----------------------------------------------------------------------

MATCH = """
SELECT * FROM ticker MATCH_RECOGNIZE (
  PARTITION BY symbol ORDER BY {order}
  MEASURES FIRST(A.rowtime) AS start_ts, LAST(A.rowtime) AS end_ts, AVG(A.price) AS avg_price,
    B.price AS last_price
  ONE ROW PER MATCH AFTER MATCH SKIP PAST LAST ROW
  PATTERN (A+ B) DEFINE A AS AVG(A.price) < 15
) MR
"""


def test_match_recognize_outputs_partition_columns_and_measures_append_only() -> None:
    result = analyze_query(MATCH.format(order="rowtime"), INPUTS)
    assert result.ok and not result.updating
    assert [(c.name, c.type.name, c.rowtime) for c in result.columns] == [
        ("symbol", "STRING", False),
        ("start_ts", "TIMESTAMP", False),
        ("end_ts", "TIMESTAMP", False),
        ("avg_price", "BIGINT", False),
        ("last_price", "BIGINT", False),
    ]
    assert "MATCH_RECOGNIZE" in result.stateful_reasons


def test_match_recognize_is_ordered_by_a_time_attribute_over_an_append_input() -> None:
    assert _codes(MATCH.format(order="price")) == ["S042"]
    assert _codes(MATCH.format(order="rowtime DESC")) == ["S042"]
    updating = TableSchema("ticker", TICKER.columns, updating=True, primary_key=("symbol",))
    result = analyze_query(MATCH.format(order="rowtime"), {"ticker": updating})
    assert [d.code for d in result.diagnostics] == ["S041"]
    assert _codes(MATCH.format(order="rowtime").replace("A.price) < 15", "A.nope) < 15")) == [
        "S003"
    ]


# ---- NULL by construction -------------------------------------------------------------------


def test_outer_join_optional_side_and_rolled_up_columns_are_null_filled() -> None:
    join = analyze_query(
        "SELECT o.id, r.currency FROM orders AS o LEFT JOIN rates AS r ON o.currency = r.currency",
        INPUTS,
    )
    assert [c.null_filled for c in join.columns] == [False, True]
    rollup = analyze_query(
        "SELECT item, COALESCE(item, '') AS k, COUNT(*) AS n FROM bid GROUP BY ROLLUP (item)",
        INPUTS,
    )
    assert [c.null_filled for c in rollup.columns] == [True, False, False]


def test_match_recognize_text_clauses_come_from_flinks_closed_set() -> None:
    # sqlglot keeps PATTERN, the output mode and AFTER MATCH as text written verbatim
    ok = MATCH.format(order="rowtime")
    assert _codes(ok.replace("PATTERN (A+ B)", "PATTERN (A{2,}? B* C{1,3})")) == []
    assert _codes(ok.replace("SKIP PAST LAST ROW", "SKIP TO LAST B")) == []
    assert "C050" in _codes(ok.replace("PATTERN (A+ B)", "PATTERN (A `B`)"))
    assert _codes(ok.replace("SKIP PAST LAST ROW", "SKIP TO LAST B C")) == ["S001"]


# ---- ranking ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE"])
def test_ranking_functions_flink_refuses_on_streams(fn: str) -> None:
    arg = "2" if fn == "NTILE" else ""
    sql = (
        f"SELECT item, rn FROM (SELECT item, {fn}({arg}) OVER (PARTITION BY item "
        "ORDER BY bidtime) AS rn FROM bid) WHERE rn <= 3"
    )
    assert _codes(sql) == ["S051"]


def test_row_number_without_a_filter_must_be_time_ordered() -> None:
    inner = "SELECT item, ROW_NUMBER() OVER (PARTITION BY item ORDER BY {}) AS rn FROM bid"
    assert _codes(inner.format("price DESC")) == ["S050"]
    assert _codes(f"SELECT item, rn FROM ({inner.format('price DESC')})") == ["S050"]
    # time-ordered: an OVER aggregate, append-only
    result = analyze_query(f"SELECT item, rn FROM ({inner.format('bidtime')})", INPUTS)
    assert result.ok and not result.updating
    # filtered: a Top-N
    top = analyze_query(
        f"SELECT item, rn FROM ({inner.format('price DESC')}) WHERE rn <= 2", INPUTS
    )
    assert top.ok and top.updating
