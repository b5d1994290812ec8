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

from pydantic import SerializerFunctionWrapHandler, model_serializer, model_validator

from streamt.resources.fingerprint import digest
from streamt.resources.frozen import FrozenModel
from streamt.resources.job import JobSpec
from streamt.resources.kinds import ResourceKind
from streamt.resources.plan import Payload
from streamt.resources.value import with_node

# 2: a previous job version holds its `JobSpec` (`spec`); version 1 entries are migrated on read
LEDGER_SCHEMA_VERSION = 2
MAX_PREVIOUS = 5


class EntryStatus(str, enum.Enum):
    PENDING = "pending"  # apply started on this resource and has not finished
    APPLIED = "applied"  # the resource matches `spec`
    FAILED = "failed"  # the last apply of this resource failed (see `error`)


class JobVersion(FrozenModel):
    """A previously deployed job: its value, restored as it was by `streamt rollback`."""

    spec: JobSpec
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
    # jobs: the max parallelism Flink gave the job when it started without state; its
    # savepoints hold that many key groups, so every later version is submitted with it
    max_parallelism: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _node_of_specs(cls, data: object) -> object:
        return with_node(_migrated(data), "spec", "target")

    @model_serializer(mode="wrap")
    def _without_unset_max_parallelism(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, object]:
        """An entry without a pinned max parallelism is written (and digested) as before."""
        data: dict[str, object] = handler(self)
        if self.max_parallelism is None:
            data.pop("max_parallelism", None)
        return data

    @property
    def key(self) -> str:
        return ledger_key(self.project, self.environment, self.kind, self.name)

    def content_digest(self) -> str:
        return digest(self.model_dump(mode="json", exclude={"updated_at_ms"}))


_VERSION_FIELDS = ("statements", "config", "query", "data_fingerprint")


def _migrated(data: object) -> object:
    """A serialised entry as this version reads it (an older one written again in this
    version's form): a version-1 previous job version (its
    statements, config, query and data fingerprint, flat) becomes the job's value with those
    four replaced; every previous version's value gets its node and name from the entry."""
    if not isinstance(data, dict):
        return data
    if data.get("schema_version", LEDGER_SCHEMA_VERSION) < LEDGER_SCHEMA_VERSION:
        data = {**data, "schema_version": LEDGER_SCHEMA_VERSION}
    if not data.get("previous"):
        return data
    base = data.get("spec") or data.get("target")
    versions = []
    for version in data["previous"]:
        if isinstance(version, dict) and "spec" not in version and isinstance(base, dict):
            spec = {**base, **{k: version[k] for k in _VERSION_FIELDS if k in version}}
            rest = {k: v for k, v in version.items() if k not in _VERSION_FIELDS}
            version = {**rest, "spec": spec}
        if isinstance(version, dict) and isinstance(version.get("spec"), dict):
            named = {"node": data.get("node", ""), "name": data.get("name", "")}
            version = {**version, "spec": {**named, **version["spec"]}}
        versions.append(version)
    return {**data, "previous": versions}


def ledger_key(project: str, environment: str, kind: ResourceKind, name: str) -> str:
    return f"{project}/{environment}/{kind.value}/{name}"


def ledger_prefix(project: str, environment: str) -> str:
    return f"{project}/{environment}/"
