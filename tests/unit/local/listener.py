"""A child Python process listening on a free port, named by a marker in its command line, so
a test can check that streamt names the process that holds a port (this test process's own
command line is pytest-xdist's title under `pytest -n`, not its argv)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

MARKER = "streamt-port-holder"
_LISTEN = (
    "import socket, sys\n"
    "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
    "print(s.getsockname()[1], flush=True)\n"
    "sys.stdin.read()\n"
)


@contextmanager
def listening_child() -> Iterator[tuple[int, int]]:
    """(pid, port) of a child listening until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-c", _LISTEN, MARKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.pid, int(child.stdout.readline())
    finally:
        child.kill()
        child.wait()
