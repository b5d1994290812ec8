"""Process identity, memory and port owners come from psutil, never from reading /proc."""

import os
import pathlib
import subprocess
import sys
import time

import pytest

from streamt.local import procs
from streamt.local.ports import port_owner

from .listener import MARKER, listening_child


@pytest.fixture
def no_proc(monkeypatch):
    """streamt's own modules may not read /proc (psutil, the portable layer, may)."""

    def refuse(path: object) -> None:
        if str(path).startswith("/proc"):
            raise AssertionError(f"read {path}")

    real_read_text, real_iterdir = pathlib.Path.read_text, pathlib.Path.iterdir

    def _read_text(self, *a, **k):  # type: ignore[no-untyped-def]
        refuse(self)
        return real_read_text(self, *a, **k)

    def _iterdir(self):  # type: ignore[no-untyped-def]
        refuse(self)
        return real_iterdir(self)

    monkeypatch.setattr(pathlib.Path, "read_text", _read_text)
    monkeypatch.setattr(pathlib.Path, "iterdir", _iterdir)


def test_our_own_process_is_recognised_and_a_recycled_pid_is_not(no_proc, tmp_path):
    ticks = procs.proc_start_ticks(os.getpid())
    assert ticks is not None and ticks > 0
    me = procs.PidRecord(name="me", pid=os.getpid(), start_ticks=ticks)
    assert procs.is_running(me)
    # same PID, another start time: a recycled PID is not ours
    assert not procs.is_running(procs.PidRecord(name="me", pid=os.getpid(), start_ticks=ticks - 1))
    assert procs.rss_bytes(os.getpid()) > 2**20
    assert 0.0 < procs.uptime_seconds(me) < 24 * 3600 * 365


def test_a_finished_child_is_not_running_and_has_no_rss(no_proc, tmp_path):
    record = procs.spawn(
        "child",
        [sys.executable, "-c", "import time; time.sleep(30)"],
        run_dir=tmp_path / "run",
        out_file=tmp_path / "child.log",
    )
    assert record.start_ticks > 0 and procs.is_running(record)
    assert procs.read_pid(tmp_path / "run", "child") == record
    assert procs.stop(record, tmp_path / "run", timeout=5) is False
    assert procs.has_exited(record)
    assert procs.rss_bytes(record.pid) is None
    assert procs.proc_start_ticks(record.pid) is None


def test_a_zombie_is_not_running(no_proc):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        record = None
        while time.monotonic() < deadline:  # exited but not yet reaped: a zombie
            ticks = procs.proc_start_ticks(child.pid)
            record = procs.PidRecord("z", child.pid, ticks or 0)
            if not procs.is_running(record):
                break
            time.sleep(0.05)
        assert record is not None and not procs.is_running(record)
    finally:
        child.wait()


def test_the_owner_of_a_listening_port_is_named(no_proc):
    with listening_child() as (pid, port):
        owner = port_owner(port)
    assert owner is not None
    assert owner.startswith(f"pid {pid} (") and "python" in owner and MARKER in owner
    assert port_owner(port) is None  # closed: nobody listens


def test_start_ticks_match_the_kernels_where_there_is_a_proc():
    """PID files written by earlier versions (ticks read from /proc) still match."""
    stat = pathlib.Path(f"/proc/{os.getpid()}/stat")  # the stack runs on Linux here
    kernel_ticks = int(stat.read_text().rsplit(")", 1)[1].split()[19])
    assert procs.proc_start_ticks(os.getpid()) == kernel_ticks
