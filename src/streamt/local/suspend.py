"""Keep deployed jobs across `streamt local down` / `up`.

The local Flink has no high availability: stopping the JobManager forgets every job, while
Kafka (and so the deployment ledger) keeps its data. Before the stack stops, `suspend_jobs`
stops every running job the ledger knows (its `job_id`) with a savepoint into the stack's
savepoint directory, which `down` keeps, and records that savepoint in the job's ledger entry.
The next `streamt apply` then plans each of them as "resubmit from its savepoint" (the path an
interrupted upgrade takes), so counts, windows and joins continue where they were. Jobs the
ledger does not know are left alone, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    import httpx

    from streamt.adapters.flink import FlinkClient
    from streamt.adapters.http import http_client
    from streamt.state.ledger_store import KafkaLedgerStore

    flink = FlinkClient(
        http_client(endpoints.flink_rest_url, timeout_s=5.0),
        http_client(endpoints.sql_gateway_url, timeout_s=5.0),
        timeout_s=120.0,
    )
    try:
        running = {j.job_id for j in flink.list_jobs() if j.state == "RUNNING"}
    except (httpx.HTTPError, OSError, ValueError):
        return []  # Flink is not up: nothing is running
    if not running:
        return []
    store = KafkaLedgerStore(endpoints.kafka_bootstrap, kafka_security, timeout_s=10.0)
    try:
        return suspend(flink, store, running, echo, projects)
    finally:
        store.close()


def suspend(
    flink: FlinkCluster,
    store: LedgerStore,
    running: Collection[str],
    echo: Callable[[str], None],
    projects: Collection[str] | None = None,
) -> list[Suspended]:
    """`suspend_jobs` over given clients: `running` are the job ids Flink runs."""
    from streamt.state.ledger import LedgerWriter, all_entries
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
        name = f"{entry.project}/{entry.environment}/{entry.name}"
        try:
            savepoint = flink.stop_with_savepoint(entry.job_id)
        except Exception as exc:  # one job's failure must not stop the others
            echo(f"warning: {name}: no savepoint ({exc}); `streamt apply` will refuse it (A002)")
            continue
        writer = LedgerWriter(store, entry.project, entry.environment)
        try:
            recorded = writer.put(entry.model_copy(update={"savepoint": savepoint}))
        except LedgerError as exc:
            echo(f"warning: {name}: savepoint {savepoint} taken but not recorded ({exc})")
            continue
        done.append(Suspended(recorded, savepoint))
        echo(f"suspended {name} (job {entry.job_id}) with savepoint {savepoint}")
    return done


def _suspendable(entry: LedgerEntry, running: Collection[str]) -> bool:
    return (
        entry.kind is ResourceKind.JOB
        and entry.status is EntryStatus.APPLIED
        and bool(entry.job_id)
        and entry.job_id in running
    )
