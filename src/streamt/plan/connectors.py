"""Kafka Connect connector rules: updated in place (PUT config), never deleted and recreated.

The desired config keeps its `${VAR}` placeholders, while Connect returns resolved values,
so the config is compared with the ledger's copy of the last applied (placeholder) config,
and edits made outside streamt are found by comparing the public (non-secret) live config
with the digest recorded right after the last apply. A connector missing from this project's
ledger is refused unless adopted with `--adopt` (see `streamt.plan.common.Ownership`); an
adopted one is reconfigured only with `--adopt` again.
"""

from __future__ import annotations

from collections.abc import Mapping

from streamt.plan.common import (
    Ownership,
    change,
    owned_removal,
    reconfigure_refusal,
    refusal,
    unowned_refusal,
)
from streamt.plan.secrets import display, public_config, sensitive_keys
from streamt.resources import (
    Action,
    AttributeChange,
    Change,
    ConnectorSpec,
    ConnectorState,
    EntryStatus,
    LedgerEntry,
    ResourceKind,
    digest,
)

KIND = ResourceKind.CONNECTOR


def live_config_digest(config: dict[str, str], desired: ConnectorSpec) -> str:
    return digest(public_config(config, sensitive_keys(desired.config)))


def plan_connector(
    desired: ConnectorSpec,
    node: str,
    live: ConnectorState | None,
    entry: LedgerEntry | None,
    own: Ownership | None = None,
) -> Change:
    own = own or Ownership()
    secret = sensitive_keys(desired.config)
    if live is None:
        attrs = tuple(
            AttributeChange(key=k, after=display(k, v, secret)) for k, v in desired.config.items()
        )
        return change(KIND, desired, node, Action.CREATE, "new connector", attrs)
    if entry is None and (foreign := unowned_refusal(KIND, desired.name, node, own)):
        return refusal(KIND, desired, node, foreign)
    if entry is None or entry.status is not EntryStatus.APPLIED:
        attrs = _diff(dict(live.config), desired.config, secret)
        why = "adopted (--adopt), not owned" if entry is None else "finishing an interrupted apply"
        return change(KIND, desired, node, Action.UPDATE, f"{why}: set its config", attrs)
    before = entry.spec.config if isinstance(entry.spec, ConnectorSpec) else {}
    attrs = _diff(before, desired.config, secret)
    if attrs and (refused := reconfigure_refusal(entry, own)) is not None:
        return change(KIND, desired, node, Action.REFUSED, refused[0], attrs, hint=refused[1])
    if attrs:
        return change(KIND, desired, node, Action.UPDATE, "config changed: update in place", attrs)
    if entry.live_digest and live_config_digest(dict(live.config), desired) != entry.live_digest:
        attrs = _diff(dict(live.config), desired.config, secret, placeholders_equal=True)
        if (refused := reconfigure_refusal(entry, own)) is not None:
            return change(KIND, desired, node, Action.REFUSED, refused[0], attrs, hint=refused[1])
        return change(
            KIND,
            desired,
            node,
            Action.UPDATE,
            "config was edited outside streamt: restore it",
            attrs,
        )
    return change(KIND, desired, node, Action.NOOP, "up to date")


def _diff(
    before: Mapping[str, str],
    after: Mapping[str, str],
    secret: frozenset[str],
    *,
    placeholders_equal: bool = False,
) -> tuple[AttributeChange, ...]:
    attrs = []
    for key in sorted(set(before) | set(after)):
        if key == "name" or before.get(key) == after.get(key):
            continue
        if placeholders_equal and key in secret and key in before:
            continue  # a resolved secret vs its placeholder: not comparable, not shown
        attrs.append(
            AttributeChange(
                key=key,
                before=display(key, before.get(key), secret),
                after=display(key, after.get(key), secret),
            )
        )
    return tuple(attrs)


def plan_connector_removal(entry: LedgerEntry, live: ConnectorState | None) -> Change | None:
    return owned_removal(KIND, entry, live)
