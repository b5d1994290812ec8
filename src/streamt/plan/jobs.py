"""Flink job rules. A job is found by its `pipeline.name`, never by guessing from table names.

| live                      | ledger                         | plan                                   |
|---------------------------|--------------------------------|----------------------------------------|
| several active jobs       | any                            | refused: duplicates, cancel one        |
| one active job            | none                           | refused; `--adopt` -> adopt as is      |
| one active job            | same data fingerprint          | no-op (metadata-only changes included) |
| one active job            | other data fingerprint         | upgrade: stop with savepoint, resubmit |
|                           |   state not restorable         | state-breaking upgrade: new SQL starts |
|                           |   (`plan/state_compat.py`, or  | without state (--allow-state-loss)     |
|                           |   max parallelism != pinned)   |                                        |
| one active job, new id    | pending, target == desired     | adopt: finish the interrupted apply    |
| none                      | none / never ran               | create                                 |
| none                      | pending upgrade with savepoint | create from that savepoint (resume)    |
| none (old job FINISHED)   | pending upgrade, no savepoint  | create from the savepoint the old job  |
|                           |                                | stopped with (apply interrupted while  |
|                           |                                | Flink took it)                         |
| old job still stopping    | pending upgrade, no savepoint  | refused: plan again in a few seconds   |
| none                      | savepoint of `local down`      | create from that savepoint (resume)    |
| none (JobManager restart) | checkpoint `local up` recorded | create from that checkpoint (resume)   |
|                           |   (any of these four) that     | state-breaking create without it       |
|                           |   the new SQL cannot take      | (--allow-state-loss)                   |
| none (FAILED or vanished) | ran before                     | refused; `--reset-state` -> replace    |
| removed from project      | owned                          | delete (destructive, state-breaking)   |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streamt.plan.common import Ownership, reconfigure_refusal, unowned_refusal
from streamt.plan.inputs import LiveState
from streamt.plan.state_compat import StateCheck
from streamt.resources import (
    Action,
    AttributeChange,
    Change,
    EntryStatus,
    JobSpec,
    JobState,
    LedgerEntry,
    ResourceKind,
)

KIND = ResourceKind.JOB


@dataclass(frozen=True)
class JobContext:
    desired: JobSpec
    entry: LedgerEntry | None
    reset_state: bool
    own: Ownership = field(default_factory=Ownership)
    state: StateCheck | None = None  # can the new SQL restore the running job's savepoint?


def plan_job(ctx: JobContext, live: LiveState) -> Change:
    active = live.active_jobs(ctx.desired.pipeline_name)
    if len(active) > 1:
        ids = ", ".join(sorted(j.job_id for j in active))
        return _change(
            ctx,
            Action.REFUSED,
            f"{len(active)} jobs are running as pipeline.name {ctx.desired.pipeline_name!r} ({ids})",
            hint="cancel the duplicates (Flink UI or `flink cancel <id>`), then plan again",
        )
    stopping = _stop_under_way(ctx, live)
    if stopping is not None:
        return stopping
    if active:
        return _plan_running(ctx, active[0])
    return _plan_not_running(
        ctx, live.latest_job(ctx.desired.pipeline_name), _savepoint(ctx.entry, live)
    )


def _stop_under_way(ctx: JobContext, live: LiveState) -> Change | None:
    """An upgrade cut short while Flink stopped the old job with a savepoint, the stop not
    finished yet: a second stop now would abort the first savepoint."""
    entry = ctx.entry
    if entry is None or entry.previous_job_id not in live.stops_in_progress:
        return None
    return _change(
        ctx,
        Action.REFUSED,
        f"job {entry.previous_job_id} is still being stopped with a savepoint (an upgrade was "
        "cut short); another stop now would abort that savepoint",
        hint="plan again in a few seconds: the new SQL then starts from that savepoint",
    )


def _savepoint(entry: LedgerEntry | None, live: LiveState) -> str | None:
    """The ledger's savepoint, else the one an interrupted upgrade's old job stopped with."""
    if entry is None:
        return None
    return entry.savepoint or live.stopped_savepoints.get(entry.previous_job_id) or None


def _plan_running(ctx: JobContext, job: JobState) -> Change:
    entry, desired = ctx.entry, ctx.desired
    if entry is None:
        facts = f"job {job.job_id}, {job.state}"
        own = Ownership(ctx.own.adopt, ctx.own.owner, facts)
        foreign = unowned_refusal(KIND, ctx.desired.name, ctx.desired.node, own)
        if foreign is not None:
            return _change(ctx, Action.REFUSED, foreign[0], hint=foreign[1])
        return _change(
            ctx, Action.ADOPT, f"running job {job.job_id} adopted (--adopt) as is, not owned"
        )
    if entry.status is not EntryStatus.APPLIED and job.job_id != entry.previous_job_id:
        target = entry.target
        if isinstance(target, JobSpec) and target.data_fingerprint == desired.data_fingerprint:
            return _change(
                ctx,
                Action.ADOPT,
                f"finishing an interrupted apply: job {job.job_id} runs the target version",
            )
    if entry.data_fingerprint == desired.data_fingerprint:
        if entry.job_id == job.job_id:
            meta = entry.metadata_fingerprint != desired.metadata_fingerprint
            return _change(
                ctx, Action.NOOP, "metadata changed only: job untouched" if meta else "up to date"
            )
        return _change(
            ctx,
            Action.ADOPT,
            f"job was resubmitted outside streamt (ledger {entry.job_id or '-'}, running {job.job_id})",
        )
    why = reconfigure_refusal(entry, ctx.own)
    if why is not None:
        return _change(ctx, Action.REFUSED, why[0], hint=why[1], attributes=_diff(entry, desired))
    reason, breaking = _upgrade_reason(ctx.state, _rescale_losses(entry, desired))
    return Change(
        kind=KIND,
        name=ctx.desired.name,
        action=Action.UPGRADE,
        reason=reason,
        node=ctx.desired.node,
        state_breaking=breaking,
        attributes=_diff(entry, desired),
        desired=desired,
        live_job_id=job.job_id,
        hint=LOSS_HINT if breaking else "",
    )


LOSS_HINT = (
    "keep the stateful part of the query as it is (add columns and filters after it), or "
    "accept the loss: streamt apply --allow-state-loss"
)


def _rescale_losses(entry: LedgerEntry, desired: JobSpec) -> tuple[str, ...]:
    """Why the new config cannot restore a savepoint taken with the job's pinned max
    parallelism (its key groups): another explicit max parallelism, or a parallelism above it."""
    pinned = entry.max_parallelism
    if not pinned:
        return ()
    lost = []
    explicit = _int(desired.config.get("pipeline.max-parallelism"))
    if explicit is not None and explicit != pinned:
        lost.append(
            f"keyed state of {pinned} key groups (pipeline.max-parallelism pinned at the first "
            f"deploy) cannot be restored with pipeline.max-parallelism {explicit}"
        )
    parallelism = _int(desired.config.get("parallelism.default"))
    if parallelism is not None and parallelism > pinned and explicit in (None, pinned):
        lost.append(
            f"parallelism {parallelism} exceeds the max parallelism {pinned} the job's state "
            "was taken with"
        )
    return tuple(lost)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _upgrade_reason(check: StateCheck | None, rescale: tuple[str, ...]) -> tuple[str, bool]:
    """(reason, state-breaking) of an upgrade, from the state check of the new SQL and the
    rescaling rule."""
    base = "SQL or job config changed: stop with savepoint, resubmit from it"
    if check is None and not rescale:
        return base, False
    if check is not None and check.compatible is None and not rescale:
        return f"{base} (whether its state restores could not be checked: {check.unknown})", False
    if check is not None and check.compatible and not rescale:
        return f"{base}; the state of its {check.kept} stateful operator(s) restores", False
    lost = "; ".join([*(check.lost if check is not None else ()), *rescale])
    return (
        f"SQL or job config changed so that the running job's state cannot be restored: "
        f"{lost}. With "
        "--allow-state-loss: stop with savepoint (kept for rollback), start the new SQL "
        "without state, reading its inputs from their startup position (by default the "
        "earliest offset: rows are processed again)",
        True,
    )


def _plan_not_running(ctx: JobContext, latest: JobState | None, savepoint: str | None) -> Change:
    entry = ctx.entry
    if entry is None or (not entry.job_id and savepoint is None):
        return _change(ctx, Action.CREATE, "new job", attributes=_diff(None, ctx.desired))
    if savepoint and not ctx.reset_state:
        return _resume(ctx, entry, savepoint)
    where = f"{latest.state} (job {latest.job_id})" if latest else "not found on the cluster"
    if ctx.reset_state:
        return Change(
            kind=KIND,
            name=ctx.desired.name,
            action=Action.REPLACE,
            reason=f"job is {where}: resubmitting without state (--reset-state)",
            node=ctx.desired.node,
            destructive=True,
            state_breaking=True,
            desired=ctx.desired,
        )
    return _change(
        ctx,
        Action.REFUSED,
        f"job was deployed (ledger job {entry.job_id}) but is {where}; resubmitting it would "
        "start without its state",
        hint=f"inspect it (streamt status), then `streamt rollback {ctx.desired.name}` or "
        "`streamt apply --reset-state` to start from scratch",
    )


def _resume(ctx: JobContext, entry: LedgerEntry, savepoint: str) -> Change:
    failed_same = (
        entry.status is EntryStatus.FAILED
        and isinstance(entry.target, JobSpec)
        and entry.target.data_fingerprint == ctx.desired.data_fingerprint
    )
    if failed_same:
        return _change(
            ctx,
            Action.REFUSED,
            f"the last upgrade of this job failed: {entry.error or 'unknown error'}",
            hint=f"`streamt rollback {ctx.desired.name}` restores the previous SQL from {savepoint}; "
            "or change the SQL; or `streamt apply --reset-state` to start without state",
        )
    check = ctx.state  # the savepoint's SQL (the ledger's) against the desired one
    lost = [*(check.lost if check is not None else ()), *_rescale_losses(entry, ctx.desired)]
    if lost:
        return Change(
            kind=KIND,
            name=ctx.desired.name,
            action=Action.CREATE,
            reason=f"not running; its savepoint {savepoint} cannot be restored into the new "
            f"SQL: {'; '.join(lost)}. With --allow-state-loss: start the new SQL without "
            "state (the savepoint stays for rollback)",
            node=ctx.desired.node,
            state_breaking=True,
            attributes=_diff(entry, ctx.desired),
            desired=ctx.desired,
            hint=LOSS_HINT,
        )
    return Change(
        kind=KIND,
        name=ctx.desired.name,
        action=Action.CREATE,
        reason=_resume_reason(savepoint),
        node=ctx.desired.node,
        attributes=_diff(entry, ctx.desired),
        desired=ctx.desired,
        restore_from=savepoint,
    )


def _resume_reason(savepoint: str) -> str:
    if savepoint.rstrip("/").rsplit("/", 1)[-1].startswith("chk-"):  # Flink's checkpoint dirs
        return (
            f"lost by a JobManager restart: resubmitting from its last checkpoint {savepoint} "
            "(what it wrote after that checkpoint is written again)"
        )
    return (
        "not running: resubmitting from its savepoint (taken by an interrupted upgrade "
        "or `streamt local down`)"
    )


def plan_job_removal(entry: LedgerEntry, live: LiveState) -> Change:
    pipeline = entry.spec.pipeline_name if isinstance(entry.spec, JobSpec) else ""
    active = live.active_jobs(pipeline) if pipeline else []
    if not active:
        return Change(
            kind=KIND,
            name=entry.name,
            action=Action.DELETE,
            reason="no longer in the project and not running: forget its ledger entry",
            node=entry.node,
        )
    return Change(
        kind=KIND,
        name=entry.name,
        action=Action.DELETE,
        reason="no longer in the project: cancel the job (its state is discarded)",
        node=entry.node,
        destructive=True,
        state_breaking=True,
        live_job_id=active[0].job_id,
    )


def _diff(entry: LedgerEntry | None, desired: JobSpec) -> tuple[AttributeChange, ...]:
    before = entry.spec if entry is not None and isinstance(entry.spec, JobSpec) else None
    attrs: list[AttributeChange] = []
    if before is None or before.query != desired.query:
        attrs.append(
            AttributeChange(
                key="query", before=before.query if before else None, after=desired.query
            )
        )
    old_config = before.config if before else {}
    for key in sorted(set(old_config) | set(desired.config)):
        if old_config.get(key) != desired.config.get(key):
            attrs.append(
                AttributeChange(key=key, before=old_config.get(key), after=desired.config.get(key))
            )
    if before is not None and not attrs and before.statements != desired.statements:
        attrs.append(AttributeChange(key="statements", before="(previous DDL)", after="(new DDL)"))
    return tuple(attrs)


def _change(
    ctx: JobContext,
    action: Action,
    reason: str,
    *,
    hint: str = "",
    attributes: tuple[AttributeChange, ...] = (),
) -> Change:
    return Change(
        kind=KIND,
        name=ctx.desired.name,
        action=action,
        reason=reason,
        node=ctx.desired.node,
        desired=ctx.desired,
        hint=hint,
        attributes=attributes,
    )
