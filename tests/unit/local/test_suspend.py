"""`streamt local down` keeps deployed jobs: each running job the ledger knows is stopped with a
savepoint recorded in its entry, and the next apply resubmits it from there."""

from __future__ import annotations

from streamt.apply.status import collect_status
from streamt.local.suspend import latest_checkpoint, recover, suspend
from streamt.resources import Action, ResourceKind
from streamt.state import observe, read_ledger
from streamt.state.ledger_store import LedgerError, MemoryLedgerStore

from ..apply.fakes import FakeFlink, fake_systems
from ..apply.test_execute import cycle, plan_for, project
from ..plan.factories import ENV, PROJECT


def _deployed():  # type: ignore[no-untyped-def]
    systems = fake_systems()
    _, report = cycle(systems, project(with_sink=False))
    assert report.ok
    assert isinstance(systems.flink, FakeFlink) and isinstance(systems.ledger, MemoryLedgerStore)
    return systems, systems.flink, systems.ledger


def test_a_suspended_job_is_resumed_from_its_savepoint_by_the_next_apply() -> None:
    systems, flink, store = _deployed()
    (job,) = flink.running()
    said: list[str] = []

    (done,) = suspend(flink, store, {job.job_id}, said.append)

    assert done.savepoint in flink.server.savepoints  # the location Flink answered
    assert done.savepoint.startswith(f"file:/tmp/flink-savepoints/savepoint-{job.job_id[:6]}-")
    assert flink.jobs[job.job_id].state == "FINISHED"
    entry = read_ledger(store, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.savepoint == done.savepoint and entry.job_id == job.job_id
    assert said == [
        f"suspended {PROJECT}/{ENV}/orders_clean (job {job.job_id}) with savepoint {done.savepoint}"
    ]

    flink.server.jobs.clear()  # the JobManager restarted: it knows no job
    desired = project(with_sink=False)
    ledger = read_ledger(store, PROJECT, ENV)
    report = collect_status(desired, ledger, observe(desired, ledger, systems), systems)
    (row,) = [r for r in report.resources if r.kind == "flink_job"]
    assert not row.exists and row.details["savepoint"] == done.savepoint
    assert row.drift == ("not running: stopped with a savepoint; `streamt apply` resumes it",)
    plan, _ = plan_for(systems, project(with_sink=False))
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == done.savepoint
    assert "local down" in change.reason
    _, report = cycle(systems, project(with_sink=False))
    assert report.ok
    _, config = flink.submitted[-1]
    assert config["execution.savepoint.path"] == done.savepoint
    after = read_ledger(store, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert after is not None and after.savepoint is None and after.job_id != job.job_id
    assert not plan_for(systems, project(with_sink=False))[0].has_changes


def test_only_the_ledgers_running_jobs_of_the_chosen_projects_are_stopped() -> None:
    _, flink, store = _deployed()
    (job,) = flink.running()
    stranger = flink.server.add_job("someone.else").jid

    assert suspend(flink, store, {job.job_id, stranger}, [].append, projects={"other"}) == []
    assert suspend(flink, store, {stranger}, [].append) == []  # ours is not running
    assert flink.jobs[job.job_id].state == "RUNNING" and flink.jobs[stranger].state == "RUNNING"


def test_a_job_without_a_savepoint_is_reported_and_the_others_go_on() -> None:
    _, flink, store = _deployed()
    (job,) = flink.running()

    def broken(job_id: str, directory: str | None = None) -> str:
        raise RuntimeError("savepoint timed out")

    flink.stop_with_savepoint = broken  # type: ignore[method-assign]
    said: list[str] = []
    assert suspend(flink, store, {job.job_id}, said.append) == []
    assert said == [
        f"warning: {PROJECT}/{ENV}/orders_clean: no savepoint (savepoint timed out); "
        "`streamt apply` will refuse it (A002)"
    ]
    entry = read_ledger(store, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.savepoint is None


def test_an_unreadable_ledger_stops_nothing() -> None:
    _, flink, _ = _deployed()
    (job,) = flink.running()

    class Down(MemoryLedgerStore):
        def read(self):  # type: ignore[no-untyped-def]
            raise LedgerError("broker down")

    said: list[str] = []
    assert suspend(flink, Down(), {job.job_id}, said.append) == []
    assert said == [
        "warning: cannot read the deployment ledger (broker down); jobs stop without savepoints"
    ]
    assert flink.jobs[job.job_id].state == "RUNNING"


def test_local_down_suspends_before_it_stops_and_purge_does_not(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    from streamt.cli import main
    from streamt.local import stack
    from streamt.local import suspend as suspend_module

    order: list[str] = []

    def fake_suspend(endpoints, echo, projects=None, kafka_security=None):  # type: ignore[no-untyped-def]
        assert kafka_security is None  # a plaintext home's ledger client has no settings
        order.append(f"suspend {endpoints.flink_rest_url}")
        return ["one"]

    def fake_down(self, purge=False):  # type: ignore[no-untyped-def]
        order.append(f"down purge={purge}")
        return []

    monkeypatch.setattr(suspend_module, "suspend_jobs", fake_suspend)
    monkeypatch.setattr(stack.Stack, "down", fake_down)
    home = str(tmp_path / "h")
    assert main(["local", "--home", home, "--port-offset", "100", "down"]) == 0
    assert "`streamt apply` resumes them" in capsys.readouterr().err
    assert main(["local", "--home", home, "down", "--purge"]) == 0
    assert order == ["suspend http://localhost:8182", "down purge=False", "down purge=True"]


def _checkpoints(root, job_id: str, done: tuple[int, ...], partial: tuple[int, ...] = ()):  # type: ignore[no-untyped-def]
    for n in done + partial:
        (root / job_id / f"chk-{n}").mkdir(parents=True)
    for n in done:
        (root / job_id / f"chk-{n}" / "_metadata").write_bytes(b"x")
    return root


def test_a_job_a_restarted_jobmanager_lost_resumes_from_its_last_checkpoint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    systems, flink, store = _deployed()
    (job,) = flink.running()
    # chk-12 is still being written (no _metadata): chk-9 is the last completed one
    root = _checkpoints(tmp_path, job.job_id, done=(3, 9), partial=(12,))
    flink.server.jobs.clear()  # the JobManager restarted: it knows no job
    said: list[str] = []

    (done,) = recover(store, set(), root, said.append)

    assert done.savepoint == (root / job.job_id / "chk-9").as_uri()
    assert said == [
        f"recovered {PROJECT}/{ENV}/orders_clean: job {job.job_id} was lost by a JobManager "
        f"restart; `streamt apply` resumes it from its last checkpoint {done.savepoint}"
    ]
    plan, _ = plan_for(systems, project(with_sink=False))
    (change,) = plan.pending
    assert change.action is Action.CREATE and change.restore_from == done.savepoint
    assert change.reason.startswith("lost by a JobManager restart: resubmitting from its last")
    flink.server.savepoints.add(done.savepoint)  # the fake restores only from what it knows
    _, report = cycle(systems, project(with_sink=False))
    assert report.ok
    assert flink.submitted[-1][1]["execution.savepoint.path"] == done.savepoint
    after = read_ledger(store, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert after is not None and after.savepoint is None and after.job_id != job.job_id
    assert recover(store, set(), root, said.append) == []  # the new job is not lost


def test_only_lost_jobs_with_a_completed_checkpoint_are_recovered(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, flink, store = _deployed()
    (job,) = flink.running()
    assert recover(store, {job.job_id}, _checkpoints(tmp_path, job.job_id, (1,)), [].append) == []
    assert recover(store, set(), tmp_path / "elsewhere", [].append) == []  # no checkpoint
    empty = _checkpoints(tmp_path / "partial", job.job_id, done=(), partial=(4,))
    assert recover(store, set(), empty, [].append) == []
    entry = read_ledger(store, PROJECT, ENV).get(ResourceKind.JOB, "orders_clean")
    assert entry is not None and entry.savepoint is None
    assert len(suspend(flink, store, {job.job_id}, [].append)) == 1  # `local down` took one
    assert recover(store, set(), tmp_path, [].append) == []  # which stays the one to resume from
    assert latest_checkpoint(tmp_path / job.job_id) == (tmp_path / job.job_id / "chk-1").as_uri()


def test_local_restart_stops_or_kills_only_the_named_processes_then_recovers(  # type: ignore[no-untyped-def]
    tmp_path, monkeypatch, capsys
):
    from streamt.cli import main
    from streamt.local import stack
    from streamt.local import suspend as suspend_module

    calls: list[object] = []

    def fake_restart(self, names, *, kill=False, timeout=240.0):  # type: ignore[no-untyped-def]
        calls.append((names, kill))
        return names

    monkeypatch.setattr(stack.Stack, "restart", fake_restart)
    monkeypatch.setattr(
        suspend_module, "recover_jobs", lambda cfg, echo, **kw: calls.append("recover")
    )
    home = str(tmp_path / "h")
    assert main(["local", "--home", home, "restart", "sql-gateway", "--kill"]) == 0
    assert main(["local", "--home", home, "restart", "flink"]) == 0
    assert calls == [
        (("sql-gateway",), True),
        (("jobmanager", "taskmanager"), False),
        "recover",  # a restarted JobManager forgot its jobs
    ]
    assert "restarted jobmanager, taskmanager" in capsys.readouterr().err
    assert main(["local", "--home", home, "restart", "zookeeper"]) != 0
