"""Continuous tests -> one Flink SQL job per test that writes one record per violation.

`continuous_job(test, target, refs, settings) -> ContinuousJob` builds the job script:

* the target topic is read as a raw table (every column STRING, so a badly typed value is seen,
  not dropped) plus the Kafka record timestamp (processing time of the producing pipeline) and a
  processing-time attribute; a view `typed` casts columns to their compiled types (TRY_CAST)
  for custom_sql and the DLQ;
* it starts at the deployment time (`scan.startup.mode = timestamp`), so it judges what arrives
  after `streamt test --deploy`;
* row-level assertions become `WHERE` filters; unique_key (per occurrence: an OVER count;
  with a window: duplicate rate per tumbling window), distribution, throughput and freshness
  become processing-time windows;
* foreign_key is an event-time LEFT interval join on Kafka timestamps: a row matches when a
  record with its key was written to the ref's topic within +/- window of it (the ref is read
  from `window` before deployment). An unmatched row is reported once the watermark (newest
  Kafka timestamp - 1 s) passes its time + window, i.e. when later records arrive; an idle ref
  topic does not hold the watermark back (`table.exec.source.idle-timeout`).
  Throughput and freshness union a 1 row/s `datagen` heartbeat so that an empty window still
  fires (Flink emits nothing for a window without rows);
* each violation row: project, test, target, assertion, detail, row (JSON), detected_at, into
  the violations topic (append-only `kafka`, JSON);
* `dlq` sends the violating records themselves to the DLQ topic with `streamt-test` and
  `streamt-reason` Kafka headers.

Identifiers and literals are always quoted by `streamt.sql.dialect`; custom_sql predicates are
parsed and regenerated, never pasted. Pure: returns text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from streamt.sql.dialect import parse, quote_identifier, quote_string
from streamt.sql.generate import render
from streamt.testing.assertions import (
    AcceptedTypes,
    AcceptedValues,
    Assertion,
    CustomSql,
    Distribution,
    ForeignKey,
    Freshness,
    MaxLag,
    NotNull,
    Range,
    Throughput,
    TypeName,
    UniqueKey,
)
from streamt.testing.durations import format_ms

VIOLATIONS_TOPIC = "_streamt_violations"
KAFKA_TS = "__kafka_ts"
WATERMARK_DELAY_MS = 1000  # foreign_key joins: Kafka timestamps may arrive this much out of order
PROC = "__proc"


@dataclass(frozen=True)
class TargetTable:
    """A topic a test reads: its name in the project, topic, and columns (name, Flink type|None)."""

    name: str
    topic: str
    columns: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class JobSettings:
    project: str
    bootstrap_servers: str
    start_ms: int  # judge records from this Kafka timestamp on
    violations_topic: str = VIOLATIONS_TOPIC
    dlq_topic: str | None = None


@dataclass(frozen=True)
class ContinuousJob:
    test: str
    pipeline_name: str
    statements: tuple[str, ...]
    config: Mapping[str, str]

    @property
    def script(self) -> str:
        return "\n\n".join(s.rstrip().rstrip(";") + ";" for s in self.statements) + "\n"


def raw(column: str) -> str:
    """The name of a column's text value in the `typed` view."""
    return f"__raw__{column}"


def q(name: str) -> str:
    return quote_identifier(name)


def s(value: str) -> str:
    return quote_string(value)


def pipeline_name(project: str, test: str) -> str:
    return f"streamt-test.{project}.{test}"


