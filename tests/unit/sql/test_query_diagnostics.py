"""What `analyze_query` tells the user about a query it cannot take: the code, the severity, the
line and column inside the query (1-based, the first character of the offending token) and the
hint. Positions are counted by hand on the query text written here."""

from __future__ import annotations

import pytest

from streamt.diagnostics import Diagnostic, Severity
from streamt.sql import Column, TableSchema, analyze_query, parse_type

T = TableSchema("t", (Column("a", parse_type("INT")), Column("s", parse_type("STRING"))))
SYNTAX_HINT = "check the SQL near the marked position; Flink SQL quotes identifiers with backticks"
NUMBER_HINT = "Flink refuses it (out of range); write the value as a string and CAST it to DECIMAL"


def only(sql: str) -> Diagnostic:
    (diag,) = analyze_query(sql, {"t": T}).diagnostics
    assert diag.severity is Severity.ERROR
    return diag


def where(diag: Diagnostic) -> tuple[int, int]:
    return diag.location.line, diag.location.column


@pytest.mark.parametrize(
    ("sql", "place", "near"),
    [
        #         1234567890123456789
        ("SELECT a FROM t WHERE", (1, 17), "WHERE"),
        ("SELECT a\n  FROM t WHERE a >", (2, 18), ">"),
    ],
)
def test_a_syntax_error_points_at_the_first_character_of_the_token(
    sql: str, place: tuple[int, int], near: str
) -> None:
    diag = only(sql)
    assert diag.code == "S001"
    assert where(diag) == place
    assert diag.message.startswith("SQL syntax error: ")
    assert f"{near!r} is not complete" in diag.message
    assert diag.hint == SYNTAX_HINT


@pytest.mark.parametrize(
    ("sql", "place", "message"),
    [
        #  1234567890123456789012345678
        ("SELECT a, s, FROM t", (1, 12), "a comma before 'FROM' leaves an empty item in the list"),
        ("SELECT a,, s FROM t", (1, 9), "a comma before ',' leaves an empty item in the list"),
        ("SELECT CONCAT(s, ) FROM t", (1, 16), "a comma before ')' leaves an empty item"),
        ("SELECT a FROM t WHERE a > (1", (1, 28), "a parenthesis is not closed: ')' expected"),
        ("SELECT a FROM t WHERE a > 1)", (1, 28), "')' has no matching '('"),
        ("SELECT a, select FROM t", (1, 11), "'select' is a keyword where a name or expression"),
        ("SELECT a s a FROM t", (1, 12), "unexpected 'a': is a comma missing"),
        ("SELECT a FROM t WHRE a > 1", (1, 22), "unexpected 'a': is a comma missing"),
        ("SELECT a FROM", (1, 10), "expected table name after 'FROM'"),
    ],
)
def test_a_common_mistake_is_said_in_plain_words_where_it_is(
    sql: str, place: tuple[int, int], message: str
) -> None:
    """Trailing or doubled commas (which the parser skipped: `SELECT a, FROM t` was accepted
    and Flink refused it), unclosed and unmatched parentheses, a keyword as a column name, a
    missing comma: the message says what is wrong, not the parser's internals."""
    diag = only(sql)
    assert (diag.code, where(diag)) == ("S001", place)
    assert diag.message.startswith(f"SQL syntax error: {message}")
    assert "<class" not in diag.message and "Token" not in diag.message


def test_an_unterminated_string_is_a_syntax_error_without_a_position() -> None:
    diag = only("SELECT 'x")
    assert (diag.code, where(diag), diag.hint) == ("S001", (0, 0), SYNTAX_HINT)
    assert diag.message.startswith("SQL syntax error: a string ('...'), a quoted name")


