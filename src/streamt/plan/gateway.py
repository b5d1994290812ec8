"""Conduktor Gateway virtual topics (one `VirtualSqlTopicPlugin` interceptor per rule).

The statement the Gateway runs is built by compile (compile/gateway.py) and carried by the
payload; rules are compared with the ledger's copy of the last applied rule (its filter and
fields, or the whole statement when only its spelling changed); edits made outside streamt are found by comparing the live
interceptor config with the digest recorded right after the last apply. An interceptor of that
name that this project's ledger does not hold is refused like any other resource (`--adopt`
takes it over; another project's is never taken).
"""

from __future__ import annotations

from streamt.plan.common import (
    Ownership,
    change,
    owned_removal,
    reconfigure_refusal,
    refusal,
    unowned_refusal,
)
from streamt.resources import (
    Action,
    AttributeChange,
    Change,
    EntryStatus,
    GatewayRuleSpec,
    InterceptorState,
    LedgerEntry,
    ResourceKind,
    digest,
)

KIND = ResourceKind.GATEWAY_RULE


def plan_gateway_rule(
    desired: GatewayRuleSpec,
    node: str,
    live: InterceptorState | None,
    entry: LedgerEntry | None,
    own: Ownership | None = None,
) -> Change:
    own = own or Ownership()
    if live is None:
        what = "new masking interceptor" if desired.masked_fields else "new virtual topic"
        return change(KIND, desired, node, Action.CREATE, what, _diff(None, desired))
    if entry is None and (foreign := unowned_refusal(KIND, desired.name, node, own)):
        return refusal(KIND, desired, node, foreign)
    if entry is None or entry.status is not EntryStatus.APPLIED:
        why = "adopted (--adopt), not owned" if entry is None else "finishing an interrupted apply"
        return change(KIND, desired, node, Action.UPDATE, f"{why}: set the interceptor")
    before = entry.spec if isinstance(entry.spec, GatewayRuleSpec) else None
    attrs = _diff(before, desired)
    edited = bool(entry.live_digest) and digest(live.config_json) != entry.live_digest
    if (attrs or edited) and (refused := reconfigure_refusal(entry, own)) is not None:
        return change(KIND, desired, node, Action.REFUSED, refused[0], attrs, hint=refused[1])
    if attrs:
        return change(KIND, desired, node, Action.UPDATE, "rule changed: update in place", attrs)
    if edited:
        return change(
            KIND, desired, node, Action.UPDATE, "interceptor was edited outside streamt: restore it"
        )
    return change(KIND, desired, node, Action.NOOP, "up to date")


def plan_gateway_rule_removal(entry: LedgerEntry, live: InterceptorState | None) -> Change | None:
    return owned_removal(KIND, entry, live)


def _diff(before: GatewayRuleSpec | None, after: GatewayRuleSpec) -> tuple[AttributeChange, ...]:
    pairs = (
        ("physical_topic", before.physical_topic if before else None, after.physical_topic),
        ("where", before.where if before else None, after.where),
        ("columns", _columns(before) if before else None, _columns(after)),
        ("masked_fields", _masked(before) if before else None, _masked(after)),
    )
    changed = tuple(
        AttributeChange(key=k, before=b, after=a) for k, b, a in pairs if b != a and (a or b)
    )
    if before is not None and not changed and before.statement != after.statement:
        return (AttributeChange(key="statement", before=before.statement, after=after.statement),)
    return changed


def _columns(rule: GatewayRuleSpec) -> str:
    return ", ".join(rule.columns) or ("*" if rule.statement else "")


def _masked(rule: GatewayRuleSpec) -> str:
    return ", ".join(rule.masked_fields)
