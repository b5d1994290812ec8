"""Argument counts of built-in calls (S031): each call as written (`dialect.written_calls`)
against the counts its documented signature allows (`functions.Builtin`).

Counted from the tokens, not the tree: the parser regroups some calls (`POSITION`), defaults
missing arguments (`LOG10(x)` becomes `LOG(10, x)`) and drops extra ones (`ARRAY_APPEND(a, b,
c)` keeps two). Calls in a function's own syntax, functions whose signature is a bare name and
the project's user-defined functions are not checked. No I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.sql.dialect import WrittenCall
from streamt.sql.functions import AGGREGATES, RANKING, SCALARS, Builtin


def builtin(name: str) -> Builtin | None:
    """The built-in called `name` (upper case), as the expression typer looks it up."""
    return AGGREGATES.get(name) or RANKING.get(name) or SCALARS.get(name)


def arity_problems(calls: Iterable[WrittenCall], user: Collection[str]) -> list[Diagnostic]:
    """S031 for each call to a built-in with a count its signature does not allow (`user`: the
    project's function names, upper case, never checked)."""
    problems: list[Diagnostic] = []
    for call in calls:
        fn = None if call.name in user else builtin(call.name)
        if fn is None or call.args is None or not fn.checked or fn.accepts(call.args):
            continue
        problems.append(
            Diagnostic(
                "S031",
                f"{fn.name} takes {expected(fn)}, given {call.args}",
                Severity.ERROR,
                Location("", call.line, call.col),
                hint=fn.signature.replace(" | ", " or "),
            )
        )
    return problems


def expected(fn: Builtin) -> str:
    """`fn`'s accepted counts in words: "no arguments", "2 arguments", "1 or 2 arguments",
    "2 to 4 arguments", "at least 1 argument"."""
    counts = sorted(fn.counts)
    if fn.more:
        low = counts[0]
        return f"at least {low} argument{'' if low == 1 else 's'}"
    if counts == [0]:
        return "no arguments"
    plural = "argument" if counts == [1] else "arguments"
    if len(counts) == 1:
        return f"{counts[0]} {plural}"
    if len(counts) > 2 and counts == list(range(counts[0], counts[-1] + 1)):
        return f"{counts[0]} to {counts[-1]} {plural}"
    return f"{', '.join(map(str, counts[:-1]))} or {counts[-1]} {plural}"
