"""`plan.json`: the versioned contract between `streamt plan` and `streamt apply --plan`.

A `Plan` is a frozen value: the ordered `Change`s that turn live infrastructure into the
compiled project, each carrying everything apply needs to execute it (the desired payload,
the live job to stop), plus a fingerprint of the inputs (desired, live, ledger) so apply can
refuse a plan made against a world that has since changed. `${VAR}` placeholders stay
placeholders here: secrets are resolved only in memory at apply time.

The JSON Schema in `schemas/plan.schema.json` is generated from these models
(`plan_json_schema()`); a test fails when the committed copy differs.
"""

from __future__ import annotations

import enum
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from streamt.diagnostics import Diagnostic, Location, StreamtError

PLAN_SCHEMA_VERSION = 1


class Action(str, enum.Enum):
    CREATE = "create"  # the resource does not exist
    UPDATE = "update"  # change in place: topic config, partition increase, connector config, schema version
    UPGRADE = "upgrade"  # Flink job: stop with savepoint, resubmit from it
    REPLACE = "replace"  # destroy and recreate (a job restarted without its state)
    DELETE = "delete"  # removed from the project and owned by streamt
    ADOPT = "adopt"  # exists and matches; record it in the ledger without touching it
    NOOP = "noop"  # nothing to do
    REFUSED = "refused"  # a change streamt will not make (partition decrease, failed job, ...)


class ResourceKind(str, enum.Enum):
    SUBJECT = "subject"
    TOPIC = "topic"
    JOB = "flink_job"
    CONNECTOR = "connector"
    GATEWAY_RULE = "gateway_rule"


KIND_ORDER: tuple[ResourceKind, ...] = tuple(ResourceKind)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicPayload(_Frozen):
    type: Literal["topic"] = "topic"
    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = Field(default_factory=dict)


class SubjectPayload(_Frozen):
    type: Literal["subject"] = "subject"
    subject: str
    schema_type: str
    schema_text: str
    compatibility: str | None = None


class JobPayload(_Frozen):
    type: Literal["flink_job"] = "flink_job"
    pipeline_name: str
    statements: tuple[str, ...]
    config: dict[str, str] = Field(default_factory=dict)
    query: str = ""
    sink_topic: str = ""
    source_topics: tuple[str, ...] = ()
    data_fingerprint: str = ""
    metadata_fingerprint: str = ""


class ConnectorPayload(_Frozen):
    type: Literal["connector"] = "connector"
    name: str
    config: dict[str, str]  # placeholders kept: `${VAR}` is resolved in memory at apply time
    topics: tuple[str, ...] = ()


class GatewayRulePayload(_Frozen):
    type: Literal["gateway_rule"] = "gateway_rule"
    name: str
    physical_topic: str
    where: str = ""
    columns: tuple[str, ...] = ()
    statement: str = ""  # what the Gateway runs (compile/gateway.py); where/columns are its parts


Payload = Annotated[
    TopicPayload | SubjectPayload | JobPayload | ConnectorPayload | GatewayRulePayload,
    Field(discriminator="type"),
]


class AttributeChange(_Frozen):
    """One attribute's before/after as shown to people. Sensitive values are masked."""

    key: str
    before: str | None = None
    after: str | None = None


class Change(_Frozen):
    kind: ResourceKind
    name: str
    action: Action
    reason: str
    node: str = ""
    destructive: bool = False
    state_breaking: bool = False
    attributes: tuple[AttributeChange, ...] = ()
    desired: Payload | None = None  # what apply creates / updates to; None for delete
    live_job_id: str | None = None  # the running job an upgrade / delete / replace stops
    restore_from: str | None = None  # savepoint a job is (re)submitted from
    hint: str = ""  # for REFUSED: how to get out
    external: bool = False  # created for a job to start (a missing source topic), never owned

    @property
    def executable(self) -> bool:
        return self.action is not Action.REFUSED

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NOOP

    @property
    def address(self) -> str:
        return f"{self.kind.value}.{self.name}"


class InputFingerprints(_Frozen):
    desired: str
    live: str
    ledger: str

    @property
    def combined(self) -> str:
        return f"{self.desired}-{self.live}-{self.ledger}"


class PlanMetadata(_Frozen):
    """Volatile fields: excluded from equality of plans made from the same inputs."""

    streamt_version: str = ""
    generated_at: str = ""


class Plan(_Frozen):
    schema_version: int = PLAN_SCHEMA_VERSION
    project: str
    environment: str
    fingerprint: InputFingerprints
    changes: tuple[Change, ...] = ()
    scope: tuple[str, ...] | None = None  # node ids the plan was limited to (--select/--target)
    adopt: tuple[str, ...] = ()  # node ids whose existing resources the user adopted (--adopt)
    metadata: PlanMetadata = Field(default_factory=PlanMetadata)

    @property
    def pending(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.is_change)

    @property
    def refused(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is Action.REFUSED)

    @property
    def has_changes(self) -> bool:
        return bool(self.pending)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)


def plan_to_json(plan: Plan) -> str:
    """Deterministic JSON text (sorted keys, trailing newline)."""
    data = plan.model_dump(mode="json")
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def plan_from_json(text: str, *, source: str = "plan.json") -> Plan:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(source, f"not JSON: {exc.msg} at line {exc.lineno}") from None
    except (ValueError, RecursionError):  # integers past 4,300 digits, nesting past recursion
        raise _bad(source, "not a plan: too deeply nested or a number too long") from None
    if not isinstance(raw, dict):
        raise _bad(source, "expected a JSON object")
    version = raw.get("schema_version")
    if version != PLAN_SCHEMA_VERSION:
        raise _bad(
            source,
            f"schema_version {version!r} is not supported (this streamt writes {PLAN_SCHEMA_VERSION})",
        )
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _bad(source, f"invalid plan file at {where}: {first['msg']}") from None


def plan_json_schema() -> dict[str, object]:
    schema = Plan.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://streamt.dev/schemas/plan.v{PLAN_SCHEMA_VERSION}.json"
    return schema


def _bad(source: str, message: str) -> StreamtError:
    return StreamtError(
        Diagnostic(
            "P010",
            message,
            location=Location(source),
            hint="write a fresh plan with `streamt plan --out plan.json`",
        )
    )