def continuous_job(
    test: str,
    assertions: Sequence[Assertion],
    target: TargetTable,
    refs: Mapping[str, TargetTable],
    settings: JobSettings,
) -> ContinuousJob:
    name = pipeline_name(settings.project, test)
    group = f"streamt-test-{settings.project}-{test}"
    fks = [a.spec for a in assertions if isinstance(a.spec, ForeignKey)]
    ddl = [
        _source("src", target, settings, group, settings.start_ms, bool(fks)),
        _typed_view("typed", "src", target),
        _violations(settings),
    ]
    for ref in sorted({fk.ref for fk in fks}):
        lookback = max(fk.window_ms for fk in fks if fk.ref == ref)
        ddl.append(
            _source(f"ref_{ref}", refs[ref], settings, group, settings.start_ms - lookback, True)
        )
    for a in assertions:
        if isinstance(a.spec, ForeignKey) and a.spec.match_rate < 1.0:
            ddl.append(_match_view(a, a.spec))
    if any(isinstance(a.spec, (Throughput, Freshness)) for a in assertions):
        ddl.extend(_heartbeat())
    header = (settings.project, test, target.name)
    selects = [_violation_select(a, target, header) for a in assertions]
    inserts = [f"INSERT INTO {q('violations')}\n" + "\nUNION ALL\n".join(selects)]
    row_level = [a for a in assertions if a.row_level]
    if settings.dlq_topic and row_level:
        ddl.append(_dlq_table(target, settings))
        inserts.append(_dlq_insert(test, row_level, target))
    body = (
        inserts[0]
        if len(inserts) == 1
        else "EXECUTE STATEMENT SET BEGIN\n" + ";\n".join(inserts) + ";\nEND"
    )
    config = {"pipeline.name": name, "table.local-time-zone": "UTC", "parallelism.default": "1"}
    if fks:  # an idle reference topic must not hold the join's watermark back
        config["table.exec.source.idle-timeout"] = "2 s"
    return ContinuousJob(test, name, (*ddl, body), config)


def _with(options: Mapping[str, str]) -> str:
    return "WITH (\n" + ",\n".join(f"  {s(k)} = {s(v)}" for k, v in options.items()) + "\n)"


def _source(
    table: str, target: TargetTable, settings: JobSettings, group: str, start_ms: int, rowtime: bool
) -> str:
    """The topic as text columns + Kafka timestamp (an event-time attribute when `rowtime`)."""
    cols = [f"  {q(c)} STRING" for c, _ in target.columns]
    cols.append(f"  {q(KAFKA_TS)} TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL")
    cols.append(f"  {q(PROC)} AS PROCTIME()")
    if rowtime:
        cols.append(
            f"  WATERMARK FOR {q(KAFKA_TS)} AS {q(KAFKA_TS)} - {_interval(WATERMARK_DELAY_MS)}"
        )
    options = {
        "connector": "kafka",
        "topic": target.topic,
        "properties.bootstrap.servers": settings.bootstrap_servers,
        "properties.group.id": group,
        "scan.startup.mode": "timestamp",
        "scan.startup.timestamp-millis": str(max(start_ms, 0)),
        "format": "json",
        "json.ignore-parse-errors": "true",
    }
    return f"CREATE TABLE {q(table)} (\n" + ",\n".join(cols) + "\n) " + _with(options)


def _typed_view(view: str, table: str, target: TargetTable) -> str:
    cols = [
        f"TRY_CAST({q(c)} AS {t})" if t and t.upper() not in ("STRING", "VARCHAR") else q(c)
        for c, t in target.columns
    ]
    named = [
        f"{expr} AS {q(c)}" if expr != q(c) else expr
        for expr, (c, _) in zip(cols, target.columns, strict=True)
    ]
    named += [f"{q(c)} AS {q(raw(c))}" for c, _ in target.columns]
    named += [q(KAFKA_TS), q(PROC)]
    return f"CREATE TEMPORARY VIEW {q(view)} AS SELECT {', '.join(named)} FROM {q(table)}"


def _violations(settings: JobSettings) -> str:
    cols = ["project", "test", "target", "assertion", "detail", "row", "detected_at"]
    body = ",\n".join(f"  {q(c)} STRING" for c in cols)
    options = {
        "connector": "kafka",
        "topic": settings.violations_topic,
        "properties.bootstrap.servers": settings.bootstrap_servers,
        "format": "json",
        "sink.delivery-guarantee": "at-least-once",
    }
    return f"CREATE TABLE {q('violations')} (\n{body}\n) " + _with(options)