@pytest.mark.parametrize(
    ("sql", "place", "message"),
    [
        (
            "SELECT a FROM t\nWHERE a = 1e999999999",
            (2, 11),
            "numeric literal 1e999999999 is out of DOUBLE's range",
        ),
        (
            "SELECT a FROM t WHERE a = " + "1234567890" * 4 + "12",
            (1, 27),
            "numeric literal 12345678901234567890... has 42 digits (Flink takes at most 19)",
        ),
        (
            "SELECT a FROM t WHERE a = 9223372036854775809",
            (1, 27),
            "integer literal 9223372036854775809 is out of BIGINT's range",
        ),
    ],
)
def test_a_number_out_of_flinks_range_is_placed_at_its_first_digit(
    sql: str, place: tuple[int, int], message: str
) -> None:
    diag = only(sql)
    assert (diag.code, where(diag), diag.message, diag.hint) == (
        "S061",
        place,
        message,
        NUMBER_HINT,
    )


def test_nesting_past_the_limit_is_placed_at_the_first_parenthesis_too_many() -> None:
    head = "SELECT a FROM t WHERE a IN ("  # 28 characters: its "(" is the first level
    diag = only(head + "(" * 300 + "1" + ")" * 301)
    assert diag.code == "S060"
    assert where(diag) == (1, 28 + 100)  # the 101st opening parenthesis
    assert diag.message == "SQL nests deeper than 100 parentheses"
    assert diag.hint == (
        "flatten the query: at most 100 nested parentheses, and IN (...) instead of thousands "
        "of nested expressions"
    )


@pytest.mark.parametrize(
    ("sql", "got"),
    [
        ("INSERT INTO x SELECT a FROM t", "INSERT"),
        ("SELECT 1 FROM t; SELECT 2 FROM t", "several statements"),
    ],
)
def test_anything_but_one_query_is_refused_naming_what_it_is(sql: str, got: str) -> None:
    diag = only(sql)
    assert diag.code == "S007"
    assert diag.message == f"a model's SQL must be one query (SELECT ...), got {got}"
    assert diag.hint == "write only the SELECT; streamt generates CREATE TABLE and INSERT INTO"


def test_a_word_the_generator_would_write_verbatim_is_checked_and_placed() -> None:
    diag = only("SELECT TIMESTAMPADD(FOO, 1, a) FROM t")
    assert diag.code == "C050"
    assert where(diag) == (1, 21)  # FOO
    assert diag.message == "the unit of TIMESTAMPADD must be a time unit, got FOO"
    assert diag.hint == (
        "write one of DAY, HOUR, MICROSECOND, MILLISECOND, MINUTE, MONTH, NANOSECOND, QUARTER, "
        "SECOND, WEEK, YEAR (unquoted)"
    )


def test_a_table_hint_is_refused_at_its_table_with_the_way_out() -> None:
    diag = only("SELECT a FROM t /*+ OPTIONS('k'='v') */")
    assert diag.code == "C051"
    assert where(diag) == (1, 15)  # the table it is attached to
    assert diag.message == "a table hint (/*+ ... */ after a table name) would not reach Flink"
    assert diag.hint == "set connector options in the YAML; only query hints after SELECT are kept"


TABLE_HINT = "a table hint (/*+ ... */ after a table name) would not reach Flink"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT /*+ STATE_TTL('t'='1d') */ a FROM t",  # a query hint: kept
        "SELECT a FROM t -- /*+ OPTIONS('k'='v') */\nWHERE a > 1",  # in a line comment
        "SELECT a FROM t -- note /*+ x */",
        "SELECT CAST(a AS INT) AS `y`, TRY_CAST(s AS INT) AS `z` FROM t",  # quoted aliases
        "SELECT COALESCE(CAST(a AS INT), (1)) AS `z` FROM t",
        "SELECT CAST((a) AS INT) AS `y` FROM t",
    ],
)
def test_comments_and_quoted_aliases_that_flink_reads_as_written_are_accepted(sql: str) -> None:
    assert analyze_query(sql, {"t": T}).diagnostics == ()


