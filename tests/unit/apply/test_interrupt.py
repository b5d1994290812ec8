"""Ctrl-C during apply's waits (a job starting, a savepoint being taken): back within a second,
the step's thread gone within a poll, and the next apply converges."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable

from streamt.apply.executor import ApplyReport, execute_plan
from streamt.apply.step import ApplyOptions, StepContext
from streamt.resources import Action, EntryStatus, Plan, ResourceKind
from streamt.state import LedgerWriter, Systems, read_ledger
from tests.ctrl_c import ctrl_c_raises  # noqa: F401  (applies to every test here)

from ..plan.factories import ENV, PROJECT
from .fakes import FakeFlink, fake_systems
from .test_execute import ENVIRON, _flink, cycle, plan_for, project


def _interrupted(
    systems: Systems, plan: Plan, options: ApplyOptions, ready: Callable[[], bool]
) -> float:
    """Execute `plan`, press Ctrl-C (SIGINT) 0.3 s after `ready()`; how long apply took to
    give up once it was pressed. Fails if apply ended on its own, or left a thread behind."""
    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    ctx = StepContext(systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), options)
    before = set(threading.enumerate())
    finished = threading.Event()
    sent_at: list[float] = []

    def ctrl_c_once_ready() -> None:
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        if not finished.is_set():
            sent_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=ctrl_c_once_ready)
    timer.start()
    report: ApplyReport | None = None
    try:
        report = execute_plan(plan, ctx)
    except KeyboardInterrupt:
        pass
    finally:
        finished.set()
        timer.join()
    back = time.monotonic() - sent_at[0] if sent_at else float("inf")
    # it did not end on its own: the wait would have lasted a minute
    assert report is None, [(r.change.name, r.message) for r in report.results]
    # the step's thread leaves within one poll, not at the wait's timeout
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and set(threading.enumerate()) - before - {timer}:
        time.sleep(0.02)
    assert not (set(threading.enumerate()) - before - {timer})
    return back


def _waiting_options(**kw: object) -> ApplyOptions:
    return ApplyOptions(
        job_stable_s=0, poll_s=0.2, job_start_timeout_s=60, restart_grace_s=60,
        history_wait_s=0, environ=ENVIRON, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _polling_for_real(flink: FakeFlink) -> None:
    """The adapter's waits sleep on the apply's stop event, as outside tests (not no-op)."""
    flink.sleep = flink.gateway.sleep = None


def test_ctrl_c_while_a_job_restarts_returns_within_a_second_and_the_next_apply_converges():
    systems = fake_systems()
    flink = _flink(systems)
    flink.fail_next = "RESTARTING"  # the new job never gets RUNNING: apply waits for it
    plan, _ = plan_for(systems, project())
    back = _interrupted(systems, plan, _waiting_options(), lambda: bool(flink.submitted))
    assert back < 1.5  # back within a second or so
    assert len(flink.submitted) == 1  # it was waiting for the submitted job
    # the next apply finds the job by its pipeline name and converges (no second submit)
    flink.set_state(flink.server.jobs[next(iter(flink.server.jobs))].jid, "RUNNING")
    flink.fail_next = None
    _, report = cycle(systems, project(), environ=ENVIRON)
    assert report.ok, report.failed
    again, _ = plan_for(systems, project())
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
    assert len(flink.running()) == 1


def _upgrade_interrupted_during_its_savepoint() -> tuple[Systems, FakeFlink, str]:
    """v1 runs; the upgrade to v2 is interrupted while Flink takes the savepoint."""
    systems = fake_systems()
    flink = _flink(systems)
    cycle(systems, project(), environ=ENVIRON)
    (old,) = flink.running()
    _polling_for_real(flink)
    flink.server.savepoint_polls = 10**6  # the savepoint takes longer than anyone waits
    beats: list[str] = []
    plan, _ = plan_for(systems, project("SELECT id FROM orders WHERE id > ''"))
    assert [c.action for c in plan.pending] == [Action.UPGRADE]
    options = _waiting_options(heartbeat=beats.append, heartbeat_s=0.2)
    back = _interrupted(systems, plan, options, lambda: bool(flink.server.triggers))
    assert back < 1.5
    assert any(b.startswith("job orders_clean: savepoint in progress, ") for b in beats), beats
    assert systems.ledger is not None
    entry = read_ledger(systems.ledger, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.status is EntryStatus.PENDING
    assert entry.previous_job_id == old.job_id and entry.savepoint is None
    assert len(flink.submitted) == 1  # the new version was never submitted
    flink.server.savepoint_polls = 1
    return systems, flink, old.job_id


def test_ctrl_c_while_the_savepoint_is_taken_then_apply_resumes_from_it():
    systems, flink, old = _upgrade_interrupted_during_its_savepoint()
    new = project("SELECT id FROM orders WHERE id > ''")
    plan, _ = plan_for(systems, new)  # planned again at once: the stop is still under way
    (refused,) = plan.refused  # a second stop would abort the savepoint Flink is taking
    assert f"job {old} is still being stopped with a savepoint" in refused.reason
    assert refused.hint.startswith("plan again in a few seconds")
    flink.server.finish_stops()  # Flink goes on: the old job ends FINISHED with its savepoint
    left = flink.server.jobs[old].stopped_with
    plan, _ = plan_for(systems, new)
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == left
    _, report = cycle(systems, new, environ=ENVIRON)
    assert report.ok, report.failed
    (running,) = flink.running()
    assert flink.server.jobs[running.job_id].restored_from == left
    assert not plan_for(systems, new)[0].has_changes


def test_ctrl_c_while_the_savepoint_is_taken_that_then_fails_upgrades_again():
    systems, flink, old = _upgrade_interrupted_during_its_savepoint()
    flink.server.fail_stops()  # the savepoint fails: Flink keeps the old job running
    new = project("SELECT id FROM orders WHERE id > ''")
    plan, _ = plan_for(systems, new)
    (change,) = plan.pending
    assert change.action is Action.UPGRADE and change.live_job_id == old
    _, report = cycle(systems, new, environ=ENVIRON)
    assert report.ok, report.failed
    (running,) = flink.running()
    assert flink.server.jobs[running.job_id].restored_from == flink.server.jobs[old].stopped_with
    assert not plan_for(systems, new)[0].has_changes
