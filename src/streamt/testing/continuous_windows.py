"""Windowed continuous assertions as Flink SQL: unique_key, foreign_key, distribution,
throughput and freshness (see `streamt.testing.continuous_sql` for the job around them).
"""

from __future__ import annotations

from collections.abc import Sequence

from streamt.testing.assertions import (
    Assertion,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    Throughput,
    UniqueKey,
)
from streamt.testing.durations import format_ms
from streamt.testing.sqltext import (
    KAFKA_TS,
    PROC,
    header,
    interval,
    key_text,
    lit,
    now,
    num,
    q,
    row_json,
    s,
    window,
    window_json,
    with_options,
)


def heartbeat() -> list[str]:
    """A 1 row/s datagen table and the view `beats` (1 per record, 0 per heartbeat)."""
    options = {"connector": "datagen", "rows-per-second": "1", "fields.beat.kind": "random"}
    table = f"CREATE TABLE {q('heartbeat')} (\n  {q('beat')} INT,\n  {q(PROC)} AS PROCTIME()\n) "
    view = (
        f"CREATE TEMPORARY VIEW {q('beats')} AS SELECT 1 AS n, {q(PROC)} FROM src "
        f"UNION ALL SELECT 0 AS n, {q(PROC)} FROM {q('heartbeat')}"
    )
    return [table + with_options(options), view]


def unique_key_select(
    a: Assertion, spec: UniqueKey, cols: Sequence[str], where: tuple[str, str, str]
) -> str:
    detail = f"duplicate {'/'.join(spec.key)}"
    if spec.window_ms is None:
        partition = ", ".join(q(c) for c in spec.key)
        counted = (
            f"SELECT *, COUNT(*) OVER (PARTITION BY {partition} ORDER BY {q(PROC)} "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __seen FROM src"
        )
        return f"SELECT {header(where, a, s(detail))}, {row_json(cols)}, {now()}\nFROM ({counted})\nWHERE __seen > 1"
    inner = (
        f"SELECT window_start, window_end, COUNT(*) AS total, COUNT(DISTINCT {key_text(spec.key)}) AS uniq\n"
        f"  FROM {window('src', spec.window_ms)}\n  GROUP BY window_start, window_end"
    )
    row = window_json(
        [("records", "CAST(total AS STRING)"), ("duplicates", "CAST(total - uniq AS STRING)")]
    )
    rate = "CAST(total - uniq AS DOUBLE) / CAST(total AS DOUBLE)"
    return (
        f"SELECT {header(where, a, s(detail + f' rate above {spec.tolerance:.2%} per {format_ms(spec.window_ms)}'))}, {row}, {now()}\n"
        f"FROM ({inner})\nWHERE {rate} > {lit(spec.tolerance)}"
    )


def foreign_key_select(
    a: Assertion, spec: ForeignKey, cols: Sequence[str], where: tuple[str, str, str]
) -> str:
    ref = q(f"ref_{spec.ref}")
    span = interval(spec.window_ms)
    join = (
        f"FROM src AS l LEFT JOIN {ref} AS r ON l.{q(spec.column)} = r.{q(spec.ref_column)} "
        f"AND r.{q(KAFKA_TS)} BETWEEN l.{q(KAFKA_TS)} - {span} AND l.{q(KAFKA_TS)} + {span}"
    )
    detail = f"{spec.column} has no match in {spec.ref}.{spec.ref_column} within {format_ms(spec.window_ms)}"
    if spec.match_rate >= 1.0:
        row = row_json(cols, "l.")
        return f"SELECT {header(where, a, s(detail))}, {row}, {now()}\n{join}\nWHERE r.{q(spec.ref_column)} IS NULL AND l.{q(spec.column)} IS NOT NULL"
    inner = (
        f"SELECT window_start, window_end, COUNT(*) AS total, SUM(m) AS hits\n"
        f"  FROM {window(f'fk_{a.index}', spec.window_ms, KAFKA_TS)}\n"
        f"  GROUP BY window_start, window_end"
    )
    rate = "CAST(hits AS DOUBLE) / CAST(total AS DOUBLE)"
    row = window_json([("records", "CAST(total AS STRING)"), ("matched", "CAST(hits AS STRING)")])
    detail = (
        f"match rate of {spec.column} in {spec.ref}.{spec.ref_column} below {spec.match_rate:.2%}"
    )
    return f"SELECT {header(where, a, s(detail))}, {row}, {now()}\nFROM ({inner})\nWHERE {rate} < {lit(spec.match_rate)}"


