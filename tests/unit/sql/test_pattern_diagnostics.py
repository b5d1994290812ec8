"""What the analysis says about streaming patterns Flink refuses or treats specially (temporal
joins, MATCH_RECOGNIZE, cascaded windows, OVER windows, window TVFs, naming): the code, the
severity, the message naming the table/column at fault, the hint, and where (1-based line and
column counted by hand on the query text). Every refusal here is a query the Flink 2.2 planner
rejects or a job that would not do what it says."""

from __future__ import annotations

import pytest

from streamt.diagnostics import Severity
from streamt.sql import Column, TableSchema, analyze_query
from streamt.sql import parse_type as T

ORDERS = TableSchema(
    "orders",
    (
        Column("id", T("STRING")),
        Column("cid", T("STRING")),
        Column("amount", T("DOUBLE")),
        Column("ts", T("TIMESTAMP(3)"), rowtime=True, watermark_delay_ms=5000),
    ),
)
TIMED = (Column("cid", T("STRING")), Column("rate", T("DOUBLE")))
UTS = Column("uts", T("TIMESTAMP(3)"), rowtime=True)
INPUTS = {
    t.name: t
    for t in (
        ORDERS,
        TableSchema("rates", (*TIMED, UTS), message_key=("cid",)),  # a versioned table
        TableSchema("nokey", (*TIMED, UTS)),
        TableSchema("notime", TIMED, updating=True, primary_key=("cid",)),
        TableSchema(
            "cdc",
            (Column("cid", T("STRING")), Column("name", T("STRING")), UTS),
            updating=True,
            primary_key=("cid",),
        ),
        # a model's topic read back: its plain timestamps may become the job's event time
        TableSchema(
            "m",
            (
                Column("id", T("STRING")),
                Column("t1", T("TIMESTAMP(3)")),
                Column("t2", T("TIMESTAMP(3)")),
            ),
            retimable=True,
        ),
        TableSchema(
            "pt", (Column("id", T("STRING")), Column("p", T("TIMESTAMP_LTZ(3)"), proctime=True))
        ),
    )
}
VERSIONED_HINT = (
    "declare key: and event_time: on {t!r} (it is then read as upsert-kafka, the latest row per "
    "key at each point in event time), and join ON its key columns"
)


def diagnostics(sql: str) -> list[tuple[str, Severity, tuple[int, int], str, str]]:
    return [
        (d.code, d.severity, (d.location.line, d.location.column), d.message, d.hint)
        for d in analyze_query(sql, INPUTS).diagnostics
    ]


def test_an_event_time_temporal_join_on_the_key_reads_a_versioned_table() -> None:
    result = analyze_query(
        "SELECT o.id, r.rate FROM orders AS o "
        "JOIN rates FOR SYSTEM_TIME AS OF o.ts AS r ON o.cid = r.cid",
        INPUTS,
    )
    assert result.ok and result.diagnostics == ()
    assert dict(result.versioned) == {"rates": ("cid",)}
    assert result.stateful_reasons == ("temporal join",)
    assert not result.updating


@pytest.mark.parametrize(
    ("table", "on", "missing"),
    [
        ("nokey", "o.cid = r.cid", "a primary key (key:)"),
        ("notime", "o.cid = r.cid", "an event time (event_time:)"),
        ("rates", "o.id = r.rate", "the key (cid) equated in the ON condition"),
    ],
)
def test_a_temporal_join_against_a_table_that_is_not_versioned_says_what_it_lacks(
    table: str, on: str, missing: str
) -> None:
    #      1234567890123456789012345678901234567890123
    sql = (
        f"SELECT o.id, r.rate FROM orders AS o JOIN {table} FOR SYSTEM_TIME AS OF o.ts AS r ON {on}"
    )
    result = analyze_query(sql, INPUTS)
    assert dict(result.versioned) == {}
    assert diagnostics(sql) == [
        (
            "S047",
            Severity.ERROR,
            (1, 43),  # the versioned table's name
            f"temporal join against {table!r}, which is not a versioned table: it needs {missing}",
            VERSIONED_HINT.format(t=table),
        )
    ]


def test_a_temporal_join_as_of_a_plain_column_is_refused_at_that_column() -> None:
    #      1234567890123456789012345678901234567890123456789012345678901234567890123
    sql = "SELECT o.id, r.rate FROM orders AS o JOIN rates FOR SYSTEM_TIME AS OF o.amount AS r ON o.cid = r.cid"
    assert diagnostics(sql) == [
        (
            "S046",
            Severity.ERROR,
            (1, 73),  # amount
            "FOR SYSTEM_TIME AS OF needs the probe side's event-time attribute, got `o`.`amount`",
            "write AS OF <alias>.<event_time column> of the table on the left",
        )
    ]


