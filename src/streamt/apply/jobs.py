"""Apply steps for Flink jobs (a model's, and a continuous test's: the same steps): create, upgrade (stop with savepoint -> resubmit from it),
replace (without state), adopt, delete, and rollback to a previous version.

Every step writes the ledger before and after touching the cluster, so an interrupted apply is
resumed by the next plan (see `streamt.plan.jobs`): the entry goes `pending` with its target
(and the job being replaced), then records the savepoint as soon as it exists, then becomes
`applied` with the new job id once the job is verified RUNNING. Before submitting, the
cluster is asked again for a job with the same `pipeline.name`, so no step ever starts a
duplicate. Ctrl-C (`ApplyOptions.stop`) ends every wait within a poll — the job starting, its
savepoint, its statements on the SQL Gateway — and the next plan picks up from the ledger (an
upgrade cut short while Flink took the savepoint resumes from the savepoint its old job stopped
with, `streamt.plan.jobs`).
"""

from __future__ import annotations

import contextlib
import time
from typing import NoReturn

from streamt.adapters.located import with_position
from streamt.adapters.protocols import AdapterError
from streamt.adapters.udf_jar import ensure_built
from streamt.adapters.waiting import Interrupted
from streamt.apply.diagnose import explain_failure, waiting_for_slots
from streamt.apply.secrets import bound_config, bound_statements
from streamt.apply.step import StepContext, StepError
from streamt.plan.inputs import ACTIVE_JOB_STATES
from streamt.resources import Action, Change, EntryStatus, JobSpec, JobVersion, LedgerEntry
from streamt.resources.ledger import MAX_PREVIOUS
from streamt.sql.options import bound_start
from streamt.state.ledger import now_ms

SAVEPOINT_KEY = "execution.savepoint.path"
MAX_PARALLELISM_KEY = "pipeline.max-parallelism"


def apply_job(ctx: StepContext, change: Change) -> str:
    payload = change.desired
    if not isinstance(payload, JobSpec):
        raise StepError(f"{change.address}: plan carries no job payload")
    match change.action:
        case Action.CREATE:
            entry = ctx.entry(change)
            kept = entry.savepoint if change.state_breaking and entry is not None else None
            return _start(ctx, change, payload, restore_from=change.restore_from, kept=kept)
        case Action.UPGRADE:
            return _upgrade(ctx, change, payload)
        case Action.REPLACE:
            if change.live_job_id:  # stopped first: a CANCELLING job still counts as running
                ctx.flink.cancel(change.live_job_id)
                _await_stopped(ctx, change.live_job_id)
            return _start(ctx, change, payload, restore_from=None)
        case Action.ADOPT:
            return _adopt(ctx, change, payload)
        case Action.NOOP:
            return "unchanged"
        case _:
            raise StepError(f"{change.address}: cannot {change.action.value} a job")


def active_job_ids(ctx: StepContext, pipeline: str) -> list[str]:
    return [
        j.job_id
        for j in ctx.flink.list_jobs()
        if j.name == pipeline and j.state in ACTIVE_JOB_STATES
    ]


def _entry(ctx: StepContext, change: Change) -> LedgerEntry:
    return ctx.base_entry(change, owned=True)


def _start(
    ctx: StepContext,
    change: Change,
    payload: JobSpec,
    *,
    restore_from: str | None,
    base: LedgerEntry | None = None,
    kept: str | None = None,
) -> str:
    """Start `payload` (from `restore_from`); `kept`: the savepoint of the version it replaces
    when it starts without it (an upgrade allowed to lose state), recorded for rollback."""
    entry = base or _entry(ctx, change)
    # a restored job keeps the key groups of its savepoint; a fresh one gets Flink's choice
    pinned = entry.max_parallelism if restore_from else None
    pending = ctx.writer.put(
        entry.model_copy(
            update={
                "status": EntryStatus.PENDING,
                "target": payload,
                "savepoint": restore_from or kept,
                # the key groups of the savepoint an interrupted start would come back to
                "max_parallelism": entry.max_parallelism if restore_from or kept else None,
            }
        )
    )
    running = active_job_ids(ctx, payload.pipeline_name)
    if running:  # started by an interrupted run (or someone else): never a duplicate
        job_id = running[0]
        note = f"already running as {job_id}: adopted"
    else:
        try:
            job_id = submit_job(ctx, payload, restore_from, pinned)
        except StepError as exc:
            _fail(ctx, pending, None, str(exc), restore_from)
        note = f"submitted {job_id}" + (f" from {restore_from}" if restore_from else "")
    try:
        await_running(ctx, job_id, label=f"job {change.name}")
    except StepError as exc:
        _fail(ctx, pending, job_id, str(exc), restore_from)
    if restore_from is None:
        pinned = read_max_parallelism(ctx, job_id)
    _record_running(ctx, pending, payload, job_id, restore_from or kept, pinned)
    return note