def match_view(a: Assertion, spec: ForeignKey) -> str:
    """The left interval join as a view (window TVFs take a table name, not a subquery)."""
    ref = q(f"ref_{spec.ref}")
    span = interval(spec.window_ms)
    matched = f"CASE WHEN r.{q(spec.ref_column)} IS NULL THEN 0 ELSE 1 END"
    return (
        f"CREATE TEMPORARY VIEW {q(f'fk_{a.index}')} AS SELECT l.{q(KAFKA_TS)} AS {q(KAFKA_TS)}, {matched} AS m "
        f"FROM src AS l LEFT JOIN {ref} AS r ON l.{q(spec.column)} = r.{q(spec.ref_column)} "
        f"AND r.{q(KAFKA_TS)} BETWEEN l.{q(KAFKA_TS)} - {span} AND l.{q(KAFKA_TS)} + {span}"
    )


def distribution_select(a: Assertion, spec: Distribution, where: tuple[str, str, str]) -> str:
    value = num(spec.column, raw_name=False)
    sums, checks, extra = [], [], []
    for i, b in enumerate(spec.buckets):
        conds = [
            f"{value} >= {lit(b.min)}" if b.min is not None else "",
            f"{value} < {lit(b.max)}" if b.max is not None else "",
        ]
        cond = " AND ".join(c for c in conds if c) or "TRUE"
        sums.append(f"SUM(CASE WHEN {value} IS NOT NULL AND {cond} THEN 1 ELSE 0 END) AS b{i}")
        ratio = f"CAST(b{i} AS DOUBLE) / CAST(total AS DOUBLE)"
        checks.append(f"ABS({ratio} - {lit(b.expected_ratio)}) > {lit(b.tolerance)}")
        extra.append((f"{b.label}", f"CAST({ratio} AS STRING)"))
    inner = (
        f"SELECT window_start, window_end, COUNT({value}) AS total, {', '.join(sums)}\n"
        f"  FROM {window('src', spec.window_ms)}\n  GROUP BY window_start, window_end"
    )
    detail = f"distribution of {spec.column} off per {format_ms(spec.window_ms)}"
    row = window_json([("values", "CAST(total AS STRING)"), *extra])
    return f"SELECT {header(where, a, s(detail))}, {row}, {now()}\nFROM ({inner})\nWHERE total > 0 AND ({' OR '.join(checks)})"


def rate_select(a: Assertion, spec: Throughput | Freshness, where: tuple[str, str, str]) -> str:
    window_ms = spec.window_ms if isinstance(spec, Throughput) else spec.max_age_ms
    seconds = window_ms / 1000
    inner = (
        f"SELECT window_start, window_end, SUM(n) AS cnt\n"
        f"  FROM {window('beats', window_ms)}\n"
        f"  GROUP BY window_start, window_end"
    )
    rate = f"CAST(cnt AS DOUBLE) / {lit(seconds)}"
    if isinstance(spec, Freshness):
        cond, detail = "cnt = 0", f"no record for {format_ms(window_ms)}"
    else:
        parts = []
        if spec.min_per_second is not None:
            parts.append(f"{rate} < {lit(spec.min_per_second)}")
        if spec.max_per_second is not None:
            parts.append(f"{rate} > {lit(spec.max_per_second)}")
        cond = " OR ".join(parts)
        detail = f"throughput outside [{spec.min_per_second}, {spec.max_per_second}]/s per {format_ms(window_ms)}"
    row = window_json([("records", "CAST(cnt AS STRING)")])
    return f"SELECT {header(where, a, s(detail))}, {row}, {now()}\nFROM ({inner})\nWHERE {cond}"


def max_lag_select(a: Assertion, spec: MaxLag, where: tuple[str, str, str]) -> str:
    """The largest lag (Kafka timestamp - event time, in seconds) per processing-time window."""
    assert spec.window_ms is not None
    event = f"TRY_CAST({q(spec.column)} AS TIMESTAMP(3))"
    lag = f"TIMESTAMPDIFF(SECOND, {event}, CAST({q(KAFKA_TS)} AS TIMESTAMP(3)))"
    inner = (
        f"SELECT window_start, window_end, MAX({lag}) AS max_lag_s, COUNT(*) AS total\n"
        f"  FROM {window('src', spec.window_ms)}\n  GROUP BY window_start, window_end"
    )
    row = window_json(
        [("records", "CAST(total AS STRING)"), ("max_lag_seconds", "CAST(max_lag_s AS STRING)")]
    )
    detail = f"{spec.column} lags more than {format_ms(spec.max_lag_ms)} in a {format_ms(spec.window_ms)} window"
    limit = lit(spec.max_lag_ms / 1000)
    return f"SELECT {header(where, a, s(detail))}, {row}, {now()}\nFROM ({inner})\nWHERE CAST(max_lag_s AS DOUBLE) > {limit}"
