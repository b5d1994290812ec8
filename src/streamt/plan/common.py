"""Change builders shared by every resource kind's planner (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from streamt.resources import (
    Action,
    AttributeChange,
    Change,
    ConnectorSpec,
    GatewayRuleSpec,
    LedgerEntry,
    ResourceKind,
    SubjectSpec,
    TopicSpec,
)

NamedPayload = TopicSpec | SubjectSpec | ConnectorSpec | GatewayRuleSpec


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
        name=desired.subject if isinstance(desired, SubjectSpec) else desired.name,
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


@dataclass(frozen=True)
class Ownership:
    """Who may touch an existing resource: what the plan knows beyond this project's ledger.

    A resource that exists but is not in this project's ledger is never taken over silently:
    the plan refuses it unless the user adopts its node explicitly (`--adopt`), and refuses it
    always when another project's (or environment's) ledger created it. A resource this project
    adopted earlier (`owned: false` in its ledger) is reconfigured only with `--adopt` again.
    """

    adopt: bool = False  # the user named this resource's node with --adopt
    owner: str | None = None  # "project/environment" of the ledger that created it
    facts: str = ""  # what is known about the live resource, e.g. "12 messages"


def unowned_refusal(
    kind: ResourceKind, name: str, node: str, own: Ownership
) -> tuple[str, str] | None:
    """(reason, hint) refusing an existing resource this project's ledger does not hold."""
    known = f" ({own.facts})" if own.facts else ""
    if own.owner is not None:
        project, _, environment = own.owner.partition("/")
        return (
            f"exists, owned by project {project!r} (environment {environment!r}){known}: "
            "a resource another project created is never adopted",
            f"give this {kind.value} a name of its own (`project: {{prefix: ...}}` in "
            "stream_project.yml or `environment: {prefix: ...}` in environments/<env>.yml, or "
            "advanced.topic.name), or remove it from the other project first",
        )
    if own.adopt:
        return None
    return (
        f"exists, not owned by this project{known}",
        f"check what writes it; to take it over, adopt it explicitly: streamt apply --adopt "
        f"{node_name(node) or name} (recorded as not owned: destroy keeps it)",
    )


def reconfigure_refusal(entry: LedgerEntry, own: Ownership) -> tuple[str, str] | None:
    """(reason, hint) when a change would reconfigure a resource this project only adopted."""
    if entry.owned or own.adopt:
        return None
    return (
        f"this project adopted {entry.kind.value} {entry.name} but did not create it: "
        "changing it changes it for whoever else uses it",
        f"review the change, then confirm it: streamt apply --adopt {node_name(entry.node) or entry.name}",
    )


def node_name(node: str) -> str:
    """`model.shop.orders` -> `orders` (what selectors and `--adopt` take)."""
    return node.rsplit(".", 1)[-1] if node else ""


def refusal(kind: ResourceKind, desired: NamedPayload, node: str, why: tuple[str, str]) -> Change:
    return change(kind, desired, node, Action.REFUSED, why[0], hint=why[1])