def _heartbeat() -> list[str]:
    """A 1 row/s datagen table and the view `beats` (1 per record, 0 per heartbeat)."""
    options = {"connector": "datagen", "rows-per-second": "1", "fields.beat.kind": "random"}
    table = f"CREATE TABLE {q('heartbeat')} (\n  {q('beat')} INT,\n  {q(PROC)} AS PROCTIME()\n) "
    view = (
        f"CREATE TEMPORARY VIEW {q('beats')} AS SELECT 1 AS n, {q(PROC)} FROM src "
        f"UNION ALL SELECT 0 AS n, {q(PROC)} FROM {q('heartbeat')}"
    )
    return [table + _with(options), view]


def _row_json(columns: Sequence[str], prefix: str = "", raw_names: bool = False) -> str:
    pairs = ", ".join(f"KEY {s(c)} VALUE {prefix}{q(raw(c) if raw_names else c)}" for c in columns)
    return f"JSON_OBJECT({pairs} NULL ON NULL)"


def _header(header: tuple[str, str, str], a: Assertion, detail: str) -> str:
    project, test, target = header
    return f"{s(project)}, {s(test)}, {s(target)}, {s(a.label)}, {detail}"


def _now() -> str:
    return "CAST(CURRENT_TIMESTAMP AS STRING)"


def _violation_select(a: Assertion, target: TargetTable, header: tuple[str, str, str]) -> str:
    cols = [c for c, _ in target.columns]
    spec = a.spec
    if a.row_level:
        cond, detail = row_condition(a, target)
        row = _row_json(cols, raw_names=True)
        return f"SELECT {_header(header, a, s(detail))}, {row}, {_now()}\nFROM {q('typed')}\nWHERE {cond}"
    if isinstance(spec, UniqueKey):
        return _unique_key(a, spec, cols, header)
    if isinstance(spec, ForeignKey):
        return _foreign_key(a, spec, cols, header)
    if isinstance(spec, Distribution):
        return _distribution(a, spec, header)
    if isinstance(spec, (Throughput, Freshness)):
        return _rate(a, spec, header)
    raise AssertionError(spec)  # pragma: no cover


def _num(column: str, raw_name: bool = True) -> str:
    return f"TRY_CAST({q(raw(column) if raw_name else column)} AS DOUBLE)"


def rc(column: str) -> str:
    """A column's raw text in the `typed` view, quoted."""
    return q(raw(column))


def _lit(value: float) -> str:
    return f"CAST({value!r} AS DOUBLE)"


_TYPE_BAD: dict[TypeName, str] = {
    TypeName.STRING: "FALSE",  # every JSON value reads as text; a string check cannot fail here
    TypeName.NUMBER: "TRY_CAST({c} AS DOUBLE) IS NULL",
    TypeName.INTEGER: "TRY_CAST({c} AS BIGINT) IS NULL",
    TypeName.BOOLEAN: "LOWER({c}) NOT IN ('true', 'false')",
    TypeName.TIMESTAMP: "TRY_CAST({c} AS TIMESTAMP(3)) IS NULL",
    TypeName.DATE: "TRY_CAST({c} AS DATE) IS NULL",
    TypeName.TIME: "TRY_CAST({c} AS TIME) IS NULL",
    TypeName.ARRAY: "{c} NOT LIKE '[%'",
    TypeName.OBJECT: "{c} NOT LIKE '{{%'",
}


