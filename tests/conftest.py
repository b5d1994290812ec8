"""Shared pytest fixtures: the real local stack and a PostgreSQL.

`local_stack` (session): reuses a stack already healthy on the default home/ports, else
starts the missing processes with `streamt local up --wait` semantics and, at the end, stops
only the processes it started (set STREAMT_KEEP_STACK=1 to leave them running).
`postgres` (session): the Debian PostgreSQL from scripts/install-postgres in its own data dir.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from streamt.local.config import load_config
from streamt.local.endpoints import Endpoints
from streamt.local.stack import Stack
from tests.postgres_helpers import DEFAULT, Postgres, start_postgres, stop_postgres


def _progress(message: str) -> None:
    sys.stderr.write(f"[local stack] {message}\n")


@pytest.fixture(scope="session")
def local_stack() -> Iterator[Endpoints]:
    cfg = load_config()
    stack = Stack(cfg, _progress)
    started = stack.up(wait=True, timeout=300.0)
    try:
        yield cfg.endpoints
    finally:
        if started and not os.environ.get("STREAMT_KEEP_STACK"):
            stack.stop(started)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    started = start_postgres()
    try:
        yield DEFAULT
    finally:
        if started and not os.environ.get("STREAMT_KEEP_STACK"):
            stop_postgres()
