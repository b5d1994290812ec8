"""Ctrl-C during apply's wait for a job: back within a second, the next apply converges."""

from __future__ import annotations

import os
import signal
import threading
import time

from streamt.apply.executor import execute_plan
from streamt.apply.step import ApplyOptions, StepContext
from streamt.state import LedgerWriter

from ..plan.factories import ENV, PROJECT
from .fakes import fake_systems
from .test_execute import ENVIRON, _flink, cycle, plan_for, project


def test_ctrl_c_while_a_job_restarts_returns_within_a_second_and_the_next_apply_converges():
    systems = fake_systems()
    flink = _flink(systems)
    flink.fail_next = "RESTARTING"  # the new job never gets RUNNING: apply waits for it
    plan, ledger = plan_for(systems, project())
    assert systems.ledger is not None
    options = ApplyOptions(
        job_stable_s=0, poll_s=0.2, job_start_timeout_s=60, restart_grace_s=60,
        history_wait_s=0, environ=ENVIRON,
    )  # fmt: skip
    ctx = StepContext(systems, ledger, LedgerWriter(systems.ledger, PROJECT, ENV), options)
    before = set(threading.enumerate())
    finished = threading.Event()
    sent_at: list[float] = []

    def ctrl_c_once_waiting() -> None:  # Ctrl-C while apply waits for the submitted job
        deadline = time.monotonic() + 30
        while not flink.submitted and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        if not finished.is_set():
            sent_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=ctrl_c_once_waiting)
    timer.start()
    try:
        report = execute_plan(plan, ctx)
    except KeyboardInterrupt:
        report = None
    finally:
        finished.set()
        timer.join()
    interrupted_at = time.monotonic()
    # it did not end on its own: the wait for the job would have lasted 60 s
    assert report is None, [(r.change.name, r.message) for r in report.results]
    assert sent_at and interrupted_at - sent_at[0] < 1.5  # back within a second or so
    assert len(flink.submitted) == 1  # it was waiting for the submitted job
    # the step's thread leaves within one poll (0.2 s), not at the 60 s timeout
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline and set(threading.enumerate()) - before - {timer}:
        time.sleep(0.02)
    assert not (set(threading.enumerate()) - before - {timer})
    # the next apply finds the job by its pipeline name and converges (no second submit)
    flink.set_state(flink.server.jobs[next(iter(flink.server.jobs))].jid, "RUNNING")
    flink.fail_next = None
    _, report = cycle(systems, project(), environ=ENVIRON)
    assert report.ok, report.failed
    again, _ = plan_for(systems, project())
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]
    assert len(flink.running()) == 1