def test_a_processing_time_temporal_join_needs_a_lookup_source_which_kafka_is_not() -> None:
    sql = (
        "SELECT p.id, r.rate FROM pt AS p JOIN rates FOR SYSTEM_TIME AS OF p.p AS r ON p.id = r.cid"
    )
    ((code, severity, place, message, hint),) = diagnostics(sql)
    assert (code, severity, place) == ("S045", Severity.ERROR, (1, 39))  # rates
    assert message.startswith("FOR SYSTEM_TIME AS OF `p`.`p` is a processing-time temporal")
    assert "lookup source (JDBC, HBase, ...) for 'rates'" in message
    assert hint == (
        "join AS OF the probe side's event time against a versioned table (a source or model "
        "with key: and event_time), or use a regular join"
    )


def test_match_recognize_reads_partition_columns_then_measures_with_navigation_types() -> None:
    result = analyze_query(
        "SELECT * FROM orders MATCH_RECOGNIZE (PARTITION BY cid ORDER BY ts MEASURES "
        "FIRST(A.amount) AS fa, LAST(A.ts) AS lt, A.id AS i PATTERN (A+) "
        "DEFINE A AS A.amount > 1) AS mr",
        INPUTS,
    )
    assert result.diagnostics == ()
    assert [(c.name, c.type.sql(), c.rowtime) for c in result.columns] == [
        ("cid", "STRING", False),
        ("fa", "DOUBLE", False),
        ("lt", "TIMESTAMP(3)", False),  # a measure is a plain value, not a time attribute
        ("i", "STRING", False),
    ]
    assert result.stateful_reasons == ("MATCH_RECOGNIZE",)
    assert not result.updating


def test_match_recognize_may_be_ordered_by_a_processing_time_attribute() -> None:
    result = analyze_query(
        "SELECT * FROM pt MATCH_RECOGNIZE (ORDER BY p MEASURES A.id AS i PATTERN (A) "
        "DEFINE A AS A.id = 'x')",
        INPUTS,
    )
    assert result.diagnostics == ()
    assert [c.name for c in result.columns] == ["i"]


@pytest.mark.parametrize("order", ["amount", "ts DESC"])
def test_match_recognize_must_be_ordered_by_time_ascending(order: str) -> None:
    #      12345678901234567890123456789012345678901234567890123456789012345
    sql = (
        "SELECT * FROM orders MATCH_RECOGNIZE (PARTITION BY cid ORDER BY "
        f"{order} MEASURES A.amount AS a PATTERN (A) DEFINE A AS A.amount > 1) AS mr"
    )
    assert diagnostics(sql) == [
        (
            "S042",
            Severity.ERROR,
            (1, 65),  # the first ORDER BY item
            "MATCH_RECOGNIZE must be ordered first by a time attribute, ascending",
            "ORDER BY the input's event-time (or processing-time) column first, e.g. "
            "ORDER BY rowtime [, other columns]",
        )
    ]


def test_match_recognize_over_a_changelog_is_refused_naming_the_input() -> None:
    sql = (
        "SELECT * FROM cdc MATCH_RECOGNIZE (PARTITION BY cid ORDER BY uts MEASURES A.name AS n "
        "PATTERN (A) DEFINE A AS A.name = 'x') AS mr"
    )
    ((code, severity, _, message, hint),) = diagnostics(sql)
    assert (code, severity) == ("S041", Severity.ERROR)
    assert message == "MATCH_RECOGNIZE cannot read an updating input (cdc)"
    assert hint == "read an append-only topic (a source or a model that emits no updates)"


def test_a_window_over_a_models_plain_timestamp_makes_it_that_tables_event_time() -> None:
    #      1234567890123456789012345678901234567890123456789012345678901234567890123456
    sql = (
        "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE m, DESCRIPTOR(t1), "
        "INTERVAL '1' MINUTE)) GROUP BY window_start, window_end"
    )
    result = analyze_query(sql, INPUTS)
    assert result.ok
    assert dict(result.event_times) == {"m": "t1"}
    assert diagnostics(sql) == [
        (
            "S040",
            Severity.INFO,
            (1, 74),  # t1 inside DESCRIPTOR
            "TUMBLE over 't1' of 'm': read back from its topic, 't1' becomes the event time of "
            "table 'm' in this job (WATERMARK FOR t1 AS t1: windows close as rows of later "
            "values arrive)",
            "",
        )
    ]