@pytest.mark.parametrize(
    ("sql", "place"),
    [
        #          1         2         3         4         5
        # 1234567890123456789012345678901234567890123456789012345678
        ("SELECT a FROM t /* note */ /*+ OPTIONS('k'='v') */ WHERE a > 1", (1, 52)),
        ("SELECT a FROM t\n  /*+ OPTIONS('k'='v') */ AS o", (2, 27)),
        ("SELECT a FROM t /*+ OPTIONS('k'='v') */", (1, 15)),  # the last token: the table
        ("SELECT a FROM t /* x *//*+ OPTIONS('k'='v') */", (1, 15)),  # right after a comment
    ],
)
def test_a_table_hint_anywhere_after_a_table_is_refused(sql: str, place: tuple[int, int]) -> None:
    diag = only(sql)
    assert (diag.code, diag.message, where(diag)) == ("C051", TABLE_HINT, place)


@pytest.mark.parametrize(
    ("sql", "name", "place"),
    [
        ("SELECT CAST(a AS `DOUBLE`) AS y FROM t", "DOUBLE", (1, 18)),
        ("SELECT CAST(CAST(a AS INT) AS `x`) AS y FROM t", "x", (1, 31)),
        ("SELECT TRY_CAST(a AS `INT`) AS y FROM t", "INT", (1, 22)),
    ],
)
def test_a_quoted_name_as_a_cast_type_is_refused_at_its_opening_quote(
    sql: str, name: str, place: tuple[int, int]
) -> None:
    """sqlglot would read `DOUBLE) AS y` as a type and drop what does not fit."""
    diag = only(sql)
    assert diag.code == "C051"
    assert diag.message == f"a type cannot be a quoted name (`{name}`)"
    assert where(diag) == place
    assert diag.hint == "write the Flink type unquoted, e.g. CAST(x AS DECIMAL(10, 2))"


UNIT_HINT = (
    "write one of DAY, HOUR, MICROSECOND, MILLISECOND, MINUTE, MONTH, NANOSECOND, QUARTER, "
    "SECOND, WEEK, YEAR (unquoted)"
)


@pytest.mark.parametrize(
    ("sql", "message", "hint"),
    [
        (
            "SELECT /*+ FOO('x') */ a FROM t",
            "query hint \"FOO('x')\" is not a Flink query hint streamt passes on",
            "known hints: BROADCAST, LOOKUP, NEST_LOOP, SHUFFLE_HASH, SHUFFLE_MERGE, STATE_TTL",
        ),
        (
            "SELECT TIMESTAMPADD('HOUR', 1, a) AS x FROM t",
            "the unit of TIMESTAMPADD must be a time unit, got 'HOUR'",
            UNIT_HINT,
        ),
        (
            "SELECT TIMESTAMPDIFF(FORTNIGHT, a, a) AS x FROM t",
            "the unit of TIMESTAMPDIFF must be a time unit, got FORTNIGHT",
            UNIT_HINT,
        ),
        (
            "SELECT CAST(s AS FOO) AS x FROM t",
            "'FOO' is not a Flink data type",
            "use a Flink type, e.g. STRING, BIGINT, DECIMAL(10, 2), TIMESTAMP(3)",
        ),
        (
            "SELECT * FROM t MATCH_RECOGNIZE (ORDER BY a MEASURES A.s AS x ALL ROWS PER MATCH "
            "PATTERN (A) DEFINE A AS A.a > 1) AS mr",
            "MATCH_RECOGNIZE clause 'ALL ROWS PER MATCH' is not one Flink supports",
            "ONE ROW PER MATCH; AFTER MATCH SKIP PAST LAST ROW / TO NEXT ROW / TO FIRST v / TO "
            "LAST v; PATTERN of variables with quantifiers * + ? {n} {n,} {n,m} {,m}",
        ),
    ],
)
def test_words_written_verbatim_are_checked_against_what_flink_knows(
    sql: str, message: str, hint: str
) -> None:
    diag = only(sql)
    assert (diag.code, diag.message, diag.hint) == ("C050", message, hint)


