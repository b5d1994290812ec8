"""Ctrl-C in a test: `ctrl_c_raises` (import it into a test module: it applies to each of its
tests) makes SIGINT raise KeyboardInterrupt, also where the runner was started with SIGINT
ignored (a shell's background job), and restores what was there."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def ctrl_c_raises() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)
