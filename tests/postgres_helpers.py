"""A throwaway PostgreSQL for the test suite (the JDBC sink target).

Uses the Debian server installed by `scripts/install-postgres`, in its own data dir on
127.0.0.1:55432 (not the distribution's cluster); a run on a stack with shifted ports
(`STREAMT_LOCAL_PORT_OFFSET=N`) gets its own server on 55432 + N in a data dir of its own.
Queries go through `psql`, so the suite needs no Python driver.

The data dir is disposable and may outlive the machine that wrote it (a machine restored from
a snapshot keeps `/var/tmp` but none of its processes): a lock file naming a process that is not
this data dir's server is removed before the start, and a start that still fails re-creates the
data dir once. A start that fails after that says why (pg_ctl's output and the server log).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

_OFFSET = int(os.environ.get("STREAMT_LOCAL_PORT_OFFSET") or "0")
PG_PORT = int(os.environ.get("STREAMT_TEST_PG_PORT") or 55432 + _OFFSET)
PG_DIR = Path(
    os.environ.get("STREAMT_TEST_PG_DIR")
    or "/var/tmp/streamt-test-postgres" + (f"-{_OFFSET}" if _OFFSET else "")
)
PG_DATA = PG_DIR / "data"


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.dbname}"

    def query(self, sql: str) -> list[tuple[str, ...]]:
        """Rows of a query as tuples of text (NULL as '')."""
        out = self._psql(["-At", "-F", "\x1f", "-c", sql])
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line]

    def execute(self, sql: str) -> None:
        self._psql(["-q", "-c", sql])

    def _psql(self, args: list[str]) -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        argv = ["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.dbname,
                "-v", "ON_ERROR_STOP=1", *args]  # fmt: skip
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"psql failed: {proc.stderr.strip()}")
        return proc.stdout


DEFAULT = Postgres("127.0.0.1", PG_PORT, "streamt", "streamt", "streamt")


@dataclass(frozen=True)
class Server:
    """One test server: a data dir under `dir`, listening on 127.0.0.1:`port`."""

    dir: Path
    port: int

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def client(self) -> Postgres:
        return Postgres("127.0.0.1", self.port, DEFAULT.user, DEFAULT.password, DEFAULT.dbname)

    def start(self) -> bool:
        """Start the server unless it is running; True if this call started it."""
        if _accepts(self.port):
            self.client.query("select 1")
            return False
        bindir = _bin_dir()
        if not (self.data / "PG_VERSION").exists():
            self._initdb(bindir)
        self._remove_stale_locks()
        failure = self._pg_ctl_start(bindir)
        if failure is not None:  # a data dir no lock explains: it is disposable, start afresh
            self._initdb(bindir)
            failure = self._pg_ctl_start(bindir)
        if failure is not None:
            raise RuntimeError(f"test PostgreSQL on port {self.port} did not start:\n{failure}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.client.query("select 1")
                return True
            except RuntimeError:
                time.sleep(0.3)
        raise RuntimeError(f"test PostgreSQL did not accept connections:\n{self._log_tail()}")

    def stop(self) -> None:
        subprocess.run(
            _as_postgres_user([str(_bin_dir() / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                               "-w", "stop"]),
            check=False, capture_output=True,
        )  # fmt: skip

    def _pg_ctl_start(self, bindir: Path) -> str | None:
        """None once started, else what pg_ctl and the server log said."""
        run = _as_postgres_user([
            str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"),
            "-w", "-t", "60", "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off", "start",
        ])  # fmt: skip
        proc = subprocess.run(run, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return None
        return f"pg_ctl exited {proc.returncode}: {proc.stderr.strip() or proc.stdout.strip()}\n{self._log_tail()}"

    def _log_tail(self, lines: int = 15) -> str:
        log = self.dir / "server.log"
        if not log.exists():
            return f"(no {log})"
        return f"last lines of {log}:\n" + "\n".join(
            log.read_text(errors="replace").splitlines()[-lines:]
        )

    def _remove_stale_locks(self) -> None:
        """Removes a lock file whose process is not this data dir's server. PostgreSQL takes a
        lock file naming a live process of its own user as a running server; after a restore
        or reboot, the PID it names may belong to any process, another test server's included."""
        for lock in (self.data / "postmaster.pid", self.dir / f".s.PGSQL.{self.port}.lock"):
            try:
                pid = int(lock.read_text().split("\n", 1)[0].strip())
            except (OSError, ValueError):
                continue
            if not _is_server_of(pid, self.data):
                lock.unlink(missing_ok=True)

    def _initdb(self, bindir: Path) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        pwfile = self.dir / "pwfile"
        pwfile.write_text(DEFAULT.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        subprocess.run(
            _as_postgres_user([str(bindir / "initdb"), "-D", str(self.data), "-U", DEFAULT.user,
                               f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8"]),
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            _as_postgres_user([str(bindir / "postgres"), "--single", "-D", str(self.data), "postgres"]),
            input=f"CREATE DATABASE {DEFAULT.dbname};\n", text=True, check=True, capture_output=True,
        )  # fmt: skip


SERVER = Server(PG_DIR, PG_PORT)


def _is_server_of(pid: int, data: Path) -> bool:
    """Whether `pid` is a live PostgreSQL server started on the data dir `data`."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (
        bool(argv)
        and Path(argv[0].decode(errors="replace")).name == "postgres"
        and any(a.decode(errors="replace") == str(data) for a in argv)
    )


def _bin_dir() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not versions:
        raise RuntimeError("PostgreSQL server not installed: run scripts/install-postgres")
    return versions[-1].parent


def _as_postgres_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def start_postgres() -> bool:
    """Start the test PostgreSQL unless it is running; True if this call started it."""
    return SERVER.start()


def stop_postgres() -> None:
    SERVER.stop()