def test_the_match_recognize_clauses_flink_supports_pass_the_check() -> None:
    sql = (
        "SELECT * FROM t MATCH_RECOGNIZE (ORDER BY a MEASURES A.s AS x ONE ROW PER MATCH "
        "AFTER MATCH SKIP TO NEXT ROW PATTERN (A B{1,3}) DEFINE A AS A.a > 1) AS mr"
    )
    assert [d.code for d in analyze_query(sql, {"t": T}).diagnostics if d.code == "C050"] == []


DATETIME_HINT = (
    "write one of CENTURY, DAY, DECADE, DOW, DOY, EPOCH, HOUR, ISODOW, ISOYEAR, MICROSECOND, "
    "MILLENNIUM, MILLISECOND, MINUTE, MONTH, NANOSECOND, QUARTER, SECOND, WEEK, YEAR"
)
TS = TableSchema("e", (Column("ts", parse_type("TIMESTAMP(3)")),))


@pytest.mark.parametrize(
    ("sql", "fn"),
    [
        ("SELECT EXTRACT(FORTNIGHT FROM ts) AS x FROM e", "EXTRACT"),
        ("SELECT FLOOR(ts TO FORTNIGHT) AS x FROM e", "FLOOR"),
        ("SELECT CEIL(ts TO FORTNIGHT) AS x FROM e", "CEIL"),
    ],
)
def test_a_time_unit_flink_does_not_know_is_refused_before_deploy(sql: str, fn: str) -> None:
    """The Flink 2.2 planner refuses these queries; streamt wrote the word verbatim."""
    (diag,) = analyze_query(sql, {"e": TS}).diagnostics
    assert (diag.code, diag.message, diag.hint) == (
        "C050",
        f"the unit of {fn} must be a time unit, got FORTNIGHT",
        DATETIME_HINT,
    )
    assert diag.location.line == 1


@pytest.mark.parametrize("unit", ["MILLENNIUM", "ISODOW", "EPOCH", "DOY", "QUARTER", "day"])
def test_every_time_unit_flink_knows_passes(unit: str) -> None:
    for sql in (
        f"SELECT EXTRACT({unit} FROM ts) AS x FROM e",
        f"SELECT FLOOR(ts TO {unit}) AS x, CEIL(ts TO {unit}) AS y FROM e",
    ):
        assert analyze_query(sql, {"e": TS}).diagnostics == ()


def test_nesting_the_parser_cannot_follow_is_s060_without_a_made_up_position() -> None:
    diag = only("SELECT a FROM t WHERE " + "NOT " * 3000 + "a > 1")
    assert (diag.code, diag.message, where(diag)) == (
        "S060",
        "SQL is nested too deeply to parse",
        (0, 0),
    )
    assert diag.hint.startswith("flatten the query: at most 100 nested parentheses")


@pytest.mark.parametrize(
    ("sql", "place"),
    [
        #  1234567890123456
        ("FROM t", (1, 1)),  # sqlglot reads it as SELECT * FROM t; Flink refuses it
        ("SELECT * FROM (FROM t)", (1, 16)),
        ("WITH x AS (\n  FROM t) SELECT * FROM x", (2, 3)),
    ],
)
def test_a_query_without_select_is_a_syntax_error_at_its_from(
    sql: str, place: tuple[int, int]
) -> None:
    diag = only(sql)
    assert diag.code == "S001" and where(diag) == place
    assert "starts with SELECT (or WITH / VALUES) in Flink SQL, not FROM" in diag.message


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT TRIM(FROM s) AS x FROM t",
        "SELECT TRIM(BOTH 'x' FROM s) AS x FROM t",
        "SELECT a FROM t WHERE a IS DISTINCT FROM 1",
    ],
)
def test_from_inside_an_expression_is_not_a_query_without_select(sql: str) -> None:
    assert analyze_query(sql, {"t": T}).ok
