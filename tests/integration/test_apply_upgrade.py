"""Stateful upgrades on the real stack: a count per key keeps counting through a SQL change
(stop with savepoint -> resubmit from it) while records arrive before, during and after; an
upgrade whose state cannot be restored fails clearly and `rollback` restores the old SQL."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter

import pytest

from streamt.adapters.flink import FlinkClient
from streamt.adapters.protocols import AdapterError
from streamt.apply.step import ApplyOptions
from streamt.compile.specs import ChangelogMode, DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, ResourceKind, TopicSpec
from tests.kafka_helpers import produce_json

from .test_apply_support import (
    cleanup,
    deploy,
    flink_job,
    read_all,
    session,
    systems,
    table_ddl,
    unique,
)

pytestmark = pytest.mark.integration
KEYS = [f"k{i}" for i in range(5)]


def counting_project(name: str, events: str, counts: str, select: str) -> DesiredState:
    src = table_ddl(
        "events", events, [("id", "STRING"), ("k", "STRING")], group=f"streamt.{name}.counts"
    )
    dst = table_ddl("counts", counts, [("k", "STRING"), ("c", "BIGINT")], key="k")
    job = flink_job(
        name,
        "counts",
        src,
        dst,
        select,
        "counts",
        config={"execution.checkpointing.interval": "2s"},
        changelog=ChangelogMode.UPSERT,
    )
    return DesiredState(
        project=name,
        topics=(
            TopicSpec(events, 2, 1, {}, node=f"source.{name}.events"),
            TopicSpec(counts, 1, 1, {"cleanup.policy": "compact"}, node=f"model.{name}.counts"),
        ),
        jobs=(job,),
    )


V1 = "SELECT `k`, COUNT(*) AS `c` FROM `events` GROUP BY `k`"
V2 = "SELECT `k`, COUNT(*) AS `c` FROM `events` WHERE `k` <> '' GROUP BY `k`"
BROKEN = "SELECT `k`, COUNT(DISTINCT `id`) + COUNT(*) AS `c` FROM `events` GROUP BY `k`"


def _no_stream_graph(statements: object, config: object) -> str:
    raise AdapterError("flink-sql-gateway", "EXPLAIN is not available")


class Producer:
    def __init__(self, bootstrap: str, topic: str) -> None:
        self.bootstrap, self.topic = bootstrap, topic
        self.sent: Counter[str] = Counter()
        self.ids = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send(self, n: int) -> None:
        rows = [{"id": f"e{next(self.ids)}", "k": KEYS[i % len(KEYS)]} for i in range(n)]
        produce_json(self.bootstrap, self.topic, rows, key="k")
        self.sent.update(r["k"] for r in rows)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.send(5)
                time.sleep(0.2)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()


def final_counts(
    bootstrap: str, topic: str, expected: Counter[str], timeout: float = 120.0
) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    latest: dict[str, int] = {}
    while time.monotonic() < deadline:
        for _key, value in read_all(bootstrap, topic, expect=1, timeout=20, settle=1.0):
            if isinstance(value, dict):
                latest[str(value["k"])] = int(value["c"])
        if latest == dict(expected):
            break
        time.sleep(2)
    return latest


@pytest.fixture
def names(local_stack):  # type: ignore[no-untyped-def]
    name = unique("it-upgrade")
    yield name, f"{name}.events", f"{name}.counts"
    cleanup([counting_project(name, f"{name}.events", f"{name}.counts", V1)])


def test_upgrade_keeps_counting_exactly_once_through_a_sql_change(names, local_stack):  # type: ignore[no-untyped-def]
    name, events, counts = names
    bootstrap = local_stack.kafka_bootstrap
    producer = Producer(bootstrap, events)
    _, report = deploy(counting_project(name, events, counts, V1))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    producer.send(100)  # before
    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    old_job = session(counting_project(name, events, counts, V1)).ledger.get(
        ResourceKind.JOB, "counts"
    )
    assert old_job is not None

    producer.start()  # during
    try:
        plan, report = deploy(counting_project(name, events, counts, V2))
    finally:
        producer.stop()
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    (change,) = plan.pending
    assert change.action is Action.UPGRADE and change.live_job_id == old_job.job_id
    producer.send(100)  # after

    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    ledger = session(counting_project(name, events, counts, V2)).ledger
    entry = ledger.get(ResourceKind.JOB, "counts")
    assert entry is not None and entry.job_id != old_job.job_id
    savepoint = entry.previous[-1].savepoint
    assert savepoint
    flink = systems().flink
    assert flink is not None
    assert flink.checkpoint_stats(entry.job_id).restored_path.rstrip("/") == savepoint.rstrip("/")  # type: ignore[attr-defined]
    assert not session(counting_project(name, events, counts, V2)).plan().has_changes


def test_upgrade_that_cannot_restore_fails_clearly_and_rollback_restores_the_count(
    names, local_stack
):  # type: ignore[no-untyped-def]
    name, events, counts = names
    bootstrap = local_stack.kafka_bootstrap
    producer = Producer(bootstrap, events)
    _, report = deploy(counting_project(name, events, counts, V1))
    assert report.ok
    producer.send(50)
    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)

    # streamt sees it coming: the plan makes the upgrade state-breaking and apply refuses it
    broken = counting_project(name, events, counts, BROKEN)
    (change,) = session(broken).plan().pending
    assert change.state_breaking and "cannot be restored" in change.reason
    with pytest.raises(StreamtError) as refused_early:
        deploy(broken)
    assert [d.code for d in refused_early.value.diagnostics] == ["A140"]

    # a cluster that cannot say (its gateway does not explain): the upgrade is tried, Flink
    # refuses the savepoint, and the failure is clear
    unexplained = systems()
    assert isinstance(unexplained.flink, FlinkClient)
    unexplained.flink.stream_graph = _no_stream_graph  # type: ignore[method-assign]
    _, report = deploy(broken, chosen=unexplained, job_start_timeout_s=90.0)
    assert not report.ok
    message = report.failed[0].message
    assert "could not start from savepoint" in message and "streamt rollback counts" in message
    assert (
        "root cause: IllegalStateException: Failed to rollback to checkpoint/savepoint" in message
    )
    refused = session(counting_project(name, events, counts, BROKEN)).plan().refused
    assert refused and "last upgrade of this job failed" in refused[0].reason

    producer.send(50)  # arrives while nothing runs
    s = session(counting_project(name, events, counts, V1))
    result = s.rollback("counts", ApplyOptions(job_stable_s=3.0))
    assert "restored the previous version of counts" in result
    producer.send(50)
    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    assert not session(counting_project(name, events, counts, V1)).plan().has_changes


def test_local_down_keeps_a_jobs_state_in_a_savepoint_and_apply_resumes_it(names, local_stack):  # type: ignore[no-untyped-def]
    """What `streamt local down` does before the stack stops (the stack itself stays up here:
    the job is stopped the same way and the next apply must find it gone)."""
    from streamt.local.suspend import suspend_jobs

    name, events, counts = names
    bootstrap = local_stack.kafka_bootstrap
    producer = Producer(bootstrap, events)
    _, report = deploy(counting_project(name, events, counts, V1))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    producer.send(50)
    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    before = session(counting_project(name, events, counts, V1)).ledger.get(
        ResourceKind.JOB, "counts"
    )
    assert before is not None

    said: list[str] = []
    (done,) = suspend_jobs(local_stack, said.append, projects={name})
    assert done.entry.job_id == before.job_id and said[0].startswith(f"suspended {name}/")
    flink = systems().flink
    assert flink is not None
    assert flink.job_state(before.job_id) == "FINISHED"
    producer.send(50)  # arrives while the job is down

    plan = session(counting_project(name, events, counts, V1)).plan()
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == done.savepoint
    _, report = deploy(counting_project(name, events, counts, V1))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    producer.send(50)

    assert final_counts(bootstrap, counts, producer.sent) == dict(producer.sent)
    entry = session(counting_project(name, events, counts, V1)).ledger.get(
        ResourceKind.JOB, "counts"
    )
    assert entry is not None and entry.job_id != before.job_id and entry.savepoint is None
    restored = flink.checkpoint_stats(entry.job_id).restored_path  # type: ignore[attr-defined]
    assert restored.rstrip("/") == done.savepoint.rstrip("/")
    assert not session(counting_project(name, events, counts, V1)).plan().has_changes