def row_condition(a: Assertion, target: TargetTable) -> tuple[str, str]:
    """(Flink SQL condition true for a violating row of `src`/`typed`, static detail text)."""
    spec = a.spec
    if isinstance(spec, NotNull):
        return " OR ".join(
            f"{rc(c)} IS NULL" for c in spec.columns
        ), f"null in {', '.join(spec.columns)}"
    if isinstance(spec, AcceptedValues):
        return _in_values(spec), f"{spec.column} not in {list(spec.values)}"
    if isinstance(spec, Range):
        parts = []
        if spec.min is not None:
            parts.append(f"{_num(spec.column)} < {_lit(spec.min)}")
        if spec.max is not None:
            parts.append(f"{_num(spec.column)} > {_lit(spec.max)}")
        bad_number = f"({rc(spec.column)} IS NOT NULL AND {_num(spec.column)} IS NULL)"
        return "(" + " OR ".join(
            [*parts, bad_number]
        ) + ")", f"{spec.column} outside [{spec.min}, {spec.max}]"
    if isinstance(spec, AcceptedTypes):
        parts = [f"({rc(c)} IS NOT NULL AND {_TYPE_BAD[t].format(c=rc(c))})" for c, t in spec.types]
        return "(" + " OR ".join(parts) + ")", "type: " + ", ".join(
            f"{c} {t.value}" for c, t in spec.types
        )
    if isinstance(spec, MaxLag):
        event = f"TRY_CAST({rc(spec.column)} AS TIMESTAMP(3))"
        limit = f"CAST({q(KAFKA_TS)} AS TIMESTAMP(3)) - {_interval(spec.max_lag_ms)}"
        return (
            f"{event} < {limit}",
            f"{spec.column} lags processing time by more than {format_ms(spec.max_lag_ms)}",
        )
    if isinstance(spec, CustomSql):
        tree = parse(f"SELECT 1 FROM t WHERE {spec.where}")
        where = tree.args["where"].this
        return f"({render(where)})", f"matches {spec.where}"
    raise AssertionError(spec)  # pragma: no cover


def _in_values(spec: AcceptedValues) -> str:
    values = [v for v in spec.values if v is not None]
    col = rc(spec.column)
    if values and all(isinstance(v, bool) for v in values):
        items = ", ".join("TRUE" if v else "FALSE" for v in values)
        return f"({col} IS NOT NULL AND TRY_CAST({col} AS BOOLEAN) NOT IN ({items}))"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        items = ", ".join(_lit(float(v)) for v in values if isinstance(v, (int, float)))
        return f"({col} IS NOT NULL AND ({_num(spec.column)} IS NULL OR {_num(spec.column)} NOT IN ({items})))"
    items = ", ".join(s(str(v)) for v in values)
    return f"({col} IS NOT NULL AND {col} NOT IN ({items}))"


def _interval(ms: int) -> str:
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return (
        f"INTERVAL '{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}' DAY TO SECOND(3)"
    )


def _window(table: str, ms: int, time_column: str = PROC) -> str:
    return f"TABLE(TUMBLE(TABLE {q(table)}, DESCRIPTOR({q(time_column)}), {_interval(ms)}))"


def _window_json(extra: Sequence[tuple[str, str]]) -> str:
    pairs = [
        ("window_start", "CAST(window_start AS STRING)"),
        ("window_end", "CAST(window_end AS STRING)"),
        *extra,
    ]
    return "JSON_OBJECT(" + ", ".join(f"KEY {s(k)} VALUE {v}" for k, v in pairs) + ")"


def _key_text(columns: Sequence[str], prefix: str = "") -> str:
    return (
        "CONCAT_WS('|', " + ", ".join(f"COALESCE({prefix}{q(c)}, '<null>')" for c in columns) + ")"
    )


