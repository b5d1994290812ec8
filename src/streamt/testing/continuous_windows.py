"""Windowed continuous assertions as Flink SQL trees: unique_key, foreign_key, distribution,
throughput and freshness (see `streamt.testing.continuous_sql` for the job around them).

Each function returns a sqlglot query (or the text of a DDL / view generated from one); nothing
is concatenated from SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from streamt.load.durations import format_ms
from streamt.sql.ddl import TableDDL, create_table
from streamt.sql.schema import Column
from streamt.sql.types import INT, TIMESTAMP_LTZ3
from streamt.testing.assertions import (
    Assertion,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    Throughput,
    UniqueKey,
)
from streamt.testing.sqltree import (
    KAFKA_TS,
    PROC,
    alias,
    cast,
    col,
    interval_join,
    is_null,
    key_text,
    lit,
    not_null,
    num,
    or_,
    paren,
    ratio,
    row_json,
    subquery,
    table,
    try_cast,
    union_all,
    view,
    violation_select,
    window_json,
    windowed,
)


def heartbeat() -> list[str]:
    """A 1 row/s datagen table and the view `beats` (1 per record, 0 per heartbeat)."""
    options = (("connector", "datagen"), ("rows-per-second", "1"), ("fields.beat.kind", "random"))
    columns = (Column("beat", INT), Column(PROC, TIMESTAMP_LTZ3, proctime=True))
    ddl = create_table(TableDDL("heartbeat", columns, options, temporary=False))
    beats = union_all(
        [
            exp.select(alias(exp.Literal.number(1), "n"), col(PROC)).from_(table("src")),
            exp.select(alias(exp.Literal.number(0), "n"), col(PROC)).from_(table("heartbeat")),
        ]
    )
    return [ddl, view("beats", beats)]


def _count_all() -> exp.Count:
    return exp.Count(this=exp.Star())


def unique_key_select(
    a: Assertion, spec: UniqueKey, cols: Sequence[str], where: tuple[str, str, str]
) -> exp.Select:
    detail = f"duplicate {'/'.join(spec.key)}"
    if spec.window_ms is None:
        seen = exp.Window(
            this=_count_all(),
            partition_by=[col(c) for c in spec.key],
            order=exp.Order(expressions=[exp.Ordered(this=col(PROC), nulls_first=True)]),
            spec=exp.WindowSpec(
                kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"
            ),
        )
        counted = exp.select(exp.Star(), alias(seen, "__seen")).from_(table("src"))
        return violation_select(
            where,
            a,
            detail,
            row_json(cols),
            subquery(counted),
            exp.GT(this=col("__seen"), expression=exp.Literal.number(1)),
        )
    total, uniq = col("total"), col("uniq")
    inner = windowed(
        "src",
        spec.window_ms,
        [
            alias(_count_all(), "total"),
            alias(exp.Count(this=exp.Distinct(expressions=[key_text(spec.key)])), "uniq"),
        ],
    )
    duplicates = exp.Sub(this=total.copy(), expression=uniq.copy())
    row = window_json(
        [("records", cast(total.copy(), "STRING")), ("duplicates", cast(duplicates, "STRING"))]
    )
    rate = ratio(duplicates.copy(), total.copy())
    return violation_select(
        where,
        a,
        detail + f" rate above {spec.tolerance:.2%} per {format_ms(spec.window_ms)}",
        row,
        inner,
        exp.GT(this=rate, expression=lit(spec.tolerance)),
    )


def foreign_key_select(
    a: Assertion, spec: ForeignKey, cols: Sequence[str], where: tuple[str, str, str]
) -> exp.Select:
    if spec.match_rate >= 1.0:
        left, join = interval_join(
            "src", f"ref_{spec.ref}", spec.column, spec.ref_column, spec.window_ms
        )
        detail = f"{spec.column} has no match in {spec.ref}.{spec.ref_column} within {format_ms(spec.window_ms)}"
        cond = exp.And(
            this=is_null(col(spec.ref_column, "r")), expression=not_null(col(spec.column, "l"))
        )
        query = violation_select(where, a, detail, row_json(cols, "l"), left, cond)
        return query.join(join, copy=False)
    inner = windowed(
        f"fk_{a.index}",
        spec.window_ms,
        [alias(_count_all(), "total"), alias(exp.Sum(this=col("m")), "hits")],
        KAFKA_TS,
    )
    rate = ratio(col("hits"), col("total"))
    row = window_json(
        [("records", cast(col("total"), "STRING")), ("matched", cast(col("hits"), "STRING"))]
    )
    detail = (
        f"match rate of {spec.column} in {spec.ref}.{spec.ref_column} below {spec.match_rate:.2%}"
    )
    return violation_select(
        where, a, detail, row, inner, exp.LT(this=rate, expression=lit(spec.match_rate))
    )


def match_view(a: Assertion, spec: ForeignKey) -> str:
    """The left interval join as a view (window TVFs take a table name, not a subquery)."""
    left, join = interval_join(
        "src", f"ref_{spec.ref}", spec.column, spec.ref_column, spec.window_ms
    )
    matched = exp.Case(
        ifs=[exp.If(this=is_null(col(spec.ref_column, "r")), true=exp.Literal.number(0))],
        default=exp.Literal.number(1),
    )
    query = (
        exp.select(alias(col(KAFKA_TS, "l"), KAFKA_TS), alias(matched, "m"))
        .from_(left, copy=False)
        .join(join, copy=False)
    )
    return view(f"fk_{a.index}", query)


def distribution_select(
    a: Assertion, spec: Distribution, where: tuple[str, str, str]
) -> exp.Select:
    value = num(spec.column, raw_name=False)
    sums: list[exp.Expr] = []
    checks: list[exp.Expr] = []
    extra: list[tuple[str, exp.Expr]] = []
    for i, b in enumerate(spec.buckets):
        conds: list[exp.Expr] = []
        if b.min is not None:
            conds.append(exp.GTE(this=value.copy(), expression=lit(b.min)))
        if b.max is not None:
            conds.append(exp.LT(this=value.copy(), expression=lit(b.max)))
        in_bucket: exp.Expr = not_null(value.copy())
        for c in conds or [exp.true()]:
            in_bucket = exp.And(this=in_bucket, expression=c)
        counted = exp.Case(
            ifs=[exp.If(this=in_bucket, true=exp.Literal.number(1))],
            default=exp.Literal.number(0),
        )
        sums.append(alias(exp.Sum(this=counted), f"b{i}"))
        share = ratio(col(f"b{i}"), col("total"))
        off = exp.Abs(this=exp.Sub(this=share, expression=lit(b.expected_ratio)))
        checks.append(exp.GT(this=off, expression=lit(b.tolerance)))
        extra.append((b.label, cast(share.copy(), "STRING")))
    inner = windowed("src", spec.window_ms, [alias(exp.Count(this=value.copy()), "total"), *sums])
    detail = f"distribution of {spec.column} off per {format_ms(spec.window_ms)}"
    row = window_json([("values", cast(col("total"), "STRING")), *extra])
    cond = exp.And(
        this=exp.GT(this=col("total"), expression=exp.Literal.number(0)),
        expression=paren(or_(*checks)),
    )
    return violation_select(where, a, detail, row, inner, cond)


def rate_select(
    a: Assertion, spec: Throughput | Freshness, where: tuple[str, str, str]
) -> exp.Select:
    window_ms = spec.window_ms if isinstance(spec, Throughput) else spec.max_age_ms
    seconds = window_ms / 1000
    inner = windowed("beats", window_ms, [alias(exp.Sum(this=col("n")), "cnt")])
    cond: exp.Expr
    if isinstance(spec, Freshness):
        cond = exp.EQ(this=col("cnt"), expression=exp.Literal.number(0))
        detail = f"no record for {format_ms(window_ms)}"
    else:
        parts: list[exp.Expr] = []
        if spec.min_per_second is not None:
            rate = exp.Div(this=cast(col("cnt"), "DOUBLE"), expression=lit(seconds))
            parts.append(exp.LT(this=rate, expression=lit(spec.min_per_second)))
        if spec.max_per_second is not None:
            rate = exp.Div(this=cast(col("cnt"), "DOUBLE"), expression=lit(seconds))
            parts.append(exp.GT(this=rate, expression=lit(spec.max_per_second)))
        cond = or_(*parts)
        detail = f"throughput outside [{spec.min_per_second}, {spec.max_per_second}]/s per {format_ms(window_ms)}"
    row = window_json([("records", cast(col("cnt"), "STRING"))])
    return violation_select(where, a, detail, row, inner, cond)


def max_lag_select(a: Assertion, spec: MaxLag, where: tuple[str, str, str]) -> exp.Select:
    """The largest lag (Kafka timestamp - event time, in seconds) per processing-time window."""
    assert spec.window_ms is not None
    event = try_cast(col(spec.column), "TIMESTAMP(3)")
    lag = exp.Anonymous(
        this="TIMESTAMPDIFF",
        expressions=[exp.var("SECOND"), event, cast(col(KAFKA_TS), "TIMESTAMP(3)")],
    )
    inner = windowed(
        "src",
        spec.window_ms,
        [alias(exp.Max(this=lag), "max_lag_s"), alias(_count_all(), "total")],
    )
    row = window_json(
        [
            ("records", cast(col("total"), "STRING")),
            ("max_lag_seconds", cast(col("max_lag_s"), "STRING")),
        ]
    )
    detail = f"{spec.column} lags more than {format_ms(spec.max_lag_ms)} in a {format_ms(spec.window_ms)} window"
    cond = exp.GT(this=cast(col("max_lag_s"), "DOUBLE"), expression=lit(spec.max_lag_ms / 1000))
    return violation_select(where, a, detail, row, inner, cond)
