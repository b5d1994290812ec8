"""Schema Registry subject rules.

A subject is created when missing; a schema that differs (by meaning, not whitespace) from
the latest registered version becomes a new version when the registry said it is compatible
(asked at observe time), and is refused with the registry's reasons when it is not: an
incompatible schema fails the plan, never half an apply. Removed subjects that streamt
registered are deleted (destructive).
"""

from __future__ import annotations

from streamt.artifacts.plan_file import (
    Action,
    AttributeChange,
    Change,
    ResourceKind,
    SubjectPayload,
)
from streamt.plan.common import change, owned_removal
from streamt.plan.inputs import Compatibility, ObservedSubject
from streamt.plan.ledger import LedgerEntry
from streamt.plan.payloads import canonical_schema

KIND = ResourceKind.SUBJECT


def plan_subject(
    desired: SubjectPayload,
    node: str,
    live: ObservedSubject | None,
    entry: LedgerEntry | None,
    compatibility: Compatibility | None,
) -> Change:
    if live is None:
        return change(KIND, desired, node, Action.CREATE, "new subject")
    same = canonical_schema(desired.schema_type, desired.schema_text) == canonical_schema(
        live.schema_type, live.schema
    )
    if same:
        if entry is None:
            return change(
                KIND, desired, node, Action.ADOPT, "registered and matches: record in the ledger"
            )
        return change(KIND, desired, node, Action.NOOP, "up to date")
    attrs = (AttributeChange(key="version", before=str(live.version), after=str(live.version + 1)),)
    if compatibility is not None and not compatibility.compatible:
        detail = "; ".join(compatibility.messages) or "the registry rejected it"
        return change(
            KIND,
            desired,
            node,
            Action.REFUSED,
            f"schema is incompatible with version {live.version}: {detail}",
            attrs,
            hint="make the change compatible (e.g. add fields with defaults), or publish under "
            "a new subject/topic",
        )
    reason = "new schema version (compatible)" if compatibility else "new schema version"
    return change(KIND, desired, node, Action.UPDATE, reason, attrs)


def plan_subject_removal(entry: LedgerEntry, live: ObservedSubject | None) -> Change | None:
    return owned_removal(KIND, entry, live, "registered")
