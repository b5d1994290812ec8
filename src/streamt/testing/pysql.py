"""Evaluate a custom_sql predicate over Python rows with sqlglot's executor.

The predicate comes as a tree (`streamt.testing.predicate`), is placed in a SELECT built as a tree and run by
`sqlglot.executor`; functions the executor does not know raise `ValueError` with their name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.executor import execute

_INDEX = "__streamt_row"


def matching_rows(predicate: exp.Expr, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Indexes of the rows for which `predicate` is true (rows it cannot judge are not counted)."""
    index = exp.column(exp.to_identifier(_INDEX, quoted=True))
    tree = exp.select(index).from_("t").where(predicate.copy())
    columns = sorted({c.name for c in tree.find_all(exp.Column)} | {_INDEX})
    table = [{c: (i if c == _INDEX else row.get(c)) for c in columns} for i, row in enumerate(rows)]
    if not table:
        return []
    sql = tree.sql()
    try:
        return _run(sql, table)
    except ValueError:
        pass  # one odd row (e.g. a string where numbers are compared): judge rows one by one
    hits: list[int] = []
    errors: list[str] = []
    for row in table:
        try:
            hits.extend(_run(sql, [row]))
        except ValueError as exc:
            errors.append(str(exc))
    if errors and len(errors) == len(table):
        raise ValueError(errors[0])
    return hits


def _run(sql: str, table: list[dict[str, Any]]) -> list[int]:
    try:
        result = execute(sql, tables={"t": table})
    except (sqlglot.errors.SqlglotError, TypeError, NameError) as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    return sorted(int(r[0]) for r in result.rows)
