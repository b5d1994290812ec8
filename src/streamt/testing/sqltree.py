"""Tree builders shared by the continuous-test generators: every query part is a sqlglot node.

Identifiers are `exp.Identifier(quoted=True)`, strings `exp.Literal.string`, numbers finite
DOUBLE casts (`lit`), intervals / window TVF calls / JSON rows are built here so both generator
modules build them alike; the only `exp.var` words are constants of this module (interval
qualifier, MAP constructor, time unit). Text comes only from `statement` / `view` / `insert`,
which generate through the Flink dialect (`streamt.sql.generate` / `streamt.sql.ddl`). No I/O.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

from sqlglot import exp

from streamt.sql.ddl import create_view, insert_into
from streamt.sql.dialect import TABLE_ARG, generate
from streamt.sql.generate import datatype_node, rewrite
from streamt.sql.types import SqlType, TypeSyntaxError, parse_type
from streamt.testing.assertions import Assertion

KAFKA_TS = "__kafka_ts"
PROC = "__proc"


def raw(column: str) -> str:
    """The name of a column's text value in the `typed` view."""
    return f"__raw__{column}"


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table(name: str, alias: str | None = None) -> exp.Table:
    node = exp.Table(this=ident(name))
    if alias:
        node.set("alias", exp.TableAlias(this=ident(alias)))
    return node


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def alias(node: exp.Expr, name: str) -> exp.Alias:
    return exp.Alias(this=node, alias=ident(name))


@functools.lru_cache(maxsize=64)
def _type(text: str) -> SqlType:
    return parse_type(text)


def sql_type(text: str) -> exp.DataType:
    """A type node from a parsed Flink type (raises `TypeSyntaxError` for anything else)."""
    return datatype_node(_type(text))


def parsed_type(text: str | None) -> SqlType | None:
    if not text:
        return None
    try:
        return _type(text)
    except TypeSyntaxError:
        return None


def cast(node: exp.Expr, to: str) -> exp.Cast:
    return exp.Cast(this=node, to=sql_type(to))


def try_cast(node: exp.Expr, to: str) -> exp.TryCast:
    return exp.TryCast(this=node, to=sql_type(to))


def is_null(node: exp.Expr) -> exp.Is:
    return exp.Is(this=node, expression=exp.Null())


def not_null(node: exp.Expr) -> exp.Not:
    return exp.Not(this=is_null(node))


def paren(node: exp.Expr) -> exp.Paren:
    return exp.Paren(this=node)


def and_(*nodes: exp.Expr) -> exp.Expr:
    return functools.reduce(lambda a, b: exp.And(this=a, expression=b), nodes)


def or_(*nodes: exp.Expr) -> exp.Expr:
    return functools.reduce(lambda a, b: exp.Or(this=a, expression=b), nodes)


def union_all(queries: Sequence[exp.Query]) -> exp.Query:
    return functools.reduce(lambda a, b: exp.Union(this=a, expression=b, distinct=False), queries)


def lit(value: float) -> exp.Cast:
    """A DOUBLE literal; only finite numbers (repr of inf / nan would be a bare word)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return cast(exp.Literal.number(repr(value)), "DOUBLE")


MAX_INTERVAL_DAYS = 999  # DAY(3) TO SECOND(3): the widest day-time interval the planner takes
MAX_INTERVAL_MS = (MAX_INTERVAL_DAYS + 1) * 86_400_000 - 1


def interval(ms: int) -> exp.Interval:
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    # DAY is DAY(2) unless widened: 100 to 999 days need DAY(3), the widest the planner takes
    # (longer durations are refused by `streamt validate`, T120)
    digits = len(str(days))
    day = "DAY" if digits <= 2 else f"DAY({digits})"
    return exp.Interval(this=string(text), unit=exp.var(f"{day} TO SECOND(3)"))


def now() -> exp.Cast:
    return cast(exp.CurrentTimestamp(), "STRING")


def num(column: str, raw_name: bool = True) -> exp.TryCast:
    return try_cast(col(raw(column) if raw_name else column), "DOUBLE")


def rc(column: str) -> exp.Column:
    """A column's raw text in the `typed` view."""
    return col(raw(column))


