"""Small tree helpers for the analyser: argument splitting, interval-join detection, nested
queries, usage hints for inferred columns, diagnostic locations. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlglot import exp

from streamt.diagnostics import Location, did_you_mean
from streamt.sql.exprtypes import function_args, function_name
from streamt.sql.functions import AGGREGATES, GROUP_WINDOWS
from streamt.sql.types import DOUBLE, STRING, TIMESTAMP3, SqlType

_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def split_args(args: Iterable[exp.Expr]) -> tuple[list[exp.Expr], dict[str, exp.Expr]]:
    positional: list[exp.Expr] = []
    named: dict[str, exp.Expr] = {}
    for arg in args:
        if isinstance(arg, exp.Kwarg):
            named[arg.this.name.upper()] = arg.expression
        else:
            positional.append(arg)
    return positional, named


def is_interval_join(conditions: list[exp.Expr], rowtimes: set[str]) -> bool:
    """Time bounds between time-attribute columns of the joined relations (BETWEEN / < / >)."""
    for cond in conditions:
        for node in cond.find_all(exp.Between, *_COMPARISONS):
            if isinstance(node, exp.EQ):
                continue
            cols = {c.name for c in node.find_all(exp.Column)}
            quals = {c.table for c in node.find_all(exp.Column) if c.table}
            if len(cols & rowtimes) >= 1 and (len(quals) >= 2 or len(cols & rowtimes) >= 2):
                return True
    return False


def is_window_join(conditions: list[exp.Expr], scope: list[tuple[str, Any]]) -> bool:
    """Both inputs carry windows and the condition equates their window_start and window_end."""
    if len(scope) < 2 or not all(rel.window_tvf for _, rel in scope[-2:]):
        return False
    equated: set[str] = set()
    for cond in conditions:
        for eq in cond.find_all(exp.EQ):
            left, right = eq.this, eq.expression
            if (
                isinstance(left, exp.Column)
                and isinstance(right, exp.Column)
                and left.name == right.name
                and left.table != right.table
            ):
                equated.add(left.name)
    return {"window_start", "window_end"} <= equated


def nested_subqueries(node: exp.Select) -> list[exp.Expr]:
    """Queries nested in WHERE / HAVING (IN, EXISTS, scalar subqueries), outermost only."""
    found: list[exp.Expr] = []
    for key in ("where", "having"):
        part = node.args.get(key)
        if part is None:
            continue
        for query in part.find_all(exp.Select):
            if query.parent_select is node:
                found.append(query)
    return found


def usage_hint(col: exp.Column) -> SqlType:
    parent = col.parent
    while isinstance(parent, exp.Paren):
        parent = parent.parent
    if isinstance(parent, exp.Unnest):
        return SqlType("ARRAY", children=(STRING,))
    if isinstance(parent, exp.Version):  # FOR SYSTEM_TIME AS OF <time attribute>
        return TIMESTAMP3
    if isinstance(parent, (*_COMPARISONS, exp.Between)):
        others = [a for a in parent.args.values() if isinstance(a, exp.Literal)]
        if any(not lit.is_string for lit in others):
            return DOUBLE
    if isinstance(parent, (exp.Coalesce, exp.Nullif)):  # COALESCE(c, -1): c is a number
        args = [parent.this, *parent.expressions, parent.args.get("expression")]
        literals = [a.this if isinstance(a, exp.Neg) else a for a in args if a is not None]
        if any(isinstance(a, exp.Literal) and not a.is_string for a in literals):
            return DOUBLE
    if isinstance(parent, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg)):
        return DOUBLE
    name = function_name(parent) if parent is not None else ""
    if name in ("SUM", "AVG"):
        return DOUBLE
    if name == "DESCRIPTOR" or (
        name in GROUP_WINDOWS and parent is not None and function_args(parent)[:1] == [col]
    ):
        return TIMESTAMP3
    return STRING


def hint_rank(sql_type: SqlType) -> int:
    return {"ARRAY": 3, "TIMESTAMP": 3, "DOUBLE": 2}.get(sql_type.name, 1)


def location_of(node: exp.Expr | None) -> Location:
    if node is None:
        return Location()
    target = node
    for candidate in (node, node.this if isinstance(node.this, exp.Expr) else None):
        if candidate is not None and candidate.meta.get("line"):
            target = candidate
            break
    else:
        ident = node.find(exp.Identifier)
        if ident is not None:
            target = ident
    line = int(target.meta.get("line") or 0)
    col = int(target.meta.get("col") or 0)
    # sqlglot's `col` is where the node's token ends: step back to where it starts (a call's
    # token is its name, so a call is shown at its name, not at its `(`)
    if isinstance(target, exp.Identifier):
        length = len(target.name)
    else:
        start, end = target.meta.get("start"), target.meta.get("end")
        length = end - start + 1 if isinstance(start, int) and isinstance(end, int) else 0
    return Location("", line, max(col - length + 1, 1) if line else 0)


def aggregate_calls(node: exp.Expr, user: frozenset[str] = frozenset()) -> list[exp.Expr]:
    """The aggregate calls of `node` itself (`user`: declared aggregate UDFs): not those under an
    OVER window or in a subquery (one pruned walk: linear in the size of `node`)."""
    found: list[exp.Expr] = []
    calls: Iterator[exp.Expr]
    if node.find(exp.Window, exp.Subquery) is None:  # the common case, without Python per node
        calls = node.find_all(exp.Func)
    else:
        calls = node.walk(prune=lambda n: isinstance(n, (exp.Window, exp.Subquery)))
    for sub in calls:
        if not isinstance(sub, exp.Func):
            continue
        name = function_name(sub)
        if name in AGGREGATES or name in user or isinstance(sub, exp.AggFunc):
            found.append(sub)
    return found


def rank_limit(where: exp.Expr | None, column: str) -> int | None:
    if where is None:
        return None
    for node in where.find_all(exp.EQ, exp.LT, exp.LTE):
        left, right = node.this, node.expression
        if (
            isinstance(left, exp.Column)
            and left.name == column
            and isinstance(right, exp.Literal)
            and not right.is_string
            and str(right.this).isdigit()  # the tokenizer caps its length (MAX_EXACT_DIGITS)
        ):
            value = int(str(right.this))
            return value - 1 if isinstance(node, exp.LT) else value
    return None


def output_name(expr: exp.Expr) -> str:
    if isinstance(expr, exp.Alias):
        return str(expr.alias)
    if isinstance(expr, exp.Column):
        return str(expr.name)
    if isinstance(expr, exp.Dot):
        return str(expr.expression.name)
    return ""


def did_you_mean_or_known(name: str, known: list[str]) -> str:
    """`did_you_mean`, else the first known names."""
    return did_you_mean(name, known) or (
        f"known: {', '.join(sorted(set(known))[:12])}" if known else ""
    )
