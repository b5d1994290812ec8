"""Topic change rules, per attribute as terraform-provider-kafka has them. `plan_topic` and
`plan_topic_removal` decide them in code; the table documents the rules, no code reads it:

| attribute          | rule                                                            |
|--------------------|-----------------------------------------------------------------|
| missing            | create                                                          |
| partitions up      | update in place (add partitions)                                |
| partitions down    | refused: Kafka cannot remove partitions                         |
| replication factor | refused: needs a partition reassignment streamt does not run    |
|                    | (a continuous test's own topic keeps its own, noted:           |
|                    | `streamt.plan.test_jobs.plan_desired_topic`)                   |
| config key set     | update in place, compared only on keys the user set, so broker  |
|                    | defaults never show as perpetual drift                          |
| removed + owned    | delete (destructive)                                            |
| exists, no entry   | refused ("exists, not owned by this project") unless `--adopt`; |
|                    | refused always when another project's ledger created it         |
| adopted, differs   | refused unless `--adopt` again: it is someone else's topic too  |
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    LedgerEntry,
    ResourceKind,
    TopicSpec,
    TopicState,
)

KIND = ResourceKind.TOPIC


def plan_topic(
    desired: TopicSpec,
    live: TopicState | None,
    entry: LedgerEntry | None,
    own: Ownership | None = None,
) -> Change:
    own, node = own or Ownership(), desired.node
    if live is None:
        reason = "missing (was deleted outside streamt)" if entry and entry.owned else "new topic"
        attrs = (
            AttributeChange(key="partitions", after=str(desired.partitions)),
            AttributeChange(key="replication_factor", after=str(desired.replication_factor)),
            *(AttributeChange(key=k, after=v) for k, v in desired.config.items()),
        )
        return change(KIND, desired, node, Action.CREATE, reason, attrs)
    foreign = unowned_refusal(KIND, desired.name, node, own) if entry is None else None
    if foreign is not None:
        return refusal(KIND, desired, node, foreign)
    refused = _refusal(desired, node, live)
    if refused is not None:
        return refused
    attrs = _attribute_changes(desired, live)
    if attrs and entry is not None and (why := reconfigure_refusal(entry, own)) is not None:
        return change(KIND, desired, node, Action.REFUSED, why[0], attrs, hint=why[1])
    if attrs:
        not_ours = entry is None or not entry.owned  # reaching here means --adopt named it
        reason = "adopted (--adopt): update in place, not owned" if not_ours else "update in place"
        return change(KIND, desired, node, Action.UPDATE, reason, attrs)
    if entry is None:
        return change(
            KIND, desired, node, Action.ADOPT, "adopted (--adopt): record in the ledger, not owned"
        )
    return change(KIND, desired, node, Action.NOOP, "up to date")


def _refusal(desired: TopicSpec, node: str, live: TopicState) -> Change | None:
    if desired.partitions < live.partitions:
        return change(
            KIND,
            desired,
            node,
            Action.REFUSED,
            f"partition decrease {live.partitions} -> {desired.partitions}: Kafka cannot "
            "remove partitions from a topic",
            (
                AttributeChange(
                    key="partitions", before=str(live.partitions), after=str(desired.partitions)
                ),
            ),
            hint=f"keep partitions >= {live.partitions}, or publish to a new topic name "
            "(advanced.topic.name) and delete the old one with --allow-destructive",
        )
    if desired.replication_factor != live.replication_factor:
        return change(
            KIND,
            desired,
            node,
            Action.REFUSED,
            f"replication factor change {live.replication_factor} -> "
            f"{desired.replication_factor} needs a partition reassignment",
            (
                AttributeChange(
                    key="replication_factor",
                    before=str(live.replication_factor),
                    after=str(desired.replication_factor),
                ),
            ),
            hint=f"set replication_factor to {live.replication_factor}, or reassign "
            "partitions with kafka-reassign-partitions first",
        )
    return None


def _attribute_changes(desired: TopicSpec, live: TopicState) -> tuple[AttributeChange, ...]:
    attrs: list[AttributeChange] = []
    if desired.partitions > live.partitions:
        attrs.append(
            AttributeChange(
                key="partitions", before=str(live.partitions), after=str(desired.partitions)
            )
        )
    for key, value in desired.config.items():
        current = live.config.get(key)
        if current != value:
            attrs.append(AttributeChange(key=key, before=current, after=value))
    return tuple(attrs)


def plan_topic_removal(entry: LedgerEntry, live: TopicState | None) -> Change | None:
    return owned_removal(KIND, entry, live)


def refuse_colliding(changes: Sequence[Change], collisions: Mapping[str, str]) -> list[Change]:
    """Topic creations Kafka would refuse: their name collides with a live topic's
    (`LiveState.collisions`), REFUSED before anything is applied."""
    out = []
    for c in changes:
        other = collisions.get(c.name) if c.kind is KIND and c.action is Action.CREATE else None
        if other is None:
            out.append(c)
            continue
        reason = (
            f"Kafka refuses this name: it collides with the existing topic {other!r} (names "
            "that differ only in '.' and '_' cannot both exist)"
        )
        hint = "give the model another topic name (advanced.topic.name) or another name"
        out.append(c.model_copy(update={"action": Action.REFUSED, "reason": reason, "hint": hint}))
    return out
