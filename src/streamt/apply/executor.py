"""`execute_plan(plan, ...)`: run a plan's changes in dependency order, in parallel within a phase.

Phases: delete connectors -> delete gateway rules -> delete jobs -> delete test jobs ->
subjects -> topics -> gateway rules -> jobs -> test jobs -> connectors -> delete topics ->
delete subjects. Steps inside a phase are independent and run on a thread pool;
a failed step stops the apply after its phase (later phases depend on earlier ones), and the
ledger records how far it got, so the next `plan` picks up exactly there.

Refused changes and, without `allow_destructive`, destructive ones stop the apply before any
step runs. `apply --dry-run` lists the same phases and steps (`phases(plan)`) without executing
them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from streamt.adapters.protocols import AdapterError
from streamt.adapters.waiting import Interrupted
from streamt.apply.jobs import apply_job, delete_job
from streamt.apply.resources import (
    apply_connector,
    apply_gateway_rule,
    apply_subject,
    apply_topic,
    delete_connector,
    delete_gateway_rule,
    delete_subject,
    delete_topic,
)
from streamt.apply.secrets import check_variables
from streamt.apply.step import INTERRUPTED, ApplyOptions, StepContext, StepError
from streamt.diagnostics import Diagnostic, StreamtError
from streamt.resources import Action, Change, Plan, ResourceKind
from streamt.state.ledger_store import LedgerError

Step = Callable[[StepContext, Change], str]
K = ResourceKind
PHASES: tuple[tuple[str, K, bool], ...] = (
    ("delete connectors", K.CONNECTOR, True),
    ("delete gateway rules", K.GATEWAY_RULE, True),
    ("delete jobs", K.JOB, True),
    ("delete test jobs", K.TEST_JOB, True),
    ("subjects", K.SUBJECT, False),
    ("topics", K.TOPIC, False),
    ("gateway rules", K.GATEWAY_RULE, False),
    ("jobs", K.JOB, False),
    ("test jobs", K.TEST_JOB, False),
    ("connectors", K.CONNECTOR, False),
    ("delete topics", K.TOPIC, True),
    ("delete subjects", K.SUBJECT, True),
)


def step_for(change: Change) -> Step:
    deleting = change.action is Action.DELETE
    match change.kind:
        case ResourceKind.SUBJECT:
            return delete_subject if deleting else apply_subject
        case ResourceKind.TOPIC:
            return delete_topic if deleting else apply_topic
        case ResourceKind.JOB | ResourceKind.TEST_JOB:
            return delete_job if deleting else apply_job
        case ResourceKind.CONNECTOR:
            return delete_connector if deleting else apply_connector
        case ResourceKind.GATEWAY_RULE:
            return delete_gateway_rule if deleting else apply_gateway_rule


@dataclass(frozen=True)
class StepResult:
    change: Change
    ok: bool
    message: str
    seconds: float


@dataclass(frozen=True)
class ApplyReport:
    results: tuple[StepResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> tuple[StepResult, ...]:
        return tuple(r for r in self.results if not r.ok)


class Progress(Protocol):
    def phase(self, name: str, changes: Sequence[Change]) -> None: ...
    def started(self, change: Change) -> None: ...
    def finished(self, result: StepResult) -> None: ...


class NoProgress:
    def phase(self, name: str, changes: Sequence[Change]) -> None:
        return None

    def started(self, change: Change) -> None:
        return None

    def finished(self, result: StepResult) -> None:
        return None


def phases(plan: Plan) -> list[tuple[str, list[Change]]]:
    out = []
    for name, kind, deleting in PHASES:
        changes = [
            c for c in plan.pending if c.kind is kind and (c.action is Action.DELETE) == deleting
        ]
        if changes:
            out.append((name, changes))
    return out


def preflight(plan: Plan, options: ApplyOptions) -> None:
    if plan.refused:
        raise StreamtError(
            [
                Diagnostic("A002", f"{c.address}: {c.reason}", hint=c.hint, node=c.node)
                for c in plan.refused
            ]
        )
    destructive = [c for c in plan.pending if c.destructive]
    if destructive and not options.allow_destructive:
        raise StreamtError(
            [
                Diagnostic(
                    "A003",
                    f"{c.address}: {c.action.value} is destructive ({c.reason})",
                    hint="re-run with --allow-destructive to allow it; nothing was applied",
                    node=c.node,
                )
                for c in destructive
            ]
        )
    losing = [
        c for c in plan.pending if c.action in (Action.UPGRADE, Action.CREATE) and c.state_breaking
    ]
    if losing and not options.allow_state_loss:
        raise StreamtError(
            [
                Diagnostic(
                    "A140",
                    f"{c.address}: the upgrade cannot keep the job's state ({c.reason})",
                    hint=f"{c.hint}; nothing was applied",
                    node=c.node,
                )
                for c in losing
            ]
        )
    check_variables(plan, options.environ)


STOP_GRACE_S = 1.0  # how long Ctrl-C waits for the running steps to stop


def execute_plan(
    plan: Plan,
    ctx: StepContext,
    progress: Progress | None = None,
    on_phase_done: Callable[[], None] | None = None,
) -> ApplyReport:
    preflight(plan, ctx.options)
    events = progress or NoProgress()
    results: list[StepResult] = []
    pool = ThreadPoolExecutor(max_workers=max(1, ctx.options.max_workers))
    futures: list[Future[StepResult]] = []
    try:
        for name, changes in phases(plan):
            events.phase(name, changes)
            futures = [pool.submit(_run, ctx, c, events) for c in changes]
            done = [f.result() for f in futures]
            results.extend(done)
            if on_phase_done is not None:
                on_phase_done()
            if not all(r.ok for r in done):
                break
    except KeyboardInterrupt:
        # Ctrl-C: no step starts any more, the running ones stop at their next poll
        # (ApplyOptions.pause); each step records its ledger entry before it acts, so the next
        # apply converges. Wait for them a moment, never for a whole job start.
        ctx.options.stop.set()
        for f in futures:
            f.cancel()
        wait(futures, timeout=STOP_GRACE_S)
        raise
    finally:
        pool.shutdown(wait=not ctx.options.stop.is_set(), cancel_futures=True)
    return ApplyReport(tuple(results))


def _run(ctx: StepContext, change: Change, events: Progress) -> StepResult:
    if ctx.options.stop.is_set():
        return StepResult(change, False, "not started: apply was interrupted", 0.0)
    events.started(change)
    start = time.monotonic()
    try:
        message, ok = step_for(change)(ctx, change), True
    except (StepError, AdapterError, LedgerError) as exc:
        message, ok = str(exc), False
    except Interrupted:  # an adapter's wait, stopped by Ctrl-C (ApplyOptions.stop)
        message, ok = INTERRUPTED, False
    result = StepResult(change, ok, message, time.monotonic() - start)
    events.finished(result)
    return result
