"""streamt.resources: the values every deployable resource is, from compile to the ledger.

One frozen, serialisable value per resource kind (`TopicSpec`, ...) that compile emits,
`manifest.json` / `plan.json` and the ledger serialise, plan diffs and apply hands to the
adapters; what the systems report (`TopicState`, `SubjectState`, `JobState`,
`ConnectorState`, `InterceptorState`); the closed vocabularies (`ResourceKind`, `Action`);
the diff (`Change`, `Plan`) and the ledger record (`LedgerEntry`). Pure: no I/O, imports
nothing of streamt but itself.
"""

from streamt.resources.connector import ConnectorSpec
from streamt.resources.fingerprint import Fingerprint, digest
from streamt.resources.gateway_rule import GatewayRuleSpec
from streamt.resources.kinds import KIND_ORDER, Action, ResourceKind
from streamt.resources.ledger import (
    LEDGER_SCHEMA_VERSION,
    EntryStatus,
    JobVersion,
    LedgerEntry,
    ledger_key,
    ledger_prefix,
)
from streamt.resources.observed import ConnectorState, InterceptorState, JobState, SubjectState
from streamt.resources.payloads import JobPayload
from streamt.resources.plan import (
    PLAN_SCHEMA_VERSION,
    AttributeChange,
    Change,
    InputFingerprints,
    Payload,
    Plan,
    PlanMetadata,
)
from streamt.resources.subject import SubjectSpec
from streamt.resources.topic import TopicSpec, TopicState

__all__ = [
    "KIND_ORDER",
    "LEDGER_SCHEMA_VERSION",
    "PLAN_SCHEMA_VERSION",
    "Action",
    "AttributeChange",
    "Change",
    "ConnectorSpec",
    "ConnectorState",
    "EntryStatus",
    "Fingerprint",
    "GatewayRuleSpec",
    "InputFingerprints",
    "InterceptorState",
    "JobPayload",
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
