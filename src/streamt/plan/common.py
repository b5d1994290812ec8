"""Change builders shared by every resource kind's planner (pure)."""

from __future__ import annotations

from streamt.artifacts.plan_file import (
    Action,
    AttributeChange,
    Change,
    ConnectorPayload,
    GatewayRulePayload,
    ResourceKind,
    SubjectPayload,
    TopicPayload,
)
from streamt.plan.ledger import LedgerEntry

NamedPayload = TopicPayload | SubjectPayload | ConnectorPayload | GatewayRulePayload


def change(
    kind: ResourceKind,
    desired: NamedPayload,
    node: str,
    action: Action,
    reason: str,
    attrs: tuple[AttributeChange, ...] = (),
    *,
    hint: str = "",
) -> Change:
    """A change to the resource `desired` describes (named by its subject or name)."""
    return Change(
        kind=kind,
        name=desired.subject if isinstance(desired, SubjectPayload) else desired.name,
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
