"""`${VAR}` placeholders in a plan, resolved in memory at apply time only.

Before any step runs, every placeholder the plan's payloads use must resolve: a missing
variable fails the whole apply up front (never half-way). Resolved values are handed to the
adapters and never stored, logged or written to the ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from streamt.artifacts.plan_file import ConnectorPayload, JobPayload, Plan
from streamt.config.env import missing_variables, resolve
from streamt.diagnostics import Diagnostic, StreamtError


def _texts(plan: Plan) -> Iterable[tuple[str, str]]:
    for change in plan.pending:
        payload = change.desired
        if isinstance(payload, JobPayload):
            for statement in payload.statements:
                yield change.address, statement
            yield from ((change.address, v) for v in payload.config.values())
        elif isinstance(payload, ConnectorPayload):
            yield from ((change.address, v) for v in payload.config.values())


def check_variables(plan: Plan, environ: Mapping[str, str]) -> None:
    missing: dict[str, set[str]] = {}
    for address, text in _texts(plan):
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


def resolved_map(values: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    return {k: resolve(v, environ) for k, v in values.items()}


def resolved_list(values: Iterable[str], environ: Mapping[str, str]) -> list[str]:
    return [resolve(v, environ) for v in values]