def _unique_key(
    a: Assertion, spec: UniqueKey, cols: Sequence[str], header: tuple[str, str, str]
) -> str:
    detail = f"duplicate {'/'.join(spec.key)}"
    if spec.window_ms is None:
        partition = ", ".join(q(c) for c in spec.key)
        counted = (
            f"SELECT *, COUNT(*) OVER (PARTITION BY {partition} ORDER BY {q(PROC)} "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __seen FROM src"
        )
        return f"SELECT {_header(header, a, s(detail))}, {_row_json(cols)}, {_now()}\nFROM ({counted})\nWHERE __seen > 1"
    inner = (
        f"SELECT window_start, window_end, COUNT(*) AS total, COUNT(DISTINCT {_key_text(spec.key)}) AS uniq\n"
        f"  FROM {_window('src', spec.window_ms)}\n  GROUP BY window_start, window_end"
    )
    row = _window_json(
        [("records", "CAST(total AS STRING)"), ("duplicates", "CAST(total - uniq AS STRING)")]
    )
    rate = "CAST(total - uniq AS DOUBLE) / CAST(total AS DOUBLE)"
    return (
        f"SELECT {_header(header, a, s(detail + f' rate above {spec.tolerance:.2%} per {format_ms(spec.window_ms)}'))}, {row}, {_now()}\n"
        f"FROM ({inner})\nWHERE {rate} > {_lit(spec.tolerance)}"
    )


def _foreign_key(
    a: Assertion, spec: ForeignKey, cols: Sequence[str], header: tuple[str, str, str]
) -> str:
    ref = q(f"ref_{spec.ref}")
    window = _interval(spec.window_ms)
    join = (
        f"FROM src AS l LEFT JOIN {ref} AS r ON l.{q(spec.column)} = r.{q(spec.ref_column)} "
        f"AND r.{q(KAFKA_TS)} BETWEEN l.{q(KAFKA_TS)} - {window} AND l.{q(KAFKA_TS)} + {window}"
    )
    detail = f"{spec.column} has no match in {spec.ref}.{spec.ref_column} within {format_ms(spec.window_ms)}"
    if spec.match_rate >= 1.0:
        row = _row_json(cols, "l.")
        return f"SELECT {_header(header, a, s(detail))}, {row}, {_now()}\n{join}\nWHERE r.{q(spec.ref_column)} IS NULL AND l.{q(spec.column)} IS NOT NULL"
    inner = (
        f"SELECT window_start, window_end, COUNT(*) AS total, SUM(m) AS hits\n"
        f"  FROM {_window(f'fk_{a.index}', spec.window_ms, KAFKA_TS)}\n"
        f"  GROUP BY window_start, window_end"
    )
    rate = "CAST(hits AS DOUBLE) / CAST(total AS DOUBLE)"
    row = _window_json([("records", "CAST(total AS STRING)"), ("matched", "CAST(hits AS STRING)")])
    detail = (
        f"match rate of {spec.column} in {spec.ref}.{spec.ref_column} below {spec.match_rate:.2%}"
    )
    return f"SELECT {_header(header, a, s(detail))}, {row}, {_now()}\nFROM ({inner})\nWHERE {rate} < {_lit(spec.match_rate)}"


def _match_view(a: Assertion, spec: ForeignKey) -> str:
    """The left interval join as a view (window TVFs take a table name, not a subquery)."""
    ref = q(f"ref_{spec.ref}")
    window = _interval(spec.window_ms)
    matched = f"CASE WHEN r.{q(spec.ref_column)} IS NULL THEN 0 ELSE 1 END"
    return (
        f"CREATE TEMPORARY VIEW {q(f'fk_{a.index}')} AS SELECT l.{q(KAFKA_TS)} AS {q(KAFKA_TS)}, {matched} AS m "
        f"FROM src AS l LEFT JOIN {ref} AS r ON l.{q(spec.column)} = r.{q(spec.ref_column)} "
        f"AND r.{q(KAFKA_TS)} BETWEEN l.{q(KAFKA_TS)} - {window} AND l.{q(KAFKA_TS)} + {window}"
    )


