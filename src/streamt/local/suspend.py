"""Keep deployed jobs across `streamt local down` / `up`, and across a JobManager crash.

The local Flink has no high availability: stopping the JobManager forgets every job, while
Kafka (and so the deployment ledger) keeps its data. Before the stack stops, `suspend_jobs`
stops every running job the ledger knows (its `job_id`) with a savepoint into the stack's
savepoint directory, which `down` keeps, and records that savepoint in the job's ledger entry.
The next `streamt apply` then plans each of them as "resubmit from its savepoint" (the path an
interrupted upgrade takes), so counts, windows and joins continue where they were. Jobs the
ledger does not know are left alone, as before.

A crash (or `streamt local restart flink`) takes no savepoint, but the JobManager keeps its
checkpoints on disk (`externalized-checkpoint-retention: DELETE_ON_CANCELLATION`: deleted only
when a job is cancelled or stopped). Once the stack is up again, `recover_jobs` records, for each
job the ledger holds as applied that Flink no longer knows, its newest completed checkpoint
(`<home>/data/flink/checkpoints/<job id>/chk-N`) as the entry's savepoint, so `streamt apply`
resumes it from there. What the job wrote after that checkpoint is written again (Kafka sinks
are at least once): an upsert topic ends with the same rows, an append topic gets those rows twice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from streamt.local.config import StackConfig
from streamt.local.endpoints import Endpoints
from streamt.resources import EntryStatus, LedgerEntry, ResourceKind

if TYPE_CHECKING:
    from streamt.adapters.protocols import FlinkCluster
    from streamt.state.ledger_store import LedgerStore


@dataclass(frozen=True)
class Suspended:
    entry: LedgerEntry  # as recorded, with its savepoint
    savepoint: str


def suspend_jobs(
    endpoints: Endpoints,
    echo: Callable[[str], None],
    projects: Collection[str] | None = None,
    kafka_security: Mapping[str, str] | None = None,
) -> list[Suspended]:
    """Stop the ledger's running jobs (of `projects`, default all) on the local stack with
    savepoints and record them; never raises. `kafka_security`: the ledger's client settings
    on a secure stack."""
    from streamt.state.ledger_store import KafkaLedgerStore

    flink = _flink(endpoints)
    jobs = _jobs(flink)
    running = {job_id for job_id, state in (jobs or {}).items() if state == "RUNNING"}
    if not running:
        return []  # Flink is not up, or runs nothing
    store = KafkaLedgerStore(endpoints.kafka_bootstrap, kafka_security, timeout_s=10.0)
    try:
        return suspend(flink, store, running, echo, projects)
    finally:
        store.close()


def _flink(endpoints: Endpoints) -> FlinkCluster:
    from streamt.adapters.flink import FlinkClient
    from streamt.adapters.http import http_client

    return FlinkClient(
        http_client(endpoints.flink_rest_url, timeout_s=5.0),
        http_client(endpoints.sql_gateway_url, timeout_s=5.0),
        timeout_s=120.0,
    )


def _jobs(flink: FlinkCluster) -> dict[str, str] | None:
    """Job id -> state of every job Flink knows; None when Flink does not answer."""
    import httpx

    try:
        return {j.job_id: j.state for j in flink.list_jobs()}
    except (httpx.HTTPError, OSError, ValueError):
        return None


def recover_jobs(
    cfg: StackConfig,
    echo: Callable[[str], None],
    kafka_security: Mapping[str, str] | None = None,
) -> list[Suspended]:
    """Record the last retained checkpoint of every applied job Flink has forgotten (its
    JobManager restarted) as the job's savepoint; never raises."""
    from streamt.state.ledger_store import KafkaLedgerStore

    known = _jobs(_flink(cfg.endpoints))
    checkpoints = cfg.data_dir / "flink" / "checkpoints"
    if known is None or not checkpoints.is_dir():
        return []
    store = KafkaLedgerStore(cfg.endpoints.kafka_bootstrap, kafka_security, timeout_s=10.0)
    try:
        return recover(store, set(known), checkpoints, echo)
    finally:
        store.close()


