"""Schema Registry subject rules.

A subject is created when missing; a schema that differs (by meaning, not whitespace) from
the latest registered version becomes a new version when the registry said it is compatible
(asked at observe time), and is refused with the registry's reasons when it is not: an
incompatible schema fails the plan, never half an apply. Removed subjects that streamt
registered are deleted (destructive). A registered subject missing from this project's ledger
is refused unless adopted with `--adopt` (never when another project registered it), and a
new version of an adopted subject needs `--adopt` again (see `streamt.plan.common.Ownership`).
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
from streamt.plan.inputs import Compatibility
from streamt.plan.payloads import canonical_schema
from streamt.resources import (
    Action,
    AttributeChange,
    Change,
    LedgerEntry,
    ResourceKind,
    SubjectSpec,
    SubjectState,
)

KIND = ResourceKind.SUBJECT


def plan_subject(
    desired: SubjectSpec,
    node: str,
    live: SubjectState | None,
    entry: LedgerEntry | None,
    compatibility: Compatibility | None,
    own: Ownership | None = None,
) -> Change:
    own = own or Ownership()
    if live is None:
        return change(KIND, desired, node, Action.CREATE, "new subject")
    same = canonical_schema(desired.schema_type, desired.schema_text) == canonical_schema(
        live.schema_type, live.schema
    )
    if same and entry is not None:
        return change(KIND, desired, node, Action.NOOP, "up to date")
    if same and node.startswith("source."):  # read, never written: recording it changes nothing
        return change(
            KIND,
            desired,
            node,
            Action.ADOPT,
            "registered and matches the source: record, not owned",
        )
    if entry is None and (foreign := unowned_refusal(KIND, desired.subject, node, own)):
        return refusal(KIND, desired, node, foreign)
    if same:
        return change(
            KIND, desired, node, Action.ADOPT, "adopted (--adopt): matches, record, not owned"
        )
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
    if entry is not None and (why := reconfigure_refusal(entry, own)) is not None:
        return change(KIND, desired, node, Action.REFUSED, why[0], attrs, hint=why[1])
    reason = "new schema version (compatible)" if compatibility else "new schema version"
    if entry is None or not entry.owned:
        reason = f"adopted (--adopt): {reason}"
    return change(KIND, desired, node, Action.UPDATE, reason, attrs)


def plan_subject_removal(entry: LedgerEntry, live: SubjectState | None) -> Change | None:
    return owned_removal(KIND, entry, live, "registered")
