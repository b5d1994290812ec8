"""Property: no generated or mutated input makes streamt raise anything but its own problem
types, and each example finishes within a bound. Generators: SQL built as sqlglot trees and
generated with the Flink dialect, then mutated byte-wise; Flink column types from a grammar,
then mutated; Avro / JSON Schema documents; YAML text with anchors, aliases, tags, flow and
block nesting. Derandomized (the same examples on every run) and sized for ~20 s in CI."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from streamt.compile.schemas import SchemaProblem, avro_columns, json_schema_columns
from streamt.context import Context
from streamt.diagnostics import Diagnostic
from streamt.sql.dialect import generate
from streamt.sql.schema import Column, TableSchema
from streamt.sql.types import INT, STRING, TIMESTAMP3, TypeSyntaxError, parse_type
from tests.unit.fuzz_properties import analysed, room_diagnostics

FUZZ = settings(
    derandomize=True,
    deadline=timedelta(seconds=5),  # per example: far above the ~10 ms they take
    suppress_health_check=list(HealthCheck),
    database=None,
)
INPUTS = {
    "t": TableSchema(
        "t",
        (Column("a", STRING), Column("x", INT), Column("ts", TIMESTAMP3, rowtime=True)),
    )
}


def diagnostics_only(diags: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
    room_diagnostics(diags)


# ---------------------------------------------------------------- SQL from trees, mutated

columns = st.sampled_from(["a", "x", "ts", "nope"]).map(exp.column)
literals = st.one_of(
    st.integers(-(10**40), 10**40).map(lambda i: exp.Literal.number(i)),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: exp.Literal.number(f)),
    st.text(max_size=6).map(exp.Literal.string),
    st.sampled_from([exp.null(), exp.true(), exp.false()]),
)
BINARY = [exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.EQ, exp.GT, exp.LTE, exp.And, exp.Or]
BINARY += [exp.DPipe, exp.NEQ]
FUNCS = ["UPPER", "COALESCE", "CHAR_LENGTH", "ABS", "SUM", "COUNT", "MAX", "CONCAT", "FLOOR"]
TYPES = ["INT", "BIGINT", "STRING", "DOUBLE", "DECIMAL(10, 2)", "TIMESTAMP(3)", "BOOLEAN"]


def _extend(inner: st.SearchStrategy[exp.Expr]) -> st.SearchStrategy[exp.Expr]:
    return st.one_of(
        st.builds(lambda op, a, b: op(this=a, expression=b), st.sampled_from(BINARY), inner, inner),
        st.builds(
            lambda f, args: exp.Anonymous(this=f, expressions=args),
            st.sampled_from(FUNCS),
            st.lists(inner, min_size=1, max_size=3),
        ),
        st.builds(lambda e, t: exp.cast(e, t, dialect="flink"), inner, st.sampled_from(TYPES)),
        st.builds(exp.paren, inner),
        st.builds(exp.not_, inner),
        st.builds(lambda c, v, d: exp.case().when(c, v).else_(d), inner, inner, inner),
        st.builds(
            lambda e, items: e.isin(*items), inner, st.lists(literals, min_size=1, max_size=4)
        ),
    )


expressions = st.recursive(st.one_of(columns, literals), _extend, max_leaves=12)


@st.composite
def queries(draw: st.DrawFn) -> str:
    projections = draw(st.lists(expressions, min_size=1, max_size=4))
    select = exp.select(*[e.as_(f"c{i}") for i, e in enumerate(projections)])
    inner = draw(st.booleans())
    source: exp.Expr = exp.to_table("t")
    if inner:
        source = exp.select("*").from_("t").subquery("q")
    select = select.from_(source)
    if draw(st.booleans()):
        select = select.where(draw(expressions))
    if draw(st.booleans()):
        select = select.group_by(*draw(st.lists(expressions, min_size=1, max_size=2)))
    if draw(st.booleans()):
        select = select.union(exp.select("a").from_("t"), distinct=False)
    return generate(select)


sql_edits = st.lists(
    st.tuples(
        st.integers(0, 400),
        st.integers(0, 6),
        st.sampled_from(["(", ")", "'", "`", ",", " SELECT ", " FROM ", "<", "9" * 50, "*", ""]),
    ),
    max_size=4,
)


@settings(FUZZ, max_examples=300)
@given(queries(), sql_edits)
def test_generated_and_mutated_sql_only_produces_diagnostics(sql: str, edits) -> None:
    for pos, cut, insert in edits:
        pos = min(pos, len(sql))
        sql = sql[:pos] + insert + sql[pos + cut :]
    analysed(sql, INPUTS)


# ---------------------------------------------------------------- column types


def _nested(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inner.map(lambda t: f"ARRAY<{t}>"),
        st.tuples(inner, inner).map(lambda kv: f"MAP<{kv[0]}, {kv[1]}>"),
        st.lists(inner, min_size=1, max_size=3).map(
            lambda ts: "ROW<" + ", ".join(f"`f{i}` {t}" for i, t in enumerate(ts)) + ">"
        ),
        inner.map(lambda t: f"{t} NOT NULL"),
    )


flink_types = st.recursive(
    st.one_of(
        st.sampled_from([*TYPES, "VARCHAR(10)", "TIMESTAMP_LTZ(3)", "BYTES", "DATE"]),
        st.integers(-5, 10**12).map(lambda n: f"DECIMAL({n}, 2)"),
    ),
    _nested,
    max_leaves=8,
)


@settings(FUZZ, max_examples=300)
@given(
    flink_types,
    st.lists(
        st.tuples(
            st.integers(0, 80),
            st.integers(0, 4),
            st.sampled_from(["<", ">", "(", ")", "'", "`", ",", "ARRAY<", "9" * 30, " ", ""]),
        ),
        max_size=3,
    ),
)
def test_generated_and_mutated_types_parse_or_raise_type_syntax_error(text: str, edits) -> None:
    for pos, cut, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + cut :]
    try:
        parsed = parse_type(text)
    except TypeSyntaxError:
        return
    assert parse_type(parsed.sql()) == parsed  # what parses round-trips


# ---------------------------------------------------------------- Avro / JSON Schema

SCHEMA_KEYS = ["type", "name", "fields", "items", "values", "logicalType", "precision", "scale"]
SCHEMA_KEYS += ["properties", "format", "symbols"]
schema_scalars = st.one_of(
    st.sampled_from(["record", "array", "map", "string", "int", "long", "bytes", "decimal"]),
    st.sampled_from(["object", "integer", "date-time", "timestamp-millis", "null"]),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
schema_docs = st.recursive(
    schema_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(SCHEMA_KEYS) | st.text(max_size=4), inner, max_size=5),
    ),
    max_leaves=30,
)


@settings(FUZZ, max_examples=300)
@given(schema_docs, st.integers(0, 3))
def test_generated_schemas_give_columns_or_a_schema_problem(doc: object, wrap: int) -> None:
    for _ in range(wrap):  # nested records / objects around what was drawn
        doc = {"type": "record", "name": "r", "fields": [{"name": "f", "type": doc}]}
    top = {"type": "record", "name": "top", "fields": [{"name": "x", "type": doc}]}
    for derive, value in ((avro_columns, top), (json_schema_columns, {"properties": {"x": doc}})):
        try:
            cols = derive(json.dumps(value))
        except SchemaProblem:
            continue
        assert all(c.type.sql() for c in cols)


# ---------------------------------------------------------------- YAML structure

YAML_PIECES = [
    "project: {name: p}\n",
    "models:\n",
    "sources:\n",
    "  - name: m\n",
    "    sql: SELECT 1\n",
    "  - &a {name: s, topic: t}\n",
    "  - *a\n",
    "  - !!python/object {}\n",
    "<<: *a\n",
    "    columns: [{name: a, type: STRING}]\n",
    "{",
    "}",
    "[",
    "]",
    ": ",
    "- ",
    "? ",
    "|\n",
    "&x ",
    "*x ",
    "!!str ",
    "!!int ",
    "'",
    '"',
    "\t",
    "\n",
    "   ",
    "rules: {}\n",
    "---\n",
    "tests:\n",
    "  - {name: t, model: m, type: schema, assertions: [{not_null: {}}]}\n",
    "9" * 5000,
    "key: value\nkey: other\n",
]


@settings(FUZZ, max_examples=150)
@given(st.lists(st.sampled_from(YAML_PIECES), min_size=1, max_size=20))
def test_generated_yaml_structure_only_produces_diagnostics(pieces: list[str]) -> None:
    root = Path(tempfile.mkdtemp(prefix="streamt-fuzz-yaml-"))
    try:
        (root / "stream_project.yml").write_text("".join(pieces), encoding="utf-8")
        report = Context(root, environ={}).validate(strict=True)
        diagnostics_only(report.diagnostics)
    finally:
        shutil.rmtree(root, ignore_errors=True)