def recover(
    store: LedgerStore, known: Collection[str], checkpoints: Path, echo: Callable[[str], None]
) -> list[Suspended]:
    """`recover_jobs` over a given ledger: `known` are the job ids Flink knows, `checkpoints`
    the cluster's checkpoint directory."""
    from streamt.state.ledger import all_entries
    from streamt.state.ledger_store import LedgerError

    try:
        lost = [e for e in all_entries(store) if _lost(e, known)]
    except LedgerError as exc:
        echo(f"warning: cannot read the deployment ledger ({exc}); lost jobs not recovered")
        return []
    done: list[Suspended] = []
    for entry in lost:
        checkpoint = latest_checkpoint(checkpoints / entry.job_id)
        if checkpoint is None:
            continue
        recorded = _record(store, entry, checkpoint, "checkpoint", echo)
        if recorded is not None:
            done.append(recorded)
            echo(
                f"recovered {_name(entry)}: job {entry.job_id} was lost by a JobManager "
                f"restart; `streamt apply` resumes it from its last checkpoint {checkpoint}"
            )
    return done


def _name(entry: LedgerEntry) -> str:
    return f"{entry.project}/{entry.environment}/{entry.name}"


def _record(
    store: LedgerStore, entry: LedgerEntry, path: str, what: str, echo: Callable[[str], None]
) -> Suspended | None:
    """`entry` recorded with `path` as the savepoint its job resumes from; None (said) when the
    ledger cannot be written."""
    from streamt.state.ledger import LedgerWriter
    from streamt.state.ledger_store import LedgerError

    writer = LedgerWriter(store, entry.project, entry.environment)
    try:
        return Suspended(writer.put(entry.model_copy(update={"savepoint": path})), path)
    except LedgerError as exc:
        echo(f"warning: {_name(entry)}: {what} {path} not recorded ({exc})")
        return None


def latest_checkpoint(job_dir: Path) -> str | None:
    """The newest completed checkpoint (`chk-N` holding its `_metadata`) of a job, as a URI."""
    done = [
        (int(d.name[4:]), d)
        for d in job_dir.glob("chk-*")
        if d.name[4:].isdigit() and (d / "_metadata").is_file()
    ]
    return max(done)[1].as_uri() if done else None


def suspend(
    flink: FlinkCluster,
    store: LedgerStore,
    running: Collection[str],
    echo: Callable[[str], None],
    projects: Collection[str] | None = None,
) -> list[Suspended]:
    """`suspend_jobs` over given clients: `running` are the job ids Flink runs."""
    from streamt.state.ledger import all_entries
    from streamt.state.ledger_store import LedgerError

    try:
        entries = [
            e
            for e in all_entries(store)
            if _suspendable(e, running) and (projects is None or e.project in projects)
        ]
    except LedgerError as exc:
        echo(f"warning: cannot read the deployment ledger ({exc}); jobs stop without savepoints")
        return []
    done: list[Suspended] = []
    for entry in entries:
        name = _name(entry)
        try:
            savepoint = flink.stop_with_savepoint(entry.job_id)
        except Exception as exc:  # one job's failure must not stop the others
            echo(f"warning: {name}: no savepoint ({exc}); `streamt apply` will refuse it (A002)")
            continue
        recorded = _record(store, entry, savepoint, "savepoint", echo)
        if recorded is not None:
            done.append(recorded)
            echo(f"suspended {name} (job {entry.job_id}) with savepoint {savepoint}")
    return done


def _applied_job(entry: LedgerEntry) -> bool:
    return (
        entry.kind is ResourceKind.JOB
        and entry.status is EntryStatus.APPLIED
        and bool(entry.job_id)
    )


def _lost(entry: LedgerEntry, known: Collection[str]) -> bool:
    return _applied_job(entry) and entry.savepoint is None and entry.job_id not in known


def _suspendable(entry: LedgerEntry, running: Collection[str]) -> bool:
    return _applied_job(entry) and entry.job_id in running
