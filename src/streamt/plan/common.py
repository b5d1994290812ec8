"""Change builders shared by every resource kind's planner (pure)."""

from __future__ import annotations

from streamt.artifacts.plan_file import Action, AttributeChange, Change, Payload, ResourceKind
from streamt.plan.ledger import LedgerEntry


def change(
    kind: ResourceKind,
    name: str,
    desired: Payload,
    node: str,
    action: Action,
    reason: str,
    attrs: tuple[AttributeChange, ...] = (),
    *,
    hint: str = "",
) -> Change:
    return Change(
        kind=kind,
        name=name,
        action=action,
        reason=reason,
        node=node,
        attributes=attrs,
        desired=desired,
        hint=hint,
    )


def owned_removal(
    kind: ResourceKind, entry: LedgerEntry, live: object | None, verb: str = "created"
) -> Change | None:
    """Delete a resource that left the project — only if it exists and streamt made it."""
    if live is None or not entry.owned:
        return None
    return Change(
        kind=kind,
        name=entry.name,
        action=Action.DELETE,
        reason=f"no longer in the project; {verb} by streamt",
        node=entry.node,
        destructive=True,
    )
