"""An apply process killed (SIGKILL) at several points converges on re-run with no duplicate
job, topic or connector; a second concurrent apply is refused while the first holds the lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import EntryStatus, ResourceKind, TopicSpec
from streamt.state import KafkaLedgerStore, read_ledger
from tests.stack import endpoints

from .test_apply_support import ENV, cleanup, deploy, flink_job, session, systems, table_ddl, unique

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
JOBS = ("a", "b", "c")


def chain(name: str) -> DesiredState:
    """Three independent filter jobs reading one input, each writing its own topic."""
    raw = f"{name}.raw"
    topics = [TopicSpec(raw, 1, 1, {}, node=f"source.{name}.raw")]
    jobs = []
    for j in JOBS:
        out = f"{name}.{j}"
        topics.append(TopicSpec(out, 1, 1, {}, node=f"model.{name}.{j}"))
        src = table_ddl("raw", raw, [("id", "STRING"), ("n", "INT")], group=f"streamt.{name}.{j}")
        dst = table_ddl("out", out, [("id", "STRING"), ("n", "INT")])
        jobs.append(
            flink_job(
                name, j, src, dst, f"SELECT `id`, `n` FROM `raw` WHERE `n` > {len(jobs)}", "out"
            )
        )
    return DesiredState(project=name, topics=tuple(topics), jobs=tuple(jobs))


WORKER = textwrap.dedent(
    """
    import sys
    from tests.integration.test_apply_interrupted import chain
    from tests.integration.test_apply_support import deploy
    plan, report = deploy(chain(sys.argv[1]), max_workers=1)
    print("OK" if report.ok else "FAILED")
    """
)


def start_worker(name: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, name],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when(proc: subprocess.Popen[str], name: str, ready, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    store = KafkaLedgerStore(endpoints().kafka_bootstrap)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker finished before the kill point: {proc.communicate()}")
        if ready(read_ledger(store, name, ENV)):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.1)
    proc.kill()
    raise AssertionError("kill point never reached")


def running_per_pipeline(name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in systems().flink.list_jobs():  # type: ignore[union-attr]
        if job.name.startswith(f"streamt.{name}.") and job.state == "RUNNING":
            counts[job.name] = counts.get(job.name, 0) + 1
    return counts


def _applied_jobs(ledger) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for e in ledger.of_kind(ResourceKind.JOB) if e.status is EntryStatus.APPLIED)


@pytest.fixture
def name(local_stack):  # type: ignore[no-untyped-def]
    n = unique("it-kill")
    yield n
    cleanup([chain(n)])


@pytest.mark.parametrize(
    "point",
    [
        pytest.param(
            lambda ledger: len(ledger.of_kind(ResourceKind.TOPIC)) == 4, id="after-topics"
        ),
        pytest.param(lambda ledger: _applied_jobs(ledger) == 1, id="between-jobs"),
        pytest.param(
            lambda ledger: any(
                e.status is EntryStatus.PENDING for e in ledger.of_kind(ResourceKind.JOB)
            ),
            id="during-a-job-submission",
        ),
    ],
)
def test_killed_apply_converges_without_duplicates(name, point, local_stack):  # type: ignore[no-untyped-def]
    kill_when(start_worker(name), name, point)
    _plan, report = deploy(chain(name))
    assert report.ok, [(r.change.address, r.message) for r in report.failed]
    assert running_per_pipeline(name) == {f"streamt.{name}.{j}": 1 for j in JOBS}
    topics = [t.name for t in systems().kafka.list_topics() if t.name.startswith(name)]  # type: ignore[union-attr]
    assert sorted(topics) == sorted(t.name for t in chain(name).topics)
    again = session(chain(name)).plan()
    assert not again.has_changes, [(c.address, c.reason) for c in again.pending]


def test_second_concurrent_apply_is_refused(name, local_stack):  # type: ignore[no-untyped-def]
    first = session(chain(name))
    lock = first.locked()
    try:
        with pytest.raises(StreamtError) as err:
            deploy(chain(name))
        diag = err.value.diagnostics[0]
        assert diag.code == "A001"
        assert f"another apply is running on project {name!r}, environment {ENV!r}" in diag.message
    finally:
        lock.release()
    _, report = deploy(chain(name))
    assert report.ok
