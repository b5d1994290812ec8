"""Processes of the stack: start detached, remember by PID file, stop exactly those.

A PID file (`<home>/run/<name>.pid`, JSON) records the PID and the process start time
(read through psutil, so this works wherever psutil does, not only on Linux), so a recycled
PID is never mistaken for ours. Nothing here kills by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class PidRecord:
    name: str
    pid: int
    start_ticks: (
        int  # clock ticks from boot to the process start (Linux: /proc/<pid>/stat field 22)
    )
    fingerprint: str = ""  # of the spec it was started from


def proc_start_ticks(pid: int) -> int | None:
    """Clock ticks from boot to the start of pid; None when there is no such process.

    The same number Linux keeps in /proc/<pid>/stat (psutil's create_time is boot time plus
    it), so PID files written by earlier versions still match.
    """
    try:
        created = psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None
    return round((created - psutil.boot_time()) * _CLOCK_TICKS)


def is_running(record: PidRecord) -> bool:
    ticks = proc_start_ticks(record.pid)
    if ticks is None or ticks != record.start_ticks:
        return False
    return _status(record.pid) not in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD)


def _status(pid: int) -> str:
    try:
        return str(psutil.Process(pid).status())
    except (psutil.Error, OSError):
        return psutil.STATUS_DEAD


def rss_bytes(pid: int) -> int | None:
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except (psutil.Error, OSError):
        return None


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / f"{name}.pid"


def read_pid(run_dir: Path, name: str) -> PidRecord | None:
    try:
        data = json.loads(pid_file(run_dir, name).read_text())
        return PidRecord(
            name=name,
            pid=int(data["pid"]),
            start_ticks=int(data["start_ticks"]),
            fingerprint=str(data.get("fingerprint", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def live_pid(run_dir: Path, name: str) -> PidRecord | None:
    record = read_pid(run_dir, name)
    return record if record is not None and is_running(record) else None


def spawn(
    name: str,
    argv: list[str],
    *,
    run_dir: Path,
    out_file: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    fingerprint: str = "",
) -> PidRecord:
    """Start argv in its own session, stdout+stderr to out_file, and write its PID file."""
    run_dir.mkdir(parents=True, exist_ok=True)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with out_file.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=cwd,
        )
    ticks = proc_start_ticks(proc.pid) or 0
    record = PidRecord(name=name, pid=proc.pid, start_ticks=ticks, fingerprint=fingerprint)
    pid_file(run_dir, name).write_text(
        json.dumps({"pid": proc.pid, "start_ticks": ticks, "fingerprint": fingerprint})
    )
    _ZOMBIE_GUARD[proc.pid] = proc
    return record


# Popen objects of children we started in this process, so they can be reaped (no zombies).
_ZOMBIE_GUARD: dict[int, subprocess.Popen[bytes]] = {}


def _reap(pid: int) -> None:
    proc = _ZOMBIE_GUARD.get(pid)
    if proc is not None:
        proc.poll()


def has_exited(record: PidRecord) -> bool:
    _reap(record.pid)
    return not is_running(record)


def stop(record: PidRecord, run_dir: Path, timeout: float) -> bool:
    """SIGTERM, wait up to timeout, then SIGKILL. True if it had to be killed."""
    killed = False
    if is_running(record):
        _signal(record.pid, signal.SIGTERM)
        if not _wait_gone(record, timeout):
            _signal(record.pid, signal.SIGKILL)
            _wait_gone(record, 5.0)
            killed = True
    pid_file(run_dir, record.name).unlink(missing_ok=True)
    return killed


def kill(record: PidRecord, run_dir: Path) -> None:
    """SIGKILL, as a crash: no shutdown hook runs."""
    if is_running(record):
        _signal(record.pid, signal.SIGKILL)
        _wait_gone(record, 10.0)
    pid_file(run_dir, record.name).unlink(missing_ok=True)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(record: PidRecord, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(record.pid)
        if not is_running(record):
            return True
        time.sleep(0.1)
    return not is_running(record)


def uptime_seconds(record: PidRecord) -> float:
    started = psutil.boot_time() + record.start_ticks / _CLOCK_TICKS
    return max(0.0, time.time() - started)
