"""Analysis details, each checked by hand against Flink's documented rules: common string types
keep their nullability, DECIMAL(p) rounds like DECIMAL(p, 0), outer joins and unfiltered
ROW_NUMBER keep their changelog, a MATCH_RECOGNIZE alias qualifies its columns, a syntax error
is placed in the query text, a statement set lists every INSERT."""

from __future__ import annotations

from streamt.sql import Column, TableSchema, analyze_query, parse_type
from streamt.sql.ddl import statement_set
from tests.unit.sql.test_pattern_diagnostics import INPUTS

CHARS = TableSchema(
    "c",
    (
        Column("a", parse_type("CHAR(3)")),
        Column("b", parse_type("CHAR(3)")),
        Column("n", parse_type("CHAR(3) NOT NULL")),
        Column("d5", parse_type("DECIMAL(5)")),
    ),
)


def _type(expr: str) -> str:
    result = analyze_query(f"SELECT {expr} AS v FROM c", {"c": CHARS})
    assert result.ok, [d.render() for d in result.diagnostics]
    return result.columns[0].type.sql()


def test_the_common_type_of_equal_char_types_keeps_their_nullability() -> None:
    # COALESCE is NULL only when every argument is; CASE when any branch may be
    assert _type("COALESCE(a, b)") == "CHAR(3)"
    assert _type("CASE WHEN a = 'x' THEN a ELSE b END") == "CHAR(3)"
    assert _type("CASE WHEN a = 'x' THEN n ELSE n END") == "CHAR(3) NOT NULL"


def test_rounding_a_decimal_without_scale_keeps_it() -> None:
    # DECIMAL(5) is DECIMAL(5, 0): rounding to 1 or 0 digits cannot widen or narrow it
    assert _type("ROUND(d5, 1)") == "DECIMAL(5)"
    assert _type("ROUND(d5)") == "DECIMAL(5)"


def test_an_outer_join_has_no_upsert_key() -> None:
    result = analyze_query(
        "SELECT o.id, c.name FROM orders o LEFT JOIN cdc c ON o.cid = c.cid", INPUTS
    )
    assert result.ok and result.updating
    assert result.upsert_key is None


def test_an_unfiltered_row_number_over_an_updating_input_stays_updating() -> None:
    result = analyze_query(
        "SELECT cid, ROW_NUMBER() OVER (PARTITION BY cid ORDER BY uts) AS rn FROM cdc", INPUTS
    )
    assert [(c.name, c.type.sql()) for c in result.columns] == [
        ("cid", "STRING"),
        ("rn", "BIGINT NOT NULL"),
    ]
    assert result.updating


def test_the_match_recognize_alias_qualifies_its_output_columns() -> None:
    result = analyze_query(
        "SELECT mr.cid, mr.i FROM orders MATCH_RECOGNIZE (PARTITION BY cid ORDER BY ts "
        "MEASURES A.id AS i PATTERN (A) DEFINE A AS A.amount > 1) AS mr",
        INPUTS,
    )
    assert result.diagnostics == ()
    assert [(c.name, c.type.sql()) for c in result.columns] == [("cid", "STRING"), ("i", "STRING")]


def test_a_syntax_error_is_placed_in_the_query_text_not_in_a_file() -> None:
    result = analyze_query("SELECT id\nFROM orders WHERE", INPUTS)
    (diag,) = result.diagnostics
    assert diag.code == "S001"
    assert diag.location.file == ""  # the caller maps it into the model's file
    assert diag.location.line == 2


def test_a_statement_set_runs_every_insert_in_order() -> None:
    assert statement_set(["INSERT INTO `a` SELECT 1", "INSERT INTO `b` SELECT 2"]) == (
        "EXECUTE STATEMENT SET BEGIN\nINSERT INTO `a` SELECT 1;\nINSERT INTO `b` SELECT 2;\nEND"
    )


def test_a_navigation_measure_without_its_column_is_a_syntax_error() -> None:
    # Flink's PREV / NEXT take the column they navigate to (and an optional offset)
    query = (
        "SELECT * FROM orders MATCH_RECOGNIZE (PARTITION BY cid ORDER BY ts MEASURES "
        "PREV() AS x PATTERN (A) DEFINE A AS A.amount > 1)"
    )
    (diag,) = analyze_query(query, INPUTS).diagnostics
    assert (diag.code, diag.message, diag.hint) == (
        "S001",
        "SQL syntax error: PREV() needs the column it navigates to",
        "write PREV(A.column) or PREV(A.column, n)",
    )
    # placed at the call's parenthesis, like every diagnostic on a function call (S030)
    assert (diag.location.line, diag.location.column) == (
        1,
        query.index("PREV()") + 1,
    )  # at the name
    ok = query.replace("PREV()", "PREV(A.amount)")
    result = analyze_query(ok, INPUTS)
    assert result.diagnostics == ()
    assert [(c.name, c.type.sql()) for c in result.columns] == [("cid", "STRING"), ("x", "DOUBLE")]


def test_having_is_checked_for_unknown_columns() -> None:
    result = analyze_query(
        "SELECT cid, COUNT(*) AS n FROM orders GROUP BY cid HAVING SUM(nope) > 1", INPUTS
    )
    assert [(d.code, d.message) for d in result.diagnostics] == [("S003", "unknown column 'nope'")]


def test_a_column_of_an_outer_query_alias_is_unknown_inside_a_subquery() -> None:
    result = analyze_query(
        "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM cdc c WHERE c.cid = o.missing)",
        INPUTS,
    )
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("S003", "unknown column o.missing")
    ]


def test_a_wide_row_type_is_not_a_deep_one() -> None:
    from streamt.sql.types import MAX_TYPE_DEPTH, TypeSyntaxError

    wide = "ROW<" + ", ".join(f"f{i} INT" for i in range(2 * MAX_TYPE_DEPTH)) + ">"
    assert len(parse_type(wide).children) == 2 * MAX_TYPE_DEPTH
    # MAX_TYPE_DEPTH levels: 31 ARRAYs around the INT
    levels = MAX_TYPE_DEPTH - 1
    nested = "ARRAY<" * levels + "INT" + ">" * levels
    assert parse_type(nested).sql().count("ARRAY<") == levels
    too_deep = "ARRAY<" + nested + ">"
    try:
        parse_type(too_deep)
    except TypeSyntaxError:
        pass
    else:
        raise AssertionError("a type nested past MAX_TYPE_DEPTH was accepted")
