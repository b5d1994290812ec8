"""S031: a built-in called with a number of arguments its documented signature does not allow,
counted as written, located at the function's name, with the signature as the hint. Whether the
table itself is right is the planner's call (test_arity_vs_flink.py); here: the diagnostic, the
counting (own syntax, clauses, markers, dropped arguments) and the signature notation."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.diagnostics import Diagnostic
from streamt.sql import Column, TableSchema, analyze_query, parse_type
from streamt.sql.arity import expected
from streamt.sql.functions import AGGREGATES, MATCH_RECOGNIZE, RANKING, SCALARS, _fn
from streamt.sql.types import STRING
from tests.unit.compile.helpers import compile_dir

T = TableSchema(
    "t",
    tuple(
        Column(name, parse_type(type_), rowtime=name == "ts")
        for name, type_ in (
            ("s", "STRING"), ("i", "INT"), ("d", "DOUBLE"), ("ts", "TIMESTAMP(3)"),
            ("arr", "ARRAY<STRING>"), ("m", "MAP<STRING, INT>"),
        )
    ),
)  # fmt: skip


def _s031(sql: str, **kwargs: object) -> list[Diagnostic]:
    analysis = analyze_query(sql, {"t": T}, **kwargs)  # type: ignore[arg-type]
    return [d for d in analysis.diagnostics if d.code == "S031"]


def test_a_missing_argument_is_located_at_the_name_with_the_signature_as_hint() -> None:
    [d] = _s031("SELECT s,\n       SHA2(s) AS h\nFROM t")
    assert d.is_error
    assert (d.location.line, d.location.column) == (2, 8)
    assert d.message == "SHA2 takes 2 arguments, given 1"
    assert d.hint == "SHA2(string, hashLength)"


@pytest.mark.parametrize(
    ("call", "message", "hint"),
    [
        # the parser refuses these itself: said as S031, not as a syntax error
        ("UPPER(s, s)", "UPPER takes 1 argument, given 2", "UPPER(string)"),
        ("ROUND()", "ROUND takes 1 or 2 arguments, given 0", "ROUND(numeric[, integer])"),
        # the parser accepts these (verbatim or defaulted calls)
        ("DATE_FORMAT(ts)", "DATE_FORMAT takes 2 arguments, given 1", "DATE_FORMAT(timestamp, format)"),
        ("NOW(1)", "NOW takes no arguments, given 1", "NOW()"),
        ("SUBSTRING(s)", "SUBSTRING takes 2 or 3 arguments, given 1", "SUBSTRING(string, start[, length])"),
        ("CONCAT()", "CONCAT takes at least 1 argument, given 0", "CONCAT(string1, ...)"),
        ("LOG(d, d, d)", "LOG takes 1 or 2 arguments, given 3", "LOG(numeric) or LOG(base, numeric)"),
        ("STR_TO_MAP(s, ',')", "STR_TO_MAP takes 1 or 3 arguments, given 2",
         "STR_TO_MAP(string[, pairDelimiter, keyValueDelimiter])"),
        # the parser keeps two of three arguments (the job would silently lose one)
        ("ARRAY_APPEND(arr, s, s)", "ARRAY_APPEND takes 2 arguments, given 3", "ARRAY_APPEND(array, element)"),
        ("`LEFT`(s)", "LEFT takes 2 arguments, given 1", "LEFT(string, length)"),
    ],
)  # fmt: skip
def test_wrong_counts_get_s031(call: str, message: str, hint: str) -> None:
    [d] = _s031(f"SELECT {call} AS x FROM t")
    assert (d.message, d.hint, d.location.line, d.location.column) == (message, hint, 1, 8)


def test_each_wrong_call_is_reported_with_the_other_diagnostics() -> None:
    analysis = analyze_query(
        "SELECT SHA2(s) AS a, nope(s) AS b, UPPER(DATE_FORMAT(ts)) AS c FROM t", {"t": T}
    )
    assert sorted(d.code for d in analysis.diagnostics) == ["S030", "S031", "S031"]
    found = [(d.message, d.location.column) for d in analysis.diagnostics if d.code == "S031"]
    assert found == [
        ("SHA2 takes 2 arguments, given 1", 8),
        ("DATE_FORMAT takes 2 arguments, given 1", 42),
    ]


def test_counts_the_parser_refuses_are_each_reported_instead_of_a_syntax_error() -> None:
    analysis = analyze_query("SELECT UPPER(LOWER(s, s)) AS a, ABS() AS b FROM t", {"t": T})
    found = [(d.code, d.message, d.location.column) for d in analysis.diagnostics]
    assert found == [
        ("S031", "LOWER takes 1 argument, given 2", 14),
        ("S031", "ABS takes 1 argument, given 0", 33),
    ]


def test_a_syntax_error_with_right_counts_stays_a_syntax_error() -> None:
    analysis = analyze_query("SELECT UPPER(s) AS a,, ABS(i) FROM t", {"t": T})
    assert [d.code for d in analysis.diagnostics] == ["S001"]


@pytest.mark.parametrize(
    "call",
    [
        "SHA2(s, 256)", "ROUND(d)", "ROUND(d, 2)", "LOCATE('a', s, 2)", "CONCAT(s, s, s, s)",
        "TO_TIMESTAMP(s)", "TIMESTAMPDIFF(SECOND, ts, ts)", "TIMESTAMPADD(HOUR, 1, ts)",
        # a function's own syntax: not counted
        "POSITION('a' IN s)", "SUBSTRING(s FROM 2 FOR 1)", "TRIM(BOTH 'x' FROM s)",
        "TRIM(LEADING FROM s)", "OVERLAY(s PLACING 'x' FROM 2)", "CEIL(ts TO HOUR)",
        "FLOOR(ts TO DAY)", "EXTRACT(DAY FROM ts)", "CAST(i AS STRING)",
        "JSON_OBJECT(KEY 'k' VALUE s)", "JSON_OBJECT('k' VALUE s ABSENT ON NULL)",
        # SQL/JSON clauses are not arguments
        "JSON_VALUE(s, '$.a' RETURNING INT DEFAULT 0 ON EMPTY)", "JSON_ARRAY(s NULL ON NULL)",
        "JSON_QUERY(s, '$' WITH CONDITIONAL ARRAY WRAPPER)", "JSON_ARRAY()",
        # commas inside brackets, nested calls and subqueries belong to them
        "CARDINALITY(ARRAY[s, s, s])", "UPPER(CONCAT(s, s))", "ELEMENT(MAP_KEYS(MAP['a', 1]))",
        # an interval's precision is not a call
        "ts + INTERVAL '1.5' SECOND(3)", "ts + INTERVAL '1 2' DAY(2) TO HOUR",
    ],
)  # fmt: skip
def test_accepted_counts_and_own_syntax_are_not_s031(call: str) -> None:
    assert _s031(f"SELECT {call} AS x FROM t") == []


def test_aggregate_and_window_calls_are_counted() -> None:
    group = _s031("SELECT s, LISTAGG(s, ',', ',') AS x FROM t GROUP BY s")
    over = _s031("SELECT LAG(i, 1, 0, 0) OVER (PARTITION BY s ORDER BY ts) AS x FROM t")
    assert [d.message for d in group + over] == [
        "LISTAGG takes 1 or 2 arguments, given 3",
        "LAG takes 1 to 3 arguments, given 4",
    ]


def test_a_declared_function_is_never_checked_against_the_builtins() -> None:
    assert _s031("SELECT SHA2(s) AS h FROM t", functions={"SHA2": STRING}) == []
    assert [d.message for d in _s031("SELECT SHA2(s) AS h FROM t", functions={"X": STRING})] == [
        "SHA2 takes 2 arguments, given 1"
    ]


def test_a_qualified_name_is_not_a_builtin_call() -> None:
    analysis = analyze_query("SELECT cat.db.SHA2(s) AS h FROM t", {"t": T})
    assert "S031" not in [d.code for d in analysis.diagnostics]


@pytest.mark.parametrize(
    ("signature", "counts", "more"),
    [
        ("PI()", {0}, False),
        ("SHA2(string, hashLength)", {2}, False),
        ("LOCATE(string1, string2[, integer])", {2, 3}, False),
        ("LAG(expression[, offset[, default]])", {1, 2, 3}, False),
        ("LEAD(expression [, offset] [, default])", {1, 2, 3}, False),
        ("STR_TO_MAP(string1[, string2, string3])", {1, 3}, False),
        ("LOG(numeric) | LOG(base, numeric)", {1, 2}, False),
        ("CONCAT(string1, ...)", {1}, True),
        ("JSON_ARRAY([value, ...])", {0, 1}, True),
        ("POSITION", set(), False),
    ],
)
def test_signature_notation(signature: str, counts: set[int], more: bool) -> None:
    fn = _fn(signature, lambda args: STRING)
    assert (fn.name, set(fn.counts), fn.more) == (signature.partition("(")[0], counts, more)


@pytest.mark.parametrize(
    ("signature", "words"),
    [
        ("PI()", "no arguments"),
        ("UPPER(string)", "1 argument"),
        ("SHA2(string, hashLength)", "2 arguments"),
        ("ROUND(numeric[, integer])", "1 or 2 arguments"),
        ("STR_TO_MAP(string1[, string2, string3])", "1 or 3 arguments"),
        ("INSTR(string1, string2[, position[, occurrence]])", "2 to 4 arguments"),
        ("CONCAT(string1, ...)", "at least 1 argument"),
        ("ELT(index, expr, ...)", "at least 2 arguments"),
    ],
)
def test_expected_counts_in_words(signature: str, words: str) -> None:
    assert expected(_fn(signature, lambda args: STRING)) == words


# Built-ins whose arguments are not counted: their own syntax (TRIM(s, chars) and POSITION(a, b)
# are written back in it, which Flink accepts), MATCH_RECOGNIZE's functions
# (pattern variables), COUNT (DISTINCT a, b; COUNT(a, b) passes Flink's validation) and SUM0
# (Table API only). Every other built-in has a signature the planner test judges.
NOT_COUNTED = {
    "COUNT", "SUM0", "JSON_OBJECTAGG", "OVERLAY", "POSITION", "EXTRACT", "JSON_OBJECT", "TRIM",
    "PREV", "NEXT", "FIRST", "LAST", "CLASSIFIER", "MATCH_ROWTIME", "MATCH_PROCTIME",
}  # fmt: skip


def test_every_builtin_is_counted_but_the_listed_ones() -> None:
    tables = (AGGREGATES, RANKING, SCALARS, MATCH_RECOGNIZE)
    unchecked = {n for table in tables for n, fn in table.items() if not fn.checked}
    assert unchecked == NOT_COUNTED


def test_a_models_wrong_count_is_located_in_its_file(tmp_path: Path) -> None:
    (tmp_path / "stream_project.yml").write_text(
        "project: {name: p}\n"
        "sources:\n"
        "  - name: cards\n"
        "    topic: cards\n"
        "    columns: [{name: number, type: STRING}]\n"
        "models:\n"
        "  - name: hashed\n"
        "    sql: |\n"
        "      SELECT number,\n"
        "             SHA2(number) AS h\n"
        "      FROM {{ source('cards') }}\n"
    )
    result, diags = compile_dir(tmp_path)
    [d] = [d for d in [*diags, *result.diagnostics] if d.is_error]
    assert (d.code, d.location.file, d.location.line, d.location.column) == (
        "S031",
        "stream_project.yml",
        10,
        14,
    )
    assert d.hint == "SHA2(string, hashLength)"