def read_max_parallelism(ctx: StepContext, job_id: str) -> int | None:
    """The max parallelism Flink gave a running job (None: unknown): a job started without
    state, or one restored without a pinned value (Flink then takes its savepoint's)."""
    ask = getattr(ctx.flink, "max_parallelism", None)
    if ask is None:
        return None
    try:
        return int(ask(job_id)) or None
    except AdapterError:
        return None


def submit_job(
    ctx: StepContext,
    payload: JobSpec,
    restore_from: str | None,
    max_parallelism: int | None = None,
) -> str:
    """Submit `payload` (from `restore_from`); `max_parallelism`: the value pinned when the
    job first started, unless its config sets one (the plan checks that they agree).
    Interrupted (Ctrl-C) while the SQL Gateway runs the statements: `Interrupted`; the job
    may still start, and the next apply finds it by its pipeline name."""
    env = ctx.options.environ
    config = {**bound_config(payload.config, env), "pipeline.name": payload.pipeline_name}
    if max_parallelism and MAX_PARALLELISM_KEY not in config:
        config[MAX_PARALLELISM_KEY] = str(max_parallelism)
    if restore_from:
        config[SAVEPOINT_KEY] = restore_from
    try:
        ensure_built(payload.statements, env)  # streamt's own function, if the job uses it
        statements = bound_start(bound_statements(payload.statements, env), now_ms())
        waits = ctx.options.waits(f"job {payload.name or payload.pipeline_name}")
        return ctx.flink.submit(statements, config, waits)
    except AdapterError as exc:
        raise StepError(f"submitting the job failed: {exc}") from None


def await_running(ctx: StepContext, job_id: str, label: str = "") -> None:
    """Until the job has run `job_stable_s`; beats `"<label>: <state>, <elapsed> s"` (label:
    `job <model>`, by default `job <id>`)."""
    opts = ctx.options
    deadline = time.monotonic() + opts.job_start_timeout_s
    running_since: float | None = None
    restarting_since: float | None = None
    waiting_since: float | None = None
    state = "UNKNOWN"
    watch = opts.waits(label or f"job {job_id}").watch()
    while time.monotonic() < deadline:
        state = next((j.state for j in ctx.flink.list_jobs() if j.job_id == job_id), "UNKNOWN")
        watch.tick(state)
        if state in {"FAILED", "CANCELED", "FINISHED", "FAILING"}:
            raise StepError(f"job {job_id} went {state} right after submission")
        if state == "RUNNING" and not _tasks_started(ctx, job_id):
            state = "RUNNING, tasks not yet deployed"  # e.g. waiting for free task slots
            waiting_since = waiting_since or time.monotonic()
            if time.monotonic() - waiting_since > opts.restart_grace_s:
                shortfall = waiting_for_slots(ctx.flink, job_id)
                if shortfall:
                    raise StepError(f"job {job_id} cannot start: {shortfall}")
        elif state == "RUNNING":
            running_since = running_since or time.monotonic()
            if time.monotonic() - running_since >= opts.job_stable_s:
                return
        elif running_since is not None or state == "RESTARTING":
            restarting_since = restarting_since or time.monotonic()
            if (
                running_since is not None
                or time.monotonic() - restarting_since > opts.restart_grace_s
            ):
                raise StepError(f"job {job_id} keeps {state} right after starting: it cannot run")
        opts.pause(opts.poll_s)
    raise StepError(
        f"job {job_id} did not reach RUNNING in {opts.job_start_timeout_s:.0f}s (last state {state})"
    )


def _tasks_started(ctx: StepContext, job_id: str) -> bool:
    check = getattr(ctx.flink, "tasks_started", None)
    return True if check is None else bool(check(job_id))


def _fail(
    ctx: StepContext, pending: LedgerEntry, job_id: str | None, why: str, savepoint: str | None
) -> NoReturn:
    if job_id is not None:
        target = pending.target if isinstance(pending.target, JobSpec) else None
        why = cancel_and_explain(ctx, job_id, why, target)
    ctx.writer.put(pending.model_copy(update={"status": EntryStatus.FAILED, "error": why}))
    if savepoint:
        raise StepError(
            f"{why}. The new version could not start from savepoint {savepoint}; nothing runs "
            f"for {pending.name} now. `streamt rollback {pending.name}` restores the previous SQL "
            "from that savepoint; `streamt apply --reset-state` starts the new SQL without state"
        )
    raise StepError(why)


def cancel_and_explain(
    ctx: StepContext, job_id: str, why: str, payload: JobSpec | None = None
) -> str:
    """Never leave a job that did not start RESTARTING: cancel it, wait until it stopped (its
    slots are free again), then add Flink's reason to `why`."""
    with contextlib.suppress(AdapterError):  # already terminal
        ctx.flink.cancel(job_id)
    _await_stopped(ctx, job_id)
    opts = ctx.options
    cause = explain_failure(ctx.flink, job_id, opts.history_wait_s, opts.poll_s, opts.pause)
    cause = with_position(ctx.systems.kafka, payload, cause, ctx.systems.registry)
    return f"{why}: {cause}" if cause else f"{why} (see its exceptions in the Flink UI)"


