"""Ctrl-C during apply's wait for a job: back within a second, the next apply converges."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

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
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))  # Ctrl-C, 1 s in
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        execute_plan(plan, ctx)
    interrupted_at = time.monotonic()
    assert interrupted_at - started < 2.0  # the wait would have lasted 60 s
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
