"""Built-in function typing (the table in streamt.sql.functions) and unknown functions (S030).

The whole table is checked against Flink's planner in
tests/integration/test_builtin_types_flink.py; these tests pin the analyser's behaviour offline.
"""

from __future__ import annotations

import pytest

from streamt.sql import Column, TableSchema, analyze_query, parse_type

T = TableSchema(
    "t",
    tuple(
        Column(n, parse_type(ty))
        for n, ty in (
            ("s", "STRING"),
            ("ns", "STRING NOT NULL"),
            ("d", "DOUBLE"),
            ("dc", "DECIMAL(10, 2)"),
            ("arr", "ARRAY<STRING>"),
            ("ia", "ARRAY<INT>"),
            ("m", "MAP<STRING, INT>"),
        )
    ),
)


def _type(expr: str, **kwargs: object) -> str:
    result = analyze_query(f"SELECT {expr} AS v FROM t", {"t": T}, **kwargs)  # type: ignore[arg-type]
    assert result.ok, [d.render() for d in result.diagnostics]
    return result.columns[0].type.sql()


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("ARRAY_DISTINCT(arr)", "ARRAY<STRING>"),
        ("ARRAY_POSITION(arr, 'a')", "INT"),
        ("MAP_KEYS(m)", "ARRAY<STRING>"),
        ("MAP_VALUES(m)", "ARRAY<INT>"),
        ("MAP_ENTRIES(m)", "ARRAY<ROW<`key` STRING, `value` INT>>"),
        ("MAP_FROM_ARRAYS(arr, ia)", "MAP<STRING, INT>"),
        ("JSON_EXISTS(s, '$.a')", "BOOLEAN"),
        ("JSON_QUOTE(s)", "STRING"),
        ("LOG(2, d)", "DOUBLE"),
        ("SINH(d)", "DOUBLE"),
        ("DEGREES(dc)", "DOUBLE"),
        ("ROUND(dc)", "DECIMAL(9, 0)"),
        ("TRUNCATE(dc, 1)", "DECIMAL(10, 1)"),
        ("CEIL(dc)", "DECIMAL(10, 0)"),
        ("JSON_OBJECT(KEY 'k' VALUE s)", "STRING NOT NULL"),
        ("JSON_VALUE(s, '$.a' RETURNING INT DEFAULT 0 ON EMPTY)", "INT"),
        ("JSON_VALUE(s, '$.a' RETURNING DECIMAL(10, 2))", "DECIMAL(10, 2)"),
        ("SHA2(ns, 256)", "VARCHAR(128) NOT NULL"),
        ("UPPER(ns)", "STRING NOT NULL"),
        ("REVERSE(ns)", "STRING"),
    ],
)
def test_builtin_return_types(expr: str, expected: str) -> None:
    assert _type(expr) == expected


@pytest.mark.parametrize(
    ("written", "flink"),
    [
        ("POSITION('a' IN s)", "POSITION('a' IN `s`)"),
        ("INSTR(s, 'a')", "INSTR(`s`, 'a')"),
        (
            "JSON_OBJECT('k' VALUE s ABSENT ON NULL)",
            "JSON_OBJECT(KEY 'k' VALUE `s` ABSENT ON NULL)",
        ),
        ("STARTSWITH(s, 'a')", "STARTSWITH(`s`, 'a')"),
        ("TRUNCATE(d, 1)", "TRUNCATE(`d`, 1)"),
        ("ARRAY_JOIN(arr, ',')", "ARRAY_JOIN(`arr`, ',')"),
        ("SHA1(s)", "SHA1(`s`)"),
        ("LPAD(s, 3, 'x')", "LPAD(`s`, 3, 'x')"),
        (
            "JSON_VALUE(s, '$.a' RETURNING DECIMAL(10, 2) DEFAULT -1 ON EMPTY NULL ON ERROR)",
            "JSON_VALUE(`s`, '$.a' RETURNING DECIMAL(10, 2) DEFAULT -1 ON EMPTY NULL ON ERROR)",
        ),
        ("JSON_EXISTS(s, '$.a' TRUE ON ERROR)", "JSON_EXISTS(`s`, '$.a' TRUE ON ERROR)"),
        (
            "JSON_QUERY(s, '$' WITH CONDITIONAL ARRAY WRAPPER)",
            "JSON_QUERY(`s`, '$' WITH CONDITIONAL ARRAY WRAPPER)",
        ),
        ("JSON_ARRAY(s, NULL ABSENT ON NULL)", "JSON_ARRAY(`s`, NULL ABSENT ON NULL)"),
    ],
)
def test_functions_keep_their_flink_spelling(written: str, flink: str) -> None:
    """sqlglot would write STR_POSITION, `'k': v`, STARTS_WITH, TRUNC, ARRAY_TO_STRING, SHA."""
    result = analyze_query(f"SELECT {written} AS v FROM t", {"t": T})
    assert result.canonical == f"SELECT {flink} AS `v` FROM `t`"


