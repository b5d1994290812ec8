"""The test PostgreSQL starts whatever its data dir holds from an earlier life.

A CI run failed its five JDBC tests at setup: the data dir of the second worker's server kept
a `postmaster.pid` from a machine restored without its processes, the PID in it belonged by
then to a process of the other worker's server, and PostgreSQL took it for a server already
running there. These tests build that state and a broken data dir on two throwaway servers
(not the suite's own) and start them with the fixture's code.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_helpers import Server

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_servers() -> Iterator[tuple[Server, Server]]:
    # under /var/tmp: the postgres user cannot enter pytest's private tmp_path
    base = Path(f"/var/tmp/streamt-test-pg-restart-{os.getpid()}")
    servers = (Server(base / "a", _free_port()), Server(base / "b", _free_port()))
    try:
        yield servers
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _server_pid(server: Server) -> int:
    return int((server.data / "postmaster.pid").read_text().split("\n", 1)[0])


def test_a_lock_file_naming_another_servers_process_is_stale(two_servers):
    a, b = two_servers
    a.start()
    b.start()
    b.client.execute("create table kept (v int); insert into kept values (7)")
    lock = (b.data / "postmaster.pid").read_text()
    socket_lock = (b.dir / f".s.PGSQL.{b.port}.lock").read_text()
    b.stop()
    # the restored machine: b's lock files are back, their PID now one of a's processes
    other = str(_server_pid(a))
    (b.data / "postmaster.pid").write_text(other + lock[lock.index("\n") :])
    (b.dir / f".s.PGSQL.{b.port}.lock").write_text(other + socket_lock[socket_lock.index("\n") :])

    assert b.start() is True
    assert b.client.query("select v from kept") == [("7",)]  # the lock went, not the data
    assert a.client.query("select 1") == [("1",)]  # and a's server was left alone


def test_a_running_server_is_reused_not_restarted(two_servers):
    a, _ = two_servers
    assert a.start() is True
    pid = _server_pid(a)
    assert a.start() is False
    assert _server_pid(a) == pid


def test_a_data_dir_that_cannot_start_is_created_afresh(two_servers):
    a, _ = two_servers
    a.start()
    a.stop()
    (a.data / "global" / "pg_control").unlink()  # PostgreSQL refuses to start without it

    assert a.start() is True
    assert a.client.query("select 1 + 1") == [("2",)]
