"""Reading and writing the deployment ledger; the apply lock.

Records are JSON `LedgerEntry` values keyed `<project>/<env>/<kind>/<name>`; a tombstone
forgets a resource. The ledger of one project + environment is the last value of each key
after reading the whole topic up to its high watermark.

Lock: a second concurrent apply on the same project + environment is refused. Each apply
writes a claim under its own key `<project>/<env>/_lock/<owner>` with an expiry, then reads
the log back: among live claims (not tombstoned, not expired) the one first written wins, so
two racing applies always agree on the winner. The loser withdraws its claim (tombstone) and
fails with who holds the lock and until when; the winner tombstones its claim when done. A
crashed apply's claim expires (default 15 minutes; refreshed while apply runs), at once when
its process, on this host, no longer exists.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.plan.ledger import Ledger
from streamt.redact import redact
from streamt.resources import LedgerEntry, ResourceKind, ledger_key, ledger_prefix
from streamt.state.ledger_store import LedgerRecord, LedgerStore

LOCK_TTL_S = 15 * 60


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Claim:
    owner: str
    host: str
    pid: int
    acquired_at_ms: int
    expires_at_ms: int
    first_offset: int


def read_ledger(store: LedgerStore, project: str, environment: str) -> Ledger:
    """This project + environment's entries, and who owns what the others created."""
    mine = ledger_prefix(project, environment)
    values: list[LedgerEntry] = []
    owners: dict[tuple[ResourceKind, str], str] = {}
    for key, (value, _) in _latest(store.read(), "").items():
        if "/_lock/" in key or value is None:
            continue
        if key.startswith(mine):
            values.append(_own_entry(key, value))
            continue
        owner = _foreign_owner(value)  # another project's entry: only who owns which name
        if owner is not None:
            owners[owner[0]] = owner[1]
    return Ledger(project, environment, values, owners)


def _own_entry(key: str, value: bytes) -> LedgerEntry:
    """This project's entry, or a clear refusal (never a crash) when this streamt cannot
    read it: written by a newer streamt, or edited by hand."""
    try:
        return LedgerEntry.model_validate_json(value)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        first = str(exc).splitlines()[:3]
        raise StreamtError(
            [
                Diagnostic(
                    "A080",
                    f"the ledger entry {key!r} cannot be read by this streamt: {' '.join(first)}",
                    hint="it was written by a newer streamt (upgrade streamt) or edited outside "
                    "streamt; nothing was changed",
                )
            ]
        ) from None


def _foreign_owner(value: bytes) -> tuple[tuple[ResourceKind, str], str] | None:
    """(kind, name) -> 'project/environment' of another project's owned resource, read from the
    fields every ledger version has, so that an entry a newer streamt wrote (a field this one
    does not know) still tells who owns the name and never breaks this project's plan."""
    try:
        raw = json.loads(value)
        kind = ResourceKind(raw["kind"])
        name, project, environment = str(raw["name"]), raw["project"], raw["environment"]
        owned = raw.get("owned", True) is True
    except (ValueError, KeyError, TypeError):
        return None  # not a ledger entry at all: it owns nothing
    if not owned or kind in (ResourceKind.JOB, ResourceKind.TEST_JOB):  # by pipeline name
        return None
    return (kind, name), f"{project}/{environment}"


def all_entries(store: LedgerStore) -> list[LedgerEntry]:
    """The current entry of every resource of every project and environment in the store that
    this streamt can read (an entry a newer streamt wrote is left out, not a crash)."""
    out = []
    for k, (v, _) in _latest(store.read(), "").items():
        if "/_lock/" in k or v is None:
            continue
        try:
            out.append(LedgerEntry.model_validate_json(v))
        except ValueError:
            continue
    return out


def _latest(records: list[LedgerRecord], prefix: str) -> dict[str, tuple[bytes | None, int]]:
    """Last value per key (None for a tombstone) and the offset it was first written at."""
    latest: dict[str, tuple[bytes | None, int]] = {}
    for rec in records:
        if not rec.key.startswith(prefix):
            continue
        first = (
            latest[rec.key][1]
            if rec.key in latest and latest[rec.key][0] is not None
            else rec.offset
        )
        latest[rec.key] = (rec.value, first)
    return latest


class LedgerWriter:
    """Writes entries as apply progresses; thread-safe through the store."""

    def __init__(self, store: LedgerStore, project: str, environment: str) -> None:
        self.store, self.project, self.environment = store, project, environment

    def put(self, entry: LedgerEntry) -> LedgerEntry:
        stamped = entry.model_copy(
            update={
                "updated_at_ms": now_ms(),
                "created_at_ms": entry.created_at_ms or now_ms(),
                "error": redact(entry.error),  # an error may quote what a system echoed back
            }
        )
        self.store.write([(stamped.key, stamped.model_dump_json().encode())])
        return stamped

    def forget(self, kind: ResourceKind, name: str) -> None:
        self.store.write([(ledger_key(self.project, self.environment, kind, name), None)])


class ApplyLock:
    def __init__(
        self,
        store: LedgerStore,
        project: str,
        environment: str,
        *,
        ttl_s: float = LOCK_TTL_S,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.store, self.ttl_ms, self.clock = store, int(ttl_s * 1000), clock
        self.prefix = f"{ledger_prefix(project, environment)}_lock/"
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.key = self.prefix + self.owner
        self.project, self.environment = project, environment

    def _claim_value(self) -> bytes:
        now = self.clock()
        return json.dumps(
            {
                "owner": self.owner,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "acquired_at_ms": now,
                "expires_at_ms": now + self.ttl_ms,
            }
        ).encode()

    def claims(self) -> list[Claim]:
        now = self.clock()
        found = []
        for _key, (value, first) in _latest(self.store.read(), self.prefix).items():
            if value is None:
                continue
            data = json.loads(value)
            claim = Claim(
                data["owner"],
                data["host"],
                int(data["pid"]),
                int(data["acquired_at_ms"]),
                int(data["expires_at_ms"]),
                first,
            )
            if claim.expires_at_ms > now and not _dead(claim):
                found.append(claim)
        return sorted(found, key=lambda c: c.first_offset)

    def acquire(self) -> None:
        self.store.write([(self.key, self._claim_value())])
        claims = self.claims()
        winner = claims[0] if claims else None
        if winner is not None and winner.owner != self.owner:
            self.store.write([(self.key, None)])
            raise StreamtError(_held_by(winner, self.project, self.environment))

    def refresh(self) -> None:
        self.store.write([(self.key, self._claim_value())])

    def release(self) -> None:
        self.store.write([(self.key, None)])


def _dead(claim: Claim) -> bool:
    """A claim of a process on this host that no longer exists (killed apply) is stale."""
    if claim.host != socket.gethostname() or claim.pid == os.getpid():
        return False
    try:
        os.kill(claim.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _held_by(claim: Claim, project: str, environment: str) -> Diagnostic:
    since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(claim.acquired_at_ms / 1000))
    until = time.strftime("%H:%M:%S UTC", time.gmtime(claim.expires_at_ms / 1000))
    return Diagnostic(
        "A001",
        f"another apply is running on project {project!r}, environment {environment!r}: "
        f"started {since} by pid {claim.pid} on {claim.host}",
        hint=f"wait for it to finish; if it crashed, its lock expires at {until}",
    )
