"""Ctrl-C while an upgrade's savepoint is being taken, on the real stack: apply is back within a
second, Flink finishes the stop on its own, and the next apply starts the new SQL from the
savepoint the old job stopped with (the count per key goes on), with no job left duplicated."""

from __future__ import annotations

import dataclasses
import os
import signal
import threading
import time
from collections import Counter

import httpx
import pytest

from streamt.resources import Action, EntryStatus, ResourceKind
from tests.ctrl_c import ctrl_c_raises  # noqa: F401  (applies to every test here)
from tests.integration.test_apply_upgrade import V1, Producer, counting_project, final_counts

from .test_apply_support import cleanup, deploy, jobs, session, systems, unique

pytestmark = pytest.mark.integration
# the new SQL leaves k0 out: its count stays where the old job's state had it
V2 = "SELECT `k`, COUNT(*) AS `c` FROM `events` WHERE `k` <> 'k0' GROUP BY `k`"
ACTIVE = {"INITIALIZING", "CREATED", "RUNNING", "RESTARTING", "RECONCILING", "FAILING"}


class StopSpy:
    """The real Flink client; `stopping` is set as apply asks for the stop with savepoint."""

    def __init__(self, inner: object) -> None:
        self.inner, self.stopping = inner, threading.Event()

    def stop_with_savepoint(self, *args: object, **kw: object) -> str:
        self.stopping.set()
        return self.inner.stop_with_savepoint(*args, **kw)  # type: ignore[attr-defined,no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@pytest.fixture
def names(local_stack):  # type: ignore[no-untyped-def]
    name = unique("it-sp-int")
    yield name, f"{name}.events", f"{name}.counts"
    cleanup([counting_project(name, f"{name}.events", f"{name}.counts", V1)])


def _wait_until_stopped(stack, job_id: str, timeout: float = 60.0) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    state = ""
    while time.monotonic() < deadline:
        state = httpx.get(f"{stack.flink_rest_url}/jobs/{job_id}", timeout=10).json()["state"]
        if state not in ACTIVE:
            return str(state)
        time.sleep(0.5)
    return str(state)


def _stop_savepoint(stack, job_id: str, timeout: float = 30.0) -> str:  # type: ignore[no-untyped-def]
    """Where Flink's REST says the job's stop put its savepoint, read without streamt."""
    deadline = time.monotonic() + timeout
    while True:
        body = httpx.get(f"{stack.flink_rest_url}/jobs/{job_id}/checkpoints", timeout=10).json()
        savepoint = body["latest"].get("savepoint") or {}
        if savepoint.get("status") == "COMPLETED" or time.monotonic() > deadline:
            assert savepoint.get("checkpoint_type") == "SYNC_SAVEPOINT", body["latest"]
            return str(savepoint["external_path"])
        time.sleep(0.5)


def test_ctrl_c_while_the_savepoint_is_taken_then_apply_resumes_the_new_sql_from_it(
    names, local_stack
):  # type: ignore[no-untyped-def]
    name, events, counts = names
    bootstrap, pipeline = local_stack.kafka_bootstrap, f"streamt.{name}.counts"
    producer = Producer(bootstrap, events)
    _, report = deploy(counting_project(name, events, counts, V1))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    producer.send(50)
    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    (old,) = [jid for jid, state in jobs(local_stack, pipeline) if state == "RUNNING"]

    real = systems()
    spy = StopSpy(real.flink)
    sent_at: list[float] = []

    def ctrl_c_once_stopping() -> None:
        if spy.stopping.wait(120):
            time.sleep(0.05)  # the stop request is on its way: Flink takes the savepoint
            sent_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=ctrl_c_once_stopping)
    before = set(threading.enumerate())
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            deploy(
                counting_project(name, events, counts, V2),
                chosen=dataclasses.replace(real, flink=spy),  # type: ignore[arg-type]
            )
        back = time.monotonic() - sent_at[0]
    finally:
        spy.stopping.set()
        timer.join()
    assert back < 1.5, f"apply took {back:.1f} s to stop after Ctrl-C"
    deadline = time.monotonic() + 1.0  # and its step's thread is gone within a poll
    while time.monotonic() < deadline and set(threading.enumerate()) - before - {timer}:
        time.sleep(0.05)
    assert not set(threading.enumerate()) - before - {timer}

    # the ledger recorded what was done: the old job was being stopped, no savepoint yet
    entry = session(counting_project(name, events, counts, V2)).ledger.get(
        ResourceKind.JOB, "counts"
    )
    assert entry is not None and entry.status is EntryStatus.PENDING
    assert entry.previous_job_id == old and entry.savepoint is None
    assert [jid for jid, _ in jobs(local_stack, pipeline)] == [old]  # nothing new submitted

    # Flink finishes the stop it was asked for, alone (its statistics show it a moment later)
    assert _wait_until_stopped(local_stack, old) == "FINISHED"
    left = _stop_savepoint(local_stack, old)

    plan, report = deploy(counting_project(name, events, counts, V2))
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == left
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    active = [jid for jid, state in jobs(local_stack, pipeline) if state in ACTIVE]
    assert len(active) == 1 and active[0] != old
    flink = systems().flink
    assert flink is not None
    restored = flink.checkpoint_stats(active[0]).restored_path  # type: ignore[attr-defined]
    assert restored.rstrip("/") == left.rstrip("/")

    before_k0 = producer.sent["k0"]
    producer.send(50)  # the new SQL counts on from the old state, without k0
    expected = Counter({**producer.sent, "k0": before_k0})
    assert final_counts(bootstrap, counts, expected) == dict(expected)
    assert not session(counting_project(name, events, counts, V2)).plan().has_changes