def test_one_table_cannot_be_windowed_over_two_event_times() -> None:
    sql = (
        "SELECT a.window_start FROM TABLE(TUMBLE(TABLE m, DESCRIPTOR(t1), INTERVAL '1' MINUTE)) a "
        "JOIN TABLE(TUMBLE(TABLE m, DESCRIPTOR(t2), INTERVAL '1' MINUTE)) b "
        "ON a.window_start = b.window_start AND a.window_end = b.window_end"
    )
    result = analyze_query(sql, INPUTS)
    assert dict(result.event_times) == {"m": "t1"}  # the first choice stands
    assert [d[:2] for d in diagnostics(sql)] == [
        ("S040", Severity.INFO),
        ("S044", Severity.ERROR),
    ]
    _, _, place, message, hint = diagnostics(sql)[1]
    assert place == (1, sql.index("t2") + 1)
    assert message == (
        "TUMBLE windows 'm' over 't2', but this query already uses 't1' as that table's event time"
    )
    assert hint == "a table has one event time: window every read of it over the same column"


@pytest.mark.parametrize(("order", "shown"), [("amount", "`amount`"), ("ts DESC", "`ts` DESC")])
def test_an_over_aggregate_must_be_ordered_by_one_time_attribute_ascending(
    order: str, shown: str
) -> None:
    sql = f"SELECT id, SUM(amount) OVER (PARTITION BY cid ORDER BY {order}) AS s FROM orders"
    assert diagnostics(sql) == [
        (
            "S048",
            Severity.ERROR,
            (1, 56),  # the ORDER BY item
            f"OVER window (SUM) ordered by {shown}: a streaming OVER aggregate must be ordered "
            "by one time attribute, ascending",
            "ORDER BY the input's event-time (or processing-time) column; for a ranking use "
            "ROW_NUMBER() with a WHERE filter on it (Top-N), or aggregate with GROUP BY",
        )
    ]


def test_an_over_aggregate_cannot_read_a_changelog() -> None:
    sql = "SELECT cid, SUM(1) OVER (PARTITION BY cid ORDER BY uts) AS s FROM cdc"
    assert diagnostics(sql) == [
        (
            "S011",
            Severity.ERROR,
            (1, 13),  # the SUM call, at its name
            "an OVER window (SUM) cannot read an updating input (cdc)",
            "aggregate with GROUP BY (or a window TVF) instead, or read an append-only topic",
        )
    ]


def test_an_unfiltered_row_number_not_ordered_by_time_is_neither_top_n_nor_over() -> None:
    sql = "SELECT id, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY amount) AS rn FROM orders"
    assert diagnostics(sql) == [
        (
            "S050",
            Severity.ERROR,
            (1, 8),  # the SELECT (its first column), not the ROW_NUMBER call itself
            "ROW_NUMBER() AS rn is not filtered (WHERE rn <= N) and not ordered by a time "
            "attribute ascending: Flink runs neither a Top-N nor an OVER aggregate for it",
            "add WHERE rn <= N (Top-N, or = 1 for deduplication), or ORDER BY the event-time "
            "column ascending",
        )
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT * FROM TABLE(TUMBLE(TABLE orders, ts, INTERVAL '1' MINUTE))",
            (
                "S007",
                "TUMBLE needs DESCRIPTOR(<time column>)",
                "write TUMBLE(TABLE <input>, DESCRIPTOR(<event-time column>), INTERVAL ...)",
            ),
        ),
        (
            "SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(nope), INTERVAL '1' MINUTE))",
            ("S003", "unknown column 'nope' in DESCRIPTOR", ""),
        ),
        (
            "SELECT * FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(amount), INTERVAL '1' MINUTE))",
            (
                "S005",
                "TUMBLE window over column 'amount', which is not an event-time attribute",
                "declare event_time (with a watermark) on the source, or window over a column "
                "that keeps its rowtime through ref()",
            ),
        ),
        (
            "SELECT * FROM TABLE(TUMBLE(orders, DESCRIPTOR(ts), INTERVAL '1' MINUTE))",
            ("S007", "a window table function needs TABLE <name> as its first argument", ""),
        ),
    ],
)
def test_window_table_function_arguments_flink_refuses(
    sql: str, expected: tuple[str, str, str]
) -> None:
    """A bare column instead of DESCRIPTOR(col): the Flink 2.2 planner refuses the view."""
    assert [(code, message, hint) for code, _, _, message, hint in diagnostics(sql)][:1] == [
        expected
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT id, id FROM orders",
            ("S008", Severity.ERROR, (1, 12), "duplicate output column 'id'"),
        ),
        (
            "SELECT UPPER(id) FROM orders",
            (
                "S006",
                Severity.WARNING,
                (1, 8),  # the call, at its name
                "expression 'UPPER(`id`)' has no name; Flink calls it EXPR$0",
            ),
        ),
        ("SELECT x.id FROM orders", ("S003", Severity.ERROR, (1, 10), "unknown table alias 'x'")),
        (
            "SELECT cid FROM orders JOIN cdc ON orders.cid = cdc.cid",
            ("S004", Severity.ERROR, (1, 8), "column 'cid' is ambiguous"),
        ),
        ("SELECT * FROM ordrs", ("S002", Severity.ERROR, (1, 15), "unknown table 'ordrs'")),
    ],
)
def test_naming_problems_are_placed_on_the_name(
    sql: str, expected: tuple[str, Severity, tuple[int, int], str]
) -> None:
    ((code, severity, place, message, hint),) = diagnostics(sql)
    assert (code, severity, place, message) == expected
    assert (
        hint
        == {
            "S008": "give each column a distinct alias",
            "S006": "add AS <name>",
            "S003": "known: orders",
            "S004": "qualify it with a table alias",
            "S002": "did you mean 'orders'?",
        }[code]
    )


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, LAG(amount) OVER (PARTITION BY cid ORDER BY ts) AS prev FROM orders",
        "SELECT id, SUM(amount) OVER w AS s FROM orders "
        "WINDOW w AS (PARTITION BY cid ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
    ],
)
def test_an_over_aggregate_ordered_by_event_time_is_accepted(sql: str) -> None:
    result = analyze_query(sql, INPUTS)
    assert result.diagnostics == ()
    assert result.stateful_reasons == ("OVER window",)
    assert not result.updating