def _distribution(a: Assertion, spec: Distribution, header: tuple[str, str, str]) -> str:
    value = _num(spec.column, raw_name=False)
    sums, checks, extra = [], [], []
    for i, b in enumerate(spec.buckets):
        conds = [
            f"{value} >= {_lit(b.min)}" if b.min is not None else "",
            f"{value} < {_lit(b.max)}" if b.max is not None else "",
        ]
        cond = " AND ".join(c for c in conds if c) or "TRUE"
        sums.append(f"SUM(CASE WHEN {value} IS NOT NULL AND {cond} THEN 1 ELSE 0 END) AS b{i}")
        ratio = f"CAST(b{i} AS DOUBLE) / CAST(total AS DOUBLE)"
        checks.append(f"ABS({ratio} - {_lit(b.expected_ratio)}) > {_lit(b.tolerance)}")
        extra.append((f"{b.label}", f"CAST({ratio} AS STRING)"))
    inner = (
        f"SELECT window_start, window_end, COUNT({value}) AS total, {', '.join(sums)}\n"
        f"  FROM {_window('src', spec.window_ms)}\n  GROUP BY window_start, window_end"
    )
    detail = f"distribution of {spec.column} off per {format_ms(spec.window_ms)}"
    row = _window_json([("values", "CAST(total AS STRING)"), *extra])
    return f"SELECT {_header(header, a, s(detail))}, {row}, {_now()}\nFROM ({inner})\nWHERE total > 0 AND ({' OR '.join(checks)})"


def _rate(a: Assertion, spec: Throughput | Freshness, header: tuple[str, str, str]) -> str:
    window_ms = spec.window_ms if isinstance(spec, Throughput) else spec.max_age_ms
    seconds = window_ms / 1000
    inner = (
        f"SELECT window_start, window_end, SUM(n) AS cnt\n"
        f"  FROM {_window('beats', window_ms)}\n"
        f"  GROUP BY window_start, window_end"
    )
    rate = f"CAST(cnt AS DOUBLE) / {_lit(seconds)}"
    if isinstance(spec, Freshness):
        cond, detail = "cnt = 0", f"no record for {format_ms(window_ms)}"
    else:
        parts = []
        if spec.min_per_second is not None:
            parts.append(f"{rate} < {_lit(spec.min_per_second)}")
        if spec.max_per_second is not None:
            parts.append(f"{rate} > {_lit(spec.max_per_second)}")
        cond = " OR ".join(parts)
        detail = f"throughput outside [{spec.min_per_second}, {spec.max_per_second}]/s per {format_ms(window_ms)}"
    row = _window_json([("records", "CAST(cnt AS STRING)")])
    return f"SELECT {_header(header, a, s(detail))}, {row}, {_now()}\nFROM ({inner})\nWHERE {cond}"


def _dlq_table(target: TargetTable, settings: JobSettings) -> str:
    cols = [f"  {q(c)} {t or 'STRING'}" for c, t in target.columns]
    cols.append(f"  {q('headers')} MAP<STRING, BYTES> METADATA")
    options = {
        "connector": "kafka",
        "topic": settings.dlq_topic or "",
        "properties.bootstrap.servers": settings.bootstrap_servers,
        "format": "json",
    }
    return f"CREATE TABLE {q('dlq')} (\n" + ",\n".join(cols) + "\n) " + _with(options)


def _dlq_insert(test: str, row_level: Sequence[Assertion], target: TargetTable) -> str:
    conds = [(row_condition(a, target)[0], a) for a in row_level]
    reason = "CASE " + " ".join(f"WHEN {c} THEN {s(a.label)}" for c, a in conds) + " END"
    headers = (
        f"MAP['streamt-test', CAST({s(test)} AS BYTES), 'streamt-reason', CAST({reason} AS BYTES)]"
    )
    cols = ", ".join(q(c) for c, _ in target.columns)
    where = " OR ".join(f"({c})" for c, _ in conds)
    return f"INSERT INTO {q('dlq')}\nSELECT {cols}, {headers}\nFROM {q('typed')}\nWHERE {where}"
