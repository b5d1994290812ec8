"""`streamt local` lifecycle on a second, private stack (own home, ports shifted by 20000),
so the shared default stack is never touched: every component comes up healthy, a second
`up` reuses them, and after `down` no process of that stack is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streamt.local.config import Ports
from streamt.local.ports import port_is_free
from tests.stack import private_offset

pytestmark = pytest.mark.integration

OFFSET = private_offset(__name__)
STREAMT = str(Path(sys.executable).parent / "streamt")


def _run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [STREAMT, "local", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, f"streamt local {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def _status(env: dict[str, str]) -> dict[str, dict[str, object]]:
    body = json.loads(_run(env, "status", "--format", "json").stdout)
    return {p["name"]: p for p in body["processes"]}


def _alive(pid: int) -> bool:
    """Exists and is not a zombie waiting for init to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit() or int(pid_dir.name) == os.getpid():
            continue
        try:
            cmdline = (
                (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except OSError:
            continue
        if text in cmdline and _alive(int(pid_dir.name)):
            found.append(f"{pid_dir.name}: {cmdline[:150]}")
    return found


def test_up_twice_is_idempotent_and_down_leaves_nothing(tmp_path):
    home = tmp_path / "second-stack"
    env = {**os.environ, "STREAMT_LOCAL_HOME": str(home), "STREAMT_LOCAL_PORT_OFFSET": str(OFFSET)}
    ports = Ports().shifted(OFFSET)
    try:
        started = time.monotonic()
        _run(env, "up", "--wait")
        first_up_s = time.monotonic() - started
        first = _status(env)
        assert len(first) == 7
        assert all(p["state"] == "healthy" for p in first.values()), first
        assert first["kafka"]["port"] == ports.kafka

        started = time.monotonic()
        again = _run(env, "up", "--wait")
        # measured against this machine's own first start, not a fixed bound: a second `up`
        # starts nothing, so it takes a fraction of the first (which started 7 processes)
        again_s = time.monotonic() - started
        assert again_s < first_up_s / 2, (again_s, first_up_s)
        assert again.stderr.count("already running") == 7, again.stderr
        second = _status(env)
        assert {n: p["pid"] for n, p in second.items()} == {n: p["pid"] for n, p in first.items()}
        assert all(p["state"] == "healthy" for p in second.values())
    finally:
        down = _run(env, "down")
    assert "stopped 7 process(es)" in down.stderr
    pids = [int(p["pid"]) for p in first.values()]
    assert [pid for pid in pids if _alive(pid)] == []
    assert _processes_mentioning(str(home)) == []
    busy = [port for port in vars(ports).values() if not port_is_free(port)]
    assert busy == []
    assert all(p["state"] == "stopped" for p in _status(env).values())
