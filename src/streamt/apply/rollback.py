"""`streamt rollback MODEL`: restore a job's previous SQL from the savepoint taken when it was
upgraded. The ledger keeps up to five previous versions; rolling back consumes the latest.

The project still holds the new SQL, so the next plan shows the upgrade again until the
project is reverted: that is said in the result, not hidden.
"""

from __future__ import annotations

from streamt.adapters.protocols import AdapterError
from streamt.apply.jobs import (
    active_job_ids,
    await_running,
    cancel_and_explain,
    read_max_parallelism,
    submit_job,
)
from streamt.apply.step import StepContext, StepError
from streamt.diagnostics import Diagnostic, StreamtError
from streamt.resources import EntryStatus, JobSpec, JobVersion, LedgerEntry, ResourceKind


def rollback_job(ctx: StepContext, name: str) -> str:
    entry = ctx.ledger.get(ResourceKind.JOB, name)
    if entry is None:
        raise StreamtError(
            Diagnostic("A020", f"no Flink job named {name!r} in the ledger of this environment")
        )
    current = entry.spec if isinstance(entry.spec, JobSpec) else entry.target
    if not isinstance(current, JobSpec):
        raise StreamtError(Diagnostic("A020", f"ledger entry of {name!r} has no job spec"))
    if entry.status is not EntryStatus.APPLIED and entry.savepoint:
        # an upgrade stopped the old version and the new one never ran: restore the old one
        version = JobVersion(spec=current, savepoint=entry.savepoint)
        return _restore(ctx, entry, version, entry.previous)
    if not entry.previous:
        raise StreamtError(
            Diagnostic(
                "A021",
                f"job {name!r} has no previous version to roll back to",
                hint="rollback restores the version that an upgrade replaced",
            )
        )
    version = entry.previous[-1]
    if not version.savepoint:
        raise StreamtError(
            Diagnostic("A022", f"the previous version of {name!r} has no savepoint recorded")
        )
    return _restore(ctx, entry, version, entry.previous[:-1])


def _restore(
    ctx: StepContext,
    entry: LedgerEntry,
    version: JobVersion,
    keep: tuple[JobVersion, ...],
) -> str:
    name = entry.name
    payload = version.spec
    stopped = []
    for job_id in active_job_ids(ctx, payload.pipeline_name):
        try:
            ctx.flink.cancel(job_id)
        except AdapterError as exc:
            raise StepError(f"cannot cancel running job {job_id}: {exc}") from None
        stopped.append(job_id)
    pending = ctx.writer.put(
        entry.model_copy(update={"status": EntryStatus.PENDING, "target": payload})
    )
    job_id = submit_job(ctx, payload, version.savepoint)
    try:
        await_running(ctx, job_id)
    except StepError as exc:
        raise StepError(cancel_and_explain(ctx, job_id, str(exc), payload)) from None
    ctx.writer.put(
        pending.model_copy(
            update={
                "status": EntryStatus.APPLIED,
                "spec": payload,
                "target": None,
                "data_fingerprint": payload.data_fingerprint,
                "job_id": job_id,
                "previous_job_id": "",
                "savepoint": None,
                "previous": keep,
                "error": "",
                # the old version's savepoint brings its own key groups back
                "max_parallelism": read_max_parallelism(ctx, job_id),
            }
        )
    )
    cancelled = f"cancelled {', '.join(stopped)}; " if stopped else ""
    return (
        f"{cancelled}restored the previous version of {name} from {version.savepoint} as job "
        f"{job_id}. The project still holds the new SQL: revert it, or the next apply upgrades again."
    )