def test_an_unknown_function_is_an_error_with_a_did_you_mean() -> None:
    result = analyze_query("SELECT s,\n  ARRAY_DISTNCT(arr) AS v FROM t", {"t": T})
    (diag,) = result.diagnostics
    assert diag.code == "S030" and diag.is_error
    assert "unknown function ARRAY_DISTNCT" in diag.message
    assert diag.hint.startswith("did you mean ARRAY_DISTINCT?")
    assert diag.location.line == 2


@pytest.mark.parametrize(
    "call",
    ["NTH_VALUE(s, 2) OVER (ORDER BY s)", "DATE_ADD(s, 1)", "ARRAY_SIZE(arr)", "TO_CHAR(d)"],
)
def test_functions_flink_lacks_are_unknown(call: str) -> None:
    result = analyze_query(f"SELECT {call} AS v FROM t", {"t": T})
    # (an OVER ordered by a non-time column is also S048: a rule of its own)
    assert [d.code for d in result.diagnostics if d.code != "S048"] == ["S030"]


def test_an_unknown_function_in_where_is_reported_too() -> None:
    result = analyze_query("SELECT s FROM t WHERE my_check(s)", {"t": T})
    assert [d.code for d in result.diagnostics] == ["S030"]


def test_a_declared_function_is_typed_by_its_declaration() -> None:
    declared = {"MY_SCORE": parse_type("DECIMAL(5, 1)")}
    assert _type("my_score(s, d)", functions=declared) == "DECIMAL(5, 1)"
    result = analyze_query(
        "SELECT MY_SCORE(s) AS v FROM t WHERE my_score(s) > 1", {"t": T}, functions=declared
    )
    assert result.ok and result.canonical.startswith("SELECT MY_SCORE(`s`)")


@pytest.mark.parametrize(
    "call",
    [
        "JSON_VALUE(s, '$.a' RETURNING INT DEFAULT (SELECT 1) ON EMPTY)",  # not a literal
        "JSON_VALUE(s, '$.a' DEFAULT d ON EMPTY)",  # a column: Flink allows it, streamt not yet
    ],
)
def test_a_json_clause_with_more_than_keywords_types_and_literals_stays_a_syntax_error(
    call: str,
) -> None:
    result = analyze_query(f"SELECT {call} AS v FROM t", {"t": T})
    assert [d.code for d in result.diagnostics] == ["S001"]


@pytest.mark.parametrize(
    "query",
    [
        # the clause marker would write its string back unquoted: an injection if users could
        "SELECT JSON_ARRAY(s, __STREAMT_JSON_CLAUSE('NULL ON NULL) AS x FROM t --')) AS v FROM t",
        "SELECT __STREAMT_TABLE_ARG(s) AS v FROM t",
        "SELECT __streamt_fn_upper(s) AS v FROM t",
    ],
)
def test_names_with_the_reserved_prefix_are_refused(query: str) -> None:
    result = analyze_query(query, {"t": T})
    assert [d.code for d in result.diagnostics] == ["C051"]
    assert "reserves" in result.diagnostics[0].message
