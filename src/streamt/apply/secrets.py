"""`${VAR}` references in a plan, bound to their values in memory at apply time only.

A reference is a value, never text: it is bound into the *value* of an option — a connector or
job config entry, or the option value literal of a `SET` / `CREATE TABLE ... WITH` statement,
regenerated with the generator's quoting (`streamt.sql.options`) — and inside a JAAS config it is
escaped for Kafka's JAAS parser (`streamt.config.jaas`). A `${...}` anywhere else in a statement
(a string literal in a model's query) is not a reference: it reaches Flink as written.

Before any step runs, every reference the plan's payloads use must resolve: a missing variable
fails the whole apply up front (never half-way). Bound values are handed to the adapters and
never stored, logged or written to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streamt.config.env import missing_variables
from streamt.diagnostics import Diagnostic, StreamtError
from streamt.resources import ConnectorSpec, JobSpec, Plan
from streamt.sql.options import bound_config, bound_statements, option_values

__all__ = ["bound_config", "bound_statements", "check_variables", "references"]


def references(plan: Plan) -> Iterable[tuple[str, str]]:
    """(resource address, option value) for every option value a reference may sit in."""
    for change in plan.pending:
        payload = change.desired
        if isinstance(payload, JobSpec):
            for statement in payload.statements:
                yield from ((change.address, o.value) for o in option_values(statement))
            yield from ((change.address, v) for v in payload.config.values())
        elif isinstance(payload, ConnectorSpec):
            yield from ((change.address, v) for v in payload.config.values())


def check_variables(plan: Plan, environ: Mapping[str, str]) -> None:
    missing: dict[str, set[str]] = {}
    for address, text in references(plan):
        for name in missing_variables(text, environ):
            missing.setdefault(name, set()).add(address)
    if missing:
        raise StreamtError(
            [
                Diagnostic(
                    "A004",
                    f"environment variable {name} is not set (used by {', '.join(sorted(where))})",
                    hint=f"export {name}=... or put it in .env; nothing was applied",
                )
                for name, where in sorted(missing.items())
            ]
        )
