"""streamt.resources: the values every deployable resource is, from compile to the ledger.

One frozen, serialisable value per resource kind (`TopicSpec`, ...) that compile emits,
`manifest.json` / `plan.json` and the ledger serialise, plan diffs and apply hands to the
adapters; what the systems report (`TopicState`, `SubjectState`, `JobState`,
`ConnectorState`, `InterceptorState`); the closed vocabularies (`ResourceKind`, `Action`);
the diff (`Change`, `Plan`) and the ledger record (`LedgerEntry`). Pure: no I/O, imports
nothing of streamt but itself.
"""

from typing import TYPE_CHECKING, Any

from streamt.resources.connector import ConnectorSpec
from streamt.resources.fingerprint import digest
from streamt.resources.gateway_rule import GatewayRuleSpec
from streamt.resources.job import ChangelogMode, JobSpec
from streamt.resources.kinds import KIND_ORDER, Action, ResourceKind
from streamt.resources.subject import SubjectSpec
from streamt.resources.topic import TopicSpec, TopicState

if TYPE_CHECKING:
    from streamt.resources.ledger import (
        LEDGER_SCHEMA_VERSION,
        EntryStatus,
        JobVersion,
        LedgerEntry,
        ledger_key,
        ledger_prefix,
    )
    from streamt.resources.observed import (
        ConnectorState,
        InterceptorState,
        JobState,
        SubjectState,
    )
    from streamt.resources.plan import (
        PLAN_SCHEMA_VERSION,
        AttributeChange,
        Change,
        InputFingerprints,
        Payload,
        Plan,
        PlanMetadata,
    )

# imported on first use: `validate` and `compile` need the values, not the plan and ledger
# models (whose pydantic schemas take a while to build)
_LAZY = {
    "streamt.resources.ledger": (
        "LEDGER_SCHEMA_VERSION",
        "EntryStatus",
        "JobVersion",
        "LedgerEntry",
        "ledger_key",
        "ledger_prefix",
    ),
    "streamt.resources.observed": (
        "ConnectorState",
        "InterceptorState",
        "JobState",
        "SubjectState",
    ),
    "streamt.resources.plan": (
        "PLAN_SCHEMA_VERSION",
        "AttributeChange",
        "Change",
        "InputFingerprints",
        "Payload",
        "Plan",
        "PlanMetadata",
    ),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    import importlib

    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'streamt.resources' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "KIND_ORDER",
    "LEDGER_SCHEMA_VERSION",
    "PLAN_SCHEMA_VERSION",
    "Action",
    "AttributeChange",
    "Change",
    "ChangelogMode",
    "ConnectorSpec",
    "ConnectorState",
    "EntryStatus",
    "GatewayRuleSpec",
    "InputFingerprints",
    "InterceptorState",
    "JobSpec",
    "JobState",
    "JobVersion",
    "LedgerEntry",
    "Payload",
    "Plan",
    "PlanMetadata",
    "ResourceKind",
    "SubjectSpec",
    "SubjectState",
    "TopicSpec",
    "TopicState",
    "digest",
    "ledger_key",
    "ledger_prefix",
]