@pytest.mark.parametrize(
    ("sql", "shown", "column"),
    [
        (
            "SELECT id, SUM(amount) OVER w AS s FROM orders "
            "WINDOW w AS (PARTITION BY cid ORDER BY amount)",
            "`amount`",
            87,  # the named window's ORDER BY
        ),
        ("SELECT id, SUM(amount) OVER (PARTITION BY cid) AS s FROM orders", "nothing", 12),
        (
            "SELECT id, SUM(amount) OVER (PARTITION BY cid ORDER BY ts, id) AS s FROM orders",
            "`ts`, `id`",
            56,
        ),
    ],
)
def test_over_windows_not_ordered_by_exactly_one_time_attribute(
    sql: str, shown: str, column: int
) -> None:
    ((code, _, place, message, _),) = diagnostics(sql)
    assert (code, place) == ("S048", (1, column))
    assert message.startswith(f"OVER window (SUM) ordered by {shown}: ")


@pytest.mark.parametrize(("fn", "column"), [("RANK()", 12), ("NTILE(4)", 12)])
def test_ranking_functions_flink_does_not_stream_are_refused(fn: str, column: int) -> None:
    sql = f"SELECT id, {fn} OVER (PARTITION BY cid ORDER BY ts) AS r FROM orders"
    name = fn.split("(")[0]
    assert diagnostics(sql) == [
        (
            "S051",
            Severity.ERROR,
            (1, column),
            f"{name}() is not supported on a streaming table",
            "rank with ROW_NUMBER() and a WHERE filter on it (Top-N), or aggregate with GROUP BY "
            "/ a window TVF",
        )
    ]


def test_an_unknown_column_read_by_several_clauses_is_reported_once() -> None:
    sql = "SELECT id, SUM(amount) OVER (PARTITION BY cid ORDER BY nope) AS s FROM orders"
    assert [(code, place, message) for code, _, place, message, _ in diagnostics(sql)] == [
        ("S003", (1, 56), "unknown column 'nope'"),
        (
            "S048",
            (1, 56),
            "OVER window (SUM) ordered by `nope`: a streaming OVER aggregate "
            "must be ordered by one time attribute, ascending",
        ),
    ]


def test_join_using_reads_the_column_from_both_sides() -> None:
    ok = analyze_query("SELECT o.id, r.rate FROM orders o JOIN rates r USING (cid)", INPUTS)
    assert ok.diagnostics == () and [c.name for c in ok.columns] == ["id", "rate"]
    bad = diagnostics("SELECT o.id FROM orders o JOIN rates r USING (nope)")
    assert [(code, message, hint) for code, _, _, message, hint in bad] == [
        ("S003", "unknown column 'nope'", "known: amount, cid, id, ts"),
        ("S003", "unknown column 'nope'", "known: cid, rate, uts"),
    ]


@pytest.mark.parametrize("gap", ["", " ", "  "])
def test_an_unknown_function_is_placed_on_its_name(gap: str) -> None:
    """A call is shown at its name (the column of its first letter), not at its `(`, however
    far the `(` stands from it."""
    sql = f"SELECT id, nope{gap}(id) AS n FROM orders"
    ((code, _, place, _, _),) = diagnostics(sql)
    assert (code, place) == ("S030", (1, sql.index("nope") + 1))
