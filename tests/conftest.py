"""Shared pytest fixtures: the real local stack and a PostgreSQL.

`local_stack` (session): reuses a stack already healthy on the default home/ports, else
starts the missing processes with `streamt local up --wait` semantics and, at the end, stops
only the processes it started (set STREAMT_KEEP_STACK=1 to leave them running).
`postgres` (session): the Debian PostgreSQL from scripts/install-postgres in its own data dir.
`--reverse` (or STREAMT_TEST_ORDER=reverse) runs the collected tests in reverse order: with the
suite run twice in a row, it proves no test depends on what an earlier one left.
Under pytest-xdist (`scripts/test` runs `-n 2 --dist loadfile`) every worker has a stack
and a PostgreSQL of its own (`_stack_of_this_worker`), so two halves of the suite run at once
and no test module shares a stack with another running at the same time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import WORKER_PORT_STRIDE


def _worker_index() -> int:
    """0 outside pytest-xdist and on its first worker (`gw0`), N on worker `gwN`."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0


def _stack_of_this_worker() -> None:
    """Under `pytest -n N` (scripts/test), each worker is its own session with a stack of its
    own: `gw0` uses the stack the environment names (the default one in CI), `gwN` a home
    beside it (`<home>-gwN`) with every port, PostgreSQL's included, shifted by N * 100. Set
    in the environment before anything reads the stack config, so the CLI subprocesses a
    test runs get the same stack."""
    n = _worker_index()
    if n == 0:
        return
    from streamt.local.config import default_home

    home = os.environ.get("STREAMT_LOCAL_HOME") or str(default_home())
    offset = int(os.environ.get("STREAMT_LOCAL_PORT_OFFSET") or "0")
    os.environ["STREAMT_LOCAL_HOME"] = f"{home}-gw{n}"
    os.environ["STREAMT_LOCAL_PORT_OFFSET"] = str(offset + n * WORKER_PORT_STRIDE)
    explicit = [k for k in os.environ if k.startswith("STREAMT_LOCAL_PORT_")]
    for name in [*explicit, "STREAMT_TEST_PG_PORT"]:  # explicit ports shift like the others
        if name != "STREAMT_LOCAL_PORT_OFFSET" and os.environ.get(name):
            os.environ[name] = str(int(os.environ[name]) + n * WORKER_PORT_STRIDE)
    if os.environ.get("STREAMT_TEST_PG_DIR"):
        os.environ["STREAMT_TEST_PG_DIR"] += f"-gw{n}"


_stack_of_this_worker()

from streamt.local import procs  # noqa: E402  (the imports below read the worker's stack)
from streamt.local.config import load_config  # noqa: E402
from streamt.local.endpoints import Endpoints  # noqa: E402
from streamt.local.stack import Stack  # noqa: E402
from tests.postgres_helpers import (  # noqa: E402
    DEFAULT,
    Postgres,
    start_postgres,
    stop_postgres,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse",
        action="store_true",
        default=False,
        help="run the collected tests in reverse order (also STREAMT_TEST_ORDER=reverse)",
    )


def reverse_requested(config: pytest.Config) -> bool:
    order = os.environ.get("STREAMT_TEST_ORDER", "")
    if order not in ("", "forward", "reverse"):
        raise pytest.UsageError(f"STREAMT_TEST_ORDER={order!r}: use forward or reverse")
    return bool(config.getoption("--reverse")) or order == "reverse"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if reverse_requested(config):
        items.reverse()


def _progress(message: str) -> None:
    sys.stderr.write(f"[local stack] {message}\n")


@pytest.fixture(scope="session")
def local_stack() -> Iterator[Endpoints]:
    cfg = load_config()
    stack = Stack(cfg, _progress)
    lease = _take_lease(cfg.run_dir)
    started = stack.up(wait=True, timeout=300.0)
    try:
        yield cfg.endpoints
    finally:
        lease.unlink(missing_ok=True)
        others = _other_live_leases(cfg.run_dir)
        if started and not others and not os.environ.get("STREAMT_KEEP_STACK"):
            stack.stop(started)


def _take_lease(run_dir: Path) -> Path:
    """Marks this test session as a user of the stack, so a parallel session that started
    it does not stop it under our feet."""
    leases = run_dir / "leases"
    leases.mkdir(parents=True, exist_ok=True)
    lease = leases / str(os.getpid())
    lease.write_text(str(procs.proc_start_ticks(os.getpid())))
    return lease


def _other_live_leases(run_dir: Path) -> list[Path]:
    alive = []
    for lease in (run_dir / "leases").glob("*"):
        pid = int(lease.name) if lease.name.isdigit() else -1
        ticks = procs.proc_start_ticks(pid) if pid > 0 else None
        if ticks is not None and lease.read_text().strip() == str(ticks):
            alive.append(lease)
        else:
            lease.unlink(missing_ok=True)
    return alive


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    started = start_postgres()
    try:
        yield DEFAULT
    finally:
        if started and not os.environ.get("STREAMT_KEEP_STACK"):
            stop_postgres()
