"""Conduktor Gateway virtual topics (one `VirtualSqlTopicPlugin` interceptor per rule).

The statement the Gateway runs is built by the adapter, so rules are compared with the ledger's
copy of the last applied rule; edits made outside streamt are found by comparing the live
interceptor config with the digest recorded right after the last apply. A rule whose
interceptor exists but is not in the ledger is (re)written, since PUT is idempotent.
"""

from __future__ import annotations

from streamt.plan.common import change, owned_removal
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
) -> Change:
    if live is None:
        return change(KIND, desired, node, Action.CREATE, "new virtual topic", _diff(None, desired))
    if entry is None or entry.status is not EntryStatus.APPLIED:
        return change(
            KIND,
            desired,
            node,
            Action.UPDATE,
            "interceptor exists but is not in the ledger: set it",
        )
    before = entry.spec if isinstance(entry.spec, GatewayRuleSpec) else None
    attrs = _diff(before, desired)
    if attrs:
        return change(KIND, desired, node, Action.UPDATE, "rule changed: update in place", attrs)
    if entry.live_digest and digest(live.config_json) != entry.live_digest:
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
    )
    return tuple(
        AttributeChange(key=k, before=b, after=a) for k, b, a in pairs if b != a and (a or b)
    )


def _columns(rule: GatewayRuleSpec) -> str:
    return ", ".join(rule.columns) or "*"