def _await_stopped(ctx: StepContext, job_id: str, timeout_s: float = 15.0) -> None:
    """Wait (bounded) for a cancelled job to leave the active states, so its slots are free."""
    deadline = time.monotonic() + timeout_s
    with contextlib.suppress(AdapterError):
        while time.monotonic() < deadline:
            states = [j.state for j in ctx.flink.list_jobs() if j.job_id == job_id]
            if not states or states[0] not in ACTIVE_JOB_STATES:
                return
            ctx.options.pause(ctx.options.poll_s)


def _record_running(
    ctx: StepContext,
    pending: LedgerEntry,
    payload: JobSpec,
    job_id: str,
    restore_from: str | None,
    max_parallelism: int | None = None,
) -> None:
    previous = list(pending.previous)
    old = pending.spec
    if isinstance(old, JobSpec) and old.data_fingerprint != payload.data_fingerprint:
        previous.append(
            JobVersion(
                spec=old,
                job_id=pending.previous_job_id or pending.job_id,
                savepoint=restore_from,
                deployed_at_ms=pending.updated_at_ms,
            )
        )
    ctx.writer.put(
        pending.model_copy(
            update={
                "status": EntryStatus.APPLIED,
                "spec": payload,
                "target": None,
                "data_fingerprint": payload.data_fingerprint,
                "metadata_fingerprint": payload.metadata_fingerprint,
                "job_id": job_id,
                "previous_job_id": "",
                "savepoint": None,
                "previous": tuple(previous[-MAX_PREVIOUS:]),
                "error": "",
                "max_parallelism": max_parallelism or pending.max_parallelism,
            }
        )
    )


def _upgrade(ctx: StepContext, change: Change, payload: JobSpec) -> str:
    old_job = change.live_job_id
    if not old_job:
        raise StepError(f"{change.address}: upgrade without a running job id")
    entry = ctx.writer.put(
        _entry(ctx, change).model_copy(
            update={"status": EntryStatus.PENDING, "target": payload, "previous_job_id": old_job}
        )
    )
    waits = ctx.options.waits(f"job {change.name}")
    try:
        savepoint = ctx.flink.stop_with_savepoint(old_job, ctx.options.savepoint_dir, waits)
    except Interrupted:
        raise StepError(
            f"interrupted (Ctrl-C) while job {old_job} was being stopped with a savepoint: "
            "Flink goes on; the next apply resumes the new SQL from that savepoint, or upgrades "
            "again if it failed"
        ) from None
    except AdapterError as exc:
        raise StepError(
            f"stop-with-savepoint of job {old_job} failed (it keeps running): {exc}"
        ) from None
    entry = ctx.writer.put(entry.model_copy(update={"savepoint": savepoint}))
    if change.state_breaking:  # --allow-state-loss: the new SQL cannot restore it
        note = _start(ctx, change, payload, restore_from=None, base=entry, kept=savepoint)
        return f"stopped {old_job} with savepoint {savepoint} (kept for rollback); {note} without state"
    note = _start(ctx, change, payload, restore_from=savepoint, base=entry)
    return f"stopped {old_job} with savepoint {savepoint}; {note}"


def _adopt(ctx: StepContext, change: Change, payload: JobSpec) -> str:
    running = active_job_ids(ctx, payload.pipeline_name)
    if len(running) != 1:
        raise StepError(
            f"{change.address}: expected one running job to adopt, found {len(running)}"
        )
    entry = ctx.entry(change)
    base = entry or ctx.base_entry(change, owned=False)
    pending = base.model_copy(update={"updated_at_ms": base.updated_at_ms or now_ms()})
    _record_running(ctx, pending, payload, running[0], pending.savepoint)
    return f"recorded running job {running[0]}"


def delete_job(ctx: StepContext, change: Change) -> str:
    entry = ctx.entry(change)
    if change.live_job_id:
        ctx.flink.cancel(change.live_job_id)
        _await_stopped(ctx, change.live_job_id)  # a late offset commit would bring the group back
    dropped = _delete_group(ctx, entry)
    ctx.writer.forget(change.kind, change.name)
    done = f"cancelled {change.live_job_id}" if change.live_job_id else "forgotten"
    return done + dropped


def _delete_group(ctx: StepContext, entry: LedgerEntry | None) -> str:
    """Delete the consumer group a job this project created committed its offsets under (the
    job's pipeline name, compile's `group.id` of its inputs). A group another client still
    uses is kept, and the step says so rather than failing the removal."""
    if entry is None or not entry.owned or not isinstance(entry.spec, JobSpec):
        return ""
    if ctx.systems.kafka is None:
        return ""
    group = entry.spec.pipeline_name
    try:
        ctx.kafka.delete_consumer_groups([group])
    except AdapterError as exc:
        return f"; consumer group {group} kept: {exc}"
    return f"; consumer group {group} deleted"
