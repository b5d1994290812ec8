"""A plan as a value: the ordered `Change`s that turn live infrastructure into the compiled
project, each carrying everything apply needs (the desired resource, the live job to stop),
plus a fingerprint of the inputs (desired, live, ledger) so apply can refuse a plan made
against a world that has since changed. `streamt.artifacts.plan_file` writes it as
`plan.json`. `${VAR}` placeholders stay placeholders: secrets are resolved only in memory at
apply time.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from streamt.resources.connector import ConnectorSpec
from streamt.resources.frozen import FrozenModel
from streamt.resources.gateway_rule import GatewayRuleSpec
from streamt.resources.job import JobSpec
from streamt.resources.kinds import Action, ResourceKind
from streamt.resources.subject import SubjectSpec
from streamt.resources.topic import TopicSpec
from streamt.resources.value import with_node

PLAN_SCHEMA_VERSION = 1


Payload = Annotated[
    TopicSpec | SubjectSpec | JobSpec | ConnectorSpec | GatewayRuleSpec,
    Field(discriminator="type"),
]


class AttributeChange(FrozenModel):
    """One attribute's before/after as shown to people. Sensitive values are masked."""

    key: str
    before: str | None = None
    after: str | None = None


class Change(FrozenModel):
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

    @model_validator(mode="before")
    @classmethod
    def _node_of_desired(cls, data: object) -> object:
        return with_node(data, "desired")

    @property
    def executable(self) -> bool:
        return self.action is not Action.REFUSED

    @property
    def is_change(self) -> bool:
        return self.action is not Action.NOOP

    @property
    def address(self) -> str:
        return f"{self.kind.value}.{self.name}"


class InputFingerprints(FrozenModel):
    desired: str
    live: str
    ledger: str

    @property
    def combined(self) -> str:
        return f"{self.desired}-{self.live}-{self.ledger}"


class PlanMetadata(FrozenModel):
    """Volatile fields: excluded from equality of plans made from the same inputs."""

    streamt_version: str = ""
    generated_at: str = ""


class Plan(FrozenModel):
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