def json_object(pairs: Sequence[tuple[str, exp.Expr]], null_on_null: bool) -> exp.JSONObject:
    node = exp.JSONObject(
        expressions=[exp.JSONKeyValue(this=string(k), expression=v) for k, v in pairs]
    )
    if null_on_null:
        node.set("null_handling", "NULL ON NULL")
    return node


def row_json(columns: Sequence[str], table: str | None = None, raw_names: bool = False) -> exp.Expr:
    return json_object([(c, col(raw(c) if raw_names else c, table)) for c in columns], True)


def window_json(extra: Sequence[tuple[str, exp.Expr]]) -> exp.Expr:
    pairs = [
        ("window_start", cast(col("window_start"), "STRING")),
        ("window_end", cast(col("window_end"), "STRING")),
        *extra,
    ]
    return json_object(pairs, False)


def header(where: tuple[str, str, str], a: Assertion, detail: str) -> list[exp.Expr]:
    project, test, target = where
    return [string(project), string(test), string(target), string(a.label), string(detail)]


def violation_select(
    where: tuple[str, str, str],
    a: Assertion,
    detail: str,
    row: exp.Expr,
    source: exp.Expr,
    condition: exp.Expr,
) -> exp.Select:
    """SELECT project, test, target, assertion, detail, row, detected_at FROM source WHERE ..."""
    items = [*header(where, a, detail), row, now()]
    return exp.select(*items).from_(source, copy=False).where(condition, copy=False)


def subquery(query: exp.Query) -> exp.Subquery:
    return exp.Subquery(this=query)


def window(name: str, ms: int, time_column: str = PROC) -> exp.Table:
    """TABLE(TUMBLE(TABLE name, DESCRIPTOR(time_column), interval)) as a FROM item."""
    tumble = exp.Anonymous(
        this="TUMBLE",
        expressions=[
            exp.Anonymous(this=TABLE_ARG, expressions=[col(name)]),
            exp.Anonymous(this="DESCRIPTOR", expressions=[col(time_column)]),
            interval(ms),
        ],
    )
    return exp.Table(this=exp.Anonymous(this="TABLE", expressions=[tumble]))


def windowed(
    name: str, ms: int, aggregates: Sequence[exp.Expr], time_column: str = PROC
) -> exp.Subquery:
    """(SELECT window_start, window_end, aggregates... FROM tumble GROUP BY the window)."""
    bounds = [col("window_start"), col("window_end")]
    query = (
        exp.select(*bounds, *aggregates)
        .from_(window(name, ms, time_column), copy=False)
        .group_by(*[b.copy() for b in bounds], copy=False)
    )
    return subquery(query)


def ratio(numerator: exp.Expr, denominator: exp.Expr) -> exp.Div:
    return exp.Div(this=cast(numerator, "DOUBLE"), expression=cast(denominator, "DOUBLE"))


def key_text(columns: Sequence[str]) -> exp.Expr:
    parts = [exp.Coalesce(this=col(c), expressions=[string("<null>")]) for c in columns]
    return exp.Anonymous(this="CONCAT_WS", expressions=[string("|"), *parts])


def interval_join(
    left: str, ref: str, column: str, ref_column: str, window_ms: int
) -> tuple[exp.Table, exp.Join]:
    """`left AS l LEFT JOIN ref AS r ON l.column = r.ref_column AND r.ts BETWEEN l.ts -/+ w`."""
    span = interval(window_ms)
    on = and_(
        exp.EQ(this=col(column, "l"), expression=col(ref_column, "r")),
        exp.Between(
            this=col(KAFKA_TS, "r"),
            low=exp.Sub(this=col(KAFKA_TS, "l"), expression=span),
            high=exp.Add(this=col(KAFKA_TS, "l"), expression=span.copy()),
        ),
    )
    return table(left, "l"), exp.Join(this=table(ref, "r"), on=on, side="LEFT")


def expression(node: exp.Expr) -> str:
    """Flink SQL text of one expression (used inside DDL: a WATERMARK clause)."""
    return generate(rewrite(node.copy()))


def view(name: str, query: exp.Expr) -> str:
    return create_view(name, rewrite(query.copy()))


def insert(target: str, query: exp.Expr) -> str:
    return insert_into(target, rewrite(query.copy()))
