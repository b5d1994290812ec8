"""Streaming patterns the analyser recognises beyond plain relations: MATCH_RECOGNIZE, temporal
joins against versioned tables, anti joins, and cascaded windows that make a model's TIMESTAMP
column the event time of the reading job's table. Functions over the analysis state (`streamt.sql.scope`) (they
add diagnostics, stateful/changelog reasons and the per-table facts compile needs). No I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlglot import exp

from streamt.diagnostics import Diagnostic, Severity
from streamt.sql.exprtypes import ExprTyper, function_args, function_name
from streamt.sql.functions import WINDOW_TVFS
from streamt.sql.generate import render
from streamt.sql.schema import Column
from streamt.sql.scope import AnalysisState, Rel, Scope
from streamt.sql.select import SelectList
from streamt.sql.tree import location_of

_NAVIGATION = frozenset({"FIRST", "LAST", "PREV", "NEXT"})


def match_recognize(
    a: AnalysisState, match: exp.MatchRecognize, node: exp.Select, source: tuple[str, Rel]
) -> tuple[str, Rel]:
    """`FROM t MATCH_RECOGNIZE (...) AS x`: one row per match, the PARTITION BY columns then
    the MEASURES; append-only, over an append-only input ordered by a time attribute."""
    alias, rel = source
    a.stateful.append("MATCH_RECOGNIZE")
    if rel.updating:
        a.error(
            "S041",
            f"MATCH_RECOGNIZE cannot read an updating input ({alias})",
            match,
            "read an append-only topic (a source or a model that emits no updates)",
        )
    # pattern variables qualify the input's columns (`A.price`): each one names the input
    select = SelectList(a, node, [(alias, rel)])

    def resolve(col: exp.Column) -> Column:
        if col.table and col.table != alias:
            col = exp.Column(this=col.this.copy())
        return select.resolve(col)

    typer = ExprTyper(resolve, a.ml_outputs)
    partition = [resolve(c) for c in match.args.get("partition_by") or []]
    _match_order(a, match, resolve)
    for define in match.args.get("define") or []:
        for col in define.find_all(exp.Column):
            resolve(col)
    measures = [_measure(a, m, typer) for m in match.args.get("measures") or []]
    columns = [c.plain() for c in partition] + [m for m in measures if m is not None]
    out_alias = match.args.get("alias")
    return (out_alias.name if out_alias is not None else ""), Rel(columns)


def _match_order(
    a: AnalysisState, match: exp.MatchRecognize, resolve: Callable[[exp.Column], Column]
) -> None:
    order = match.args.get("order")
    first = order.expressions[0] if order is not None and order.expressions else None
    if first is not None and isinstance(first.this, exp.Column):
        col = resolve(first.this)
        if (col.rowtime or col.proctime) and not first.args.get("desc"):
            return
    a.error(
        "S042",
        "MATCH_RECOGNIZE must be ordered first by a time attribute, ascending",
        first or match,
        "ORDER BY the input's event-time (or processing-time) column first, e.g. "
        "ORDER BY rowtime [, other columns]",
    )


def _measure(a: AnalysisState, measure: exp.Expr, typer: ExprTyper) -> Column | None:
    expr = measure.this if isinstance(measure, exp.MatchRecognizeMeasure) else measure
    if not isinstance(expr, exp.Alias):
        a.error("S006", "a MATCH_RECOGNIZE measure needs a name", measure, "add AS <name>")
        return None
    inner = expr.this
    # navigation functions return their argument's value
    if isinstance(inner, (exp.First, exp.Last)) or function_name(inner) in _NAVIGATION:
        args = function_args(inner)
        if not args:
            name = function_name(inner)
            a.error(
                "S001",
                f"SQL syntax error: {name}() needs the column it navigates to",
                inner,
                f"write {name}(A.column) or {name}(A.column, n)",
            )
            return None
        column = typer.column_of(args[0])
    else:
        column = typer.column_of(inner)
    return column.plain().renamed(str(expr.alias))


def retime(a: AnalysisState, rel: Rel, col: Column, fn: str, node: exp.Expr) -> Column:
    """A window over a plain TIMESTAMP column of a model's topic (cascaded windows): that
    column becomes the event time of the table this job reads the topic as."""
    assert rel.retimable is not None
    table = rel.retimable
    chosen = a.event_times.setdefault(table, col.name)
    if chosen != col.name:
        a.error(
            "S044",
            f"{fn} windows {table!r} over {col.name!r}, but this query already uses "
            f"{chosen!r} as that table's event time",
            node,
            "a table has one event time: window every read of it over the same column",
        )
        return col
    timed = replace(col, rowtime=True, proctime=False, watermark_delay_ms=0)
    rel.columns = [timed if c.name == col.name else c.plain() for c in rel.columns]
    a.diagnostics.append(
        Diagnostic(
            "S040",
            f"{fn} over {col.name!r} of {table!r}: read back from its topic, {col.name!r} "
            f"becomes the event time of table {table!r} in this job "
            f"(WATERMARK FOR {col.name} AS {col.name}: windows close as rows of later "
            "values arrive)",
            Severity.INFO,
            location_of(node),
        )
    )
    return timed


def versioned_join(a: AnalysisState, join: exp.Join, target: exp.Table, scope: Scope) -> None:
    """`JOIN t FOR SYSTEM_TIME AS OF probe.time`: an event-time temporal join needs `t` to
    be a versioned table (a key in the join's equalities and an event time); the job then
    reads it as upsert-kafka with that key. Processing time needs a lookup source."""
    alias, right = scope[-1]
    as_of = target.args["version"].expression
    probe = _probe_time(as_of, scope[:-1])
    if probe is not None and probe.proctime:
        a.error(
            "S045",
            f"FOR SYSTEM_TIME AS OF {render(as_of)} is a processing-time temporal (lookup) "
            f"join: Flink needs a lookup source (JDBC, HBase, ...) for {target.name!r}, and "
            "streamt reads every input from a Kafka topic, which cannot be looked up",
            target,
            "join AS OF the probe side's event time against a versioned table (a source "
            "or model with key: and event_time), or use a regular join",
        )
        return
    if probe is None or not probe.rowtime:
        a.error(
            "S046",
            f"FOR SYSTEM_TIME AS OF needs the probe side's event-time attribute, got "
            f"{render(as_of) if as_of is not None else 'nothing'}",
            as_of or target,
            "write AS OF <alias>.<event_time column> of the table on the left",
        )
        return
    schema = a.inputs.get(right.table or "")
    if schema is None:
        return  # a CTE or subquery: the planner decides (it cannot carry a key here)
    key = schema.primary_key or schema.message_key
    missing = [] if schema.rowtime is not None else ["an event time (event_time:)"]
    if not key:
        missing.append("a primary key (key:)")
    elif not set(key) <= _equated(join, alias):
        missing.append(f"the key ({', '.join(key)}) equated in the ON condition")
    if missing:
        a.error(
            "S047",
            f"temporal join against {target.name!r}, which is not a versioned table: it "
            f"needs {' and '.join(missing)}",
            target,
            f"declare key: and event_time: on {target.name!r} (it is then read as "
            "upsert-kafka, the latest row per key at each point in event time), and join "
            "ON its key columns",
        )
        return
    a.versioned[target.name] = tuple(key)


def _probe_time(as_of: exp.Expr, probe: Scope) -> Column | None:
    if not isinstance(as_of, exp.Column):
        return None
    for alias, rel in probe:
        if as_of.table and alias != as_of.table:
            continue
        col = rel.find(as_of.name)
        if col is not None:
            return col
    return None


def anti_join(a: AnalysisState, sub: exp.Expr, scope: Scope, inner: Rel) -> None:
    """NOT IN / NOT EXISTS: a row sent when nothing matches yet is retracted when a match
    arrives, except in a window anti join (both sides windowed, correlated on the window)."""
    outer = {alias for alias, rel in scope if rel.window_tvf}
    correlated = {c.name for c in sub.find_all(exp.Column) if c.table in outer and c.table}
    windowed = inner.window_tvf or any(
        function_name(f) in WINDOW_TVFS for f in sub.find_all(exp.Anonymous)
    )
    if (
        outer
        and windowed
        and len(outer) == len(scope)
        and {"window_start", "window_end"} <= correlated
    ):
        a.stateful.append("window anti join")
        return
    a.stateful.append("anti join (NOT IN / NOT EXISTS)")
    a.changelog.append("NOT IN / NOT EXISTS (an anti join) retracts rows when a match arrives")
    for _, rel in scope:
        rel.updating = True
        rel.key = None


# ---- joins ---------------------------------------------------------------------------


def _equated(join: exp.Join, alias: str) -> set[str]:
    """Columns of `alias` that the join's ON condition equates with another relation's."""
    on = join.args.get("on")
    found: set[str] = set()
    for eq in on.find_all(exp.EQ) if on is not None else ():
        sides = [eq.this, eq.expression]
        if not all(isinstance(s, exp.Column) for s in sides):
            continue
        mine = [s for s in sides if s.table == alias]
        if len(mine) == 1:
            found.add(mine[0].name)
    return found
