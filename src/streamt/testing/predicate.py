"""custom_sql predicates as trees: parsed alone, checked, never pasted into SQL text.

`violation_tree(spec)` is the condition true for a violating row: the user's `where` parsed on
its own as one boolean expression, or `NOT (check)` built as a tree (so `check: "a) OR (TRUE"`
cannot leave the parentheses: it does not parse). The expression may read only the row: no
subquery, no table; and every token the generator writes verbatim passes the same allow-list
as a model's query (`streamt.sql.emitted`). `PredicateError` carries the reason. No I/O.

A predicate has at most `MAX_PREDICATE_NODES` (250) tree nodes: sample tests evaluate it with
sqlglot's executor, whose cost grows faster than the predicate (100 OR'd terms take a second
per evaluation, a few thousand never finish); long value lists belong in `IN (...)`.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from streamt.sql.dialect import DIALECT
from streamt.sql.emitted import emitted_token_problems
from streamt.testing.assertions import CustomSql

MAX_PREDICATE_NODES = 250


class PredicateError(ValueError):
    """A custom_sql predicate that is not one boolean expression over the row."""


def predicate_tree(text: str) -> exp.Expr:
    """`text` parsed as one Flink SQL boolean expression (raises `PredicateError`)."""
    try:
        tree = sqlglot.parse_one(text, read=DIALECT, into=exp.Condition)
    except RecursionError:
        raise PredicateError("nested too deeply") from None
    except sqlglot.errors.SqlglotError as exc:
        first = exc.errors[0] if isinstance(exc, sqlglot.errors.ParseError) and exc.errors else {}
        detail = str(first.get("description") or "").strip()
        near = str(first.get("highlight") or "").strip()
        reason = "not a single boolean expression"
        if detail:
            reason += f" ({detail}{f' near {near!r}' if near else ''})"
        raise PredicateError(reason) from None
    terms = tree.walk(prune=lambda n: isinstance(n, exp.In))  # a value list is one term
    if any(i > MAX_PREDICATE_NODES for i, _ in enumerate(terms)):
        raise PredicateError(
            f"longer than {MAX_PREDICATE_NODES} terms; write long value lists as IN (...)"
        )
    if tree.find(exp.Query, exp.Subquery, exp.Table) is not None:
        raise PredicateError("a predicate reads only the row: no subquery or table")
    problems = emitted_token_problems(tree)
    if problems:
        raise PredicateError(problems[0][1])
    return tree


def violation_tree(spec: CustomSql) -> exp.Expr:
    """The condition true for a violating row (`check` negated as a tree)."""
    tree = predicate_tree(spec.predicate)
    return exp.Not(this=exp.Paren(this=tree)) if spec.negate else tree


def predicate_columns(spec: CustomSql) -> list[str] | str:
    """Column names the predicate reads, or why it is not a valid predicate."""
    try:
        tree = predicate_tree(spec.predicate)
    except PredicateError as exc:
        return str(exc)
    return sorted({c.name for c in tree.find_all(exp.Column)})
