"""Continuous tests -> one Flink SQL job per test that writes one record per violation.

`continuous_job(test, target, refs, settings) -> ContinuousJob` builds the job script:

* the target topic is read as a raw table (every column STRING, so a badly typed value is seen,
  not dropped) plus the Kafka record timestamp (processing time of the producing pipeline) and a
  processing-time attribute; a view `typed` casts columns to their compiled types (TRY_CAST)
  for custom_sql and the DLQ (nested ROW / ARRAY / MAP columns stay JSON text);
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
parsed alone as expressions and regenerated from the tree (`streamt.testing.predicate`). Pure: returns text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
from streamt.testing.continuous_windows import (
    distribution_select,
    foreign_key_select,
    heartbeat,
    match_view,
    max_lag_select,
    rate_select,
    unique_key_select,
)
from streamt.testing.durations import format_ms
from streamt.testing.predicate import violation_tree
from streamt.testing.sqltext import (
    KAFKA_TS,
    PROC,
    header,
    interval,
    lit,
    now,
    num,
    q,
    raw,
    rc,
    row_json,
    s,
    with_options,
)

VIOLATIONS_TOPIC = "_streamt_violations"


WATERMARK_DELAY_MS = 1000  # foreign_key joins: Kafka timestamps may arrive this much out of order


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
            ddl.append(match_view(a, a.spec))
    if any(isinstance(a.spec, (Throughput, Freshness)) for a in assertions):
        ddl.extend(heartbeat())
    where = (settings.project, test, target.name)
    selects = [_violation_select(a, target, where) for a in assertions]
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


def _source(
    table: str, target: TargetTable, settings: JobSettings, group: str, start_ms: int, rowtime: bool
) -> str:
    """The topic as text columns + Kafka timestamp (an event-time attribute when `rowtime`)."""
    cols = [f"  {q(c)} STRING" for c, _ in target.columns]
    cols.append(f"  {q(KAFKA_TS)} TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL")
    cols.append(f"  {q(PROC)} AS PROCTIME()")
    if rowtime:
        cols.append(
            f"  WATERMARK FOR {q(KAFKA_TS)} AS {q(KAFKA_TS)} - {interval(WATERMARK_DELAY_MS)}"
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
    return f"CREATE TABLE {q(table)} (\n" + ",\n".join(cols) + "\n) " + with_options(options)


def castable(sql_type: str | None) -> bool:
    """Whether text can be TRY_CAST to `sql_type` (nested types stay JSON text)."""
    if not sql_type:
        return False
    base = sql_type.strip().upper()
    return not base.startswith(("STRING", "VARCHAR", "CHAR", "ROW", "ARRAY", "MAP", "MULTISET"))


def _typed_view(view: str, table: str, target: TargetTable) -> str:
    cols = [f"TRY_CAST({q(c)} AS {t})" if castable(t) else q(c) for c, t in target.columns]
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
    return f"CREATE TABLE {q('violations')} (\n{body}\n) " + with_options(options)


def _violation_select(a: Assertion, target: TargetTable, where: tuple[str, str, str]) -> str:
    cols = [c for c, _ in target.columns]
    spec = a.spec
    if a.row_level:
        cond, detail = row_condition(a, target)
        row = row_json(cols, raw_names=True)
        return (
            f"SELECT {header(where, a, s(detail))}, {row}, {now()}\nFROM {q('typed')}\nWHERE {cond}"
        )
    if isinstance(spec, UniqueKey):
        return unique_key_select(a, spec, cols, where)
    if isinstance(spec, ForeignKey):
        return foreign_key_select(a, spec, cols, where)
    if isinstance(spec, Distribution):
        return distribution_select(a, spec, where)
    if isinstance(spec, (Throughput, Freshness)):
        return rate_select(a, spec, where)
    if isinstance(spec, MaxLag):
        return max_lag_select(a, spec, where)
    raise AssertionError(spec)  # pragma: no cover


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
            parts.append(f"{num(spec.column)} < {lit(spec.min)}")
        if spec.max is not None:
            parts.append(f"{num(spec.column)} > {lit(spec.max)}")
        bad_number = f"({rc(spec.column)} IS NOT NULL AND {num(spec.column)} IS NULL)"
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
        limit = f"CAST({q(KAFKA_TS)} AS TIMESTAMP(3)) - {interval(spec.max_lag_ms)}"
        return (
            f"{event} < {limit}",
            f"{spec.column} lags processing time by more than {format_ms(spec.max_lag_ms)}",
        )
    if isinstance(spec, CustomSql):
        verb = "fails" if spec.negate else "matches"
        return f"({render(violation_tree(spec))})", f"{verb} {spec.where}"
    raise AssertionError(spec)  # pragma: no cover


def _in_values(spec: AcceptedValues) -> str:
    values = [v for v in spec.values if v is not None]
    col = rc(spec.column)
    if values and all(isinstance(v, bool) for v in values):
        items = ", ".join("TRUE" if v else "FALSE" for v in values)
        return f"({col} IS NOT NULL AND TRY_CAST({col} AS BOOLEAN) NOT IN ({items}))"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        items = ", ".join(lit(float(v)) for v in values if isinstance(v, (int, float)))
        return f"({col} IS NOT NULL AND ({num(spec.column)} IS NULL OR {num(spec.column)} NOT IN ({items})))"
    items = ", ".join(s(str(v)) for v in values)
    return f"({col} IS NOT NULL AND {col} NOT IN ({items}))"


def _dlq_table(target: TargetTable, settings: JobSettings) -> str:
    cols = [f"  {q(c)} {t if castable(t) else 'STRING'}" for c, t in target.columns]
    cols.append(f"  {q('headers')} MAP<STRING, BYTES> METADATA")
    options = {
        "connector": "kafka",
        "topic": settings.dlq_topic or "",
        "properties.bootstrap.servers": settings.bootstrap_servers,
        "format": "json",
    }
    return f"CREATE TABLE {q('dlq')} (\n" + ",\n".join(cols) + "\n) " + with_options(options)


def _dlq_insert(test: str, row_level: Sequence[Assertion], target: TargetTable) -> str:
    conds = [(row_condition(a, target)[0], a) for a in row_level]
    reason = "CASE " + " ".join(f"WHEN {c} THEN {s(a.label)}" for c, a in conds) + " END"
    headers = (
        f"MAP['streamt-test', CAST({s(test)} AS BYTES), 'streamt-reason', CAST({reason} AS BYTES)]"
    )
    cols = ", ".join(q(c) for c, _ in target.columns)
    where = " OR ".join(f"({c})" for c, _ in conds)
    return f"INSERT INTO {q('dlq')}\nSELECT {cols}, {headers}\nFROM {q('typed')}\nWHERE {where}"
