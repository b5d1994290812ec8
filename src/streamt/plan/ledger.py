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
from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field

from streamt.artifacts.plan_file import Payload, ResourceKind
from streamt.compile.specs import digest

LEDGER_SCHEMA_VERSION = 1
MAX_PREVIOUS = 5


class EntryStatus(str, enum.Enum):
    PENDING = "pending"  # apply started on this resource and has not finished
    APPLIED = "applied"  # the resource matches `spec`
    FAILED = "failed"  # the last apply of this resource failed (see `error`)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JobVersion(_Frozen):
    """A previously deployed job: enough to restore it with `streamt rollback`."""

    statements: tuple[str, ...]
    config: dict[str, str] = Field(default_factory=dict)
    query: str = ""
    data_fingerprint: str = ""
    job_id: str = ""
    savepoint: str | None = None  # taken when this version was stopped
    deployed_at_ms: int = 0


class LedgerEntry(_Frozen):
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

    @property
    def key(self) -> str:
        return ledger_key(self.project, self.environment, self.kind, self.name)

    def content_digest(self) -> str:
        return digest(self.model_dump(mode="json", exclude={"updated_at_ms"}))


def ledger_key(project: str, environment: str, kind: ResourceKind, name: str) -> str:
    return f"{project}/{environment}/{kind.value}/{name}"


def ledger_prefix(project: str, environment: str) -> str:
    return f"{project}/{environment}/"


class Ledger:
    """The ledger entries of one project + environment (read-only view).

    `owners` names, for resources another project or environment of the same ledger topic
    created (`owned` entries), who that is ("project/environment"): such a resource is never
    adopted by this one.
    """

    def __init__(
        self,
        project: str,
        environment: str,
        entries: Iterable[LedgerEntry] = (),
        owners: Mapping[tuple[ResourceKind, str], str] | None = None,
    ) -> None:
        self.project, self.environment = project, environment
        self._by_key: dict[tuple[ResourceKind, str], LedgerEntry] = {
            (e.kind, e.name): e for e in entries
        }
        self.owners: Mapping[tuple[ResourceKind, str], str] = dict(owners or {})

    def get(self, kind: ResourceKind, name: str) -> LedgerEntry | None:
        return self._by_key.get((kind, name))

    def narrowed(self, keys: Iterable[tuple[ResourceKind, str]]) -> Ledger:
        """The same ledger knowing only the owners of `keys` (the project's resources), so
        other projects applying elsewhere on the cluster never make this plan stale."""
        wanted = set(keys)
        owners = {k: o for k, o in self.owners.items() if k in wanted}
        return Ledger(self.project, self.environment, self._by_key.values(), owners)

    def owner(self, kind: ResourceKind, name: str) -> str | None:
        """The other project/environment that created this resource, if one did."""
        return self.owners.get((kind, name))

    def of_kind(self, kind: ResourceKind) -> list[LedgerEntry]:
        return sorted((e for (k, _), e in self._by_key.items() if k is kind), key=lambda e: e.name)

    @property
    def entries(self) -> list[LedgerEntry]:
        return sorted(self._by_key.values(), key=lambda e: (e.kind.value, e.name))

    def as_mapping(self) -> Mapping[tuple[ResourceKind, str], LedgerEntry]:
        return dict(self._by_key)

    def fingerprint(self) -> str:
        mine = [e.content_digest() for e in self.entries]
        if not self.owners:
            return digest(mine)
        others = sorted(f"{k.value}/{n}={o}" for (k, n), o in self.owners.items())
        return digest([mine, others])

    def __len__(self) -> int:
        return len(self._by_key)
