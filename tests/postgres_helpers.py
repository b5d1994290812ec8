"""A throwaway PostgreSQL for the test suite (the JDBC sink target).

Uses the Debian server installed by `scripts/install-postgres`, in its own data dir on
127.0.0.1:55432 (not the distribution's cluster); a run on a stack with shifted ports
(`STREAMT_LOCAL_PORT_OFFSET=N`) gets its own server on 55432 + N in a data dir of its own. Queries go through `psql`, so the suite
needs no Python driver.
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
    if _accepts(PG_PORT):
        DEFAULT.query("select 1")
        return False
    bindir = _bin_dir()
    if not (PG_DATA / "PG_VERSION").exists():
        _initdb(bindir)
    run = _as_postgres_user([
        str(bindir / "pg_ctl"), "-D", str(PG_DATA), "-l", str(PG_DIR / "server.log"), "-w", "-t", "60",
        "-o", f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {PG_DIR} -c fsync=off", "start",
    ])  # fmt: skip
    subprocess.run(run, check=True, capture_output=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            DEFAULT.query("select 1")
            return True
        except RuntimeError:
            time.sleep(0.3)
    raise RuntimeError(f"test PostgreSQL did not accept connections; see {PG_DIR / 'server.log'}")


def _initdb(bindir: Path) -> None:
    shutil.rmtree(PG_DIR, ignore_errors=True)
    PG_DIR.mkdir(parents=True)
    pwfile = PG_DIR / "pwfile"
    pwfile.write_text(DEFAULT.password + "\n")
    if os.geteuid() == 0:
        shutil.chown(PG_DIR, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(
        _as_postgres_user([str(bindir / "initdb"), "-D", str(PG_DATA), "-U", DEFAULT.user,
                           f"--pwfile={pwfile}", "-A", "scram-sha-256", "-E", "UTF8"]),
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        _as_postgres_user([str(bindir / "postgres"), "--single", "-D", str(PG_DATA), "postgres"]),
        input=f"CREATE DATABASE {DEFAULT.dbname};\n", text=True, check=True, capture_output=True,
    )  # fmt: skip


def stop_postgres() -> None:
    subprocess.run(
        _as_postgres_user([str(_bin_dir() / "pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"]),
        check=False, capture_output=True,
    )  # fmt: skip
