"""The deployment ledger's records: what streamt created, per project + environment.

Pure values. `streamt.state.ledger` stores them in a compacted Kafka topic keyed by
`<project>/<environment>/<kind>/<name>`; a tombstone removes a resource from the ledger.

An entry records the last applied payload (so plans can diff what live state cannot show: a
job's SQL, a connector's config with its `${VAR}` placeholders), its fingerprints, the job id
and savepoints, and previous versions for rollback. Apply writes an entry `pending` (with the
target payload) before touching a resource and `applied` after, so a re-run after an
interruption knows where it stopped. `owned` is true only for resources streamt created:
only those may ever be deleted or replaced.
"""

from __future__ import annotations

import enum

from pydantic import Field, model_validator

from streamt.resources.fingerprint import digest
from streamt.resources.frozen import FrozenModel
from streamt.resources.kinds import ResourceKind
from streamt.resources.plan import Payload
from streamt.resources.value import with_node

LEDGER_SCHEMA_VERSION = 1
MAX_PREVIOUS = 5


class EntryStatus(str, enum.Enum):
    PENDING = "pending"  # apply started on this resource and has not finished
    APPLIED = "applied"  # the resource matches `spec`
    FAILED = "failed"  # the last apply of this resource failed (see `error`)


class JobVersion(FrozenModel):
    """A previously deployed job: enough to restore it with `streamt rollback`."""

    statements: tuple[str, ...]
    config: dict[str, str] = Field(default_factory=dict)
    query: str = ""
    data_fingerprint: str = ""
    job_id: str = ""
    savepoint: str | None = None  # taken when this version was stopped
    deployed_at_ms: int = 0


class LedgerEntry(FrozenModel):
    schema_version: int = LEDGER_SCHEMA_VERSION
    project: str
    environment: str
    kind: ResourceKind
    name: str
    node: str = ""
    owned: bool = True
    status: EntryStatus = EntryStatus.APPLIED
    spec: Payload | None = (
        None  # last applied (or, when pending/failed, `target` holds the new one)
    )
    target: Payload | None = None  # the payload a pending apply is moving to
    data_fingerprint: str = ""
    metadata_fingerprint: str = ""
    live_digest: str = ""  # digest of the public (non-secret) live config right after apply
    job_id: str = ""  # the job running `spec` (jobs only)
    previous_job_id: str = ""  # the job a pending upgrade is replacing
    savepoint: str | None = None  # savepoint of the previous job, taken by a pending upgrade
    previous: tuple[JobVersion, ...] = ()
    error: str = ""
    created_at_ms: int = 0
    updated_at_ms: int = 0

    @model_validator(mode="before")
    @classmethod
    def _node_of_specs(cls, data: object) -> object:
        return with_node(data, "spec", "target")

    @property
    def key(self) -> str:
        return ledger_key(self.project, self.environment, self.kind, self.name)

    def content_digest(self) -> str:
        return digest(self.model_dump(mode="json", exclude={"updated_at_ms"}))


def ledger_key(project: str, environment: str, kind: ResourceKind, name: str) -> str:
    return f"{project}/{environment}/{kind.value}/{name}"


def ledger_prefix(project: str, environment: str) -> str:
    return f"{project}/{environment}/"
