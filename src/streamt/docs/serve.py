"""`docs serve`: the site over HTTP on localhost, rebuilt when a project file changes.

The server hands out the output folder read-only (`http.server`, bound to 127.0.0.1); a watcher
compares the project files' modification times and sizes once a second and calls the rebuild when
one changed, appeared or went away — once the files have stopped changing for one more interval,
so a save caught half-written (truncated, not yet filled) is not built. A rebuild that fails keeps
the last good site (the error goes to `report`).
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Callable
from pathlib import Path

WATCHED = (".yml", ".yaml", ".sql", ".env")
SKIPPED = frozenset({"target", ".git", ".venv", "__pycache__", "node_modules"})


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Relative path -> (mtime in ns, size) of every project file (YAML, SQL, .env) under `root`."""
    out: dict[str, tuple[int, int]] = {}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name in SKIPPED or (skip is not None and entry == skip):
                continue
            if entry.is_dir() and not entry.is_symlink():
                stack.append(entry)
            elif entry.suffix in WATCHED or entry.name.startswith(".env"):
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                out[str(entry.relative_to(root))] = (stat.st_mtime_ns, stat.st_size)
    return out


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def start_server(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def watch(
    root: Path,
    rebuild: Callable[[], None],
    report: Callable[[str], None],
    skip: Path | None = None,
    interval: float = 1.0,
    stop: threading.Event | None = None,
) -> None:
    """Rebuild whenever `snapshot(root)` changes, until `stop` is set (or forever)."""
    stop = stop or threading.Event()
    last = snapshot(root, skip)
    while not stop.wait(interval):
        now = snapshot(root, skip)
        if now == last:
            continue
        while not stop.wait(interval):  # settle: a file still being written is not built yet
            settled = snapshot(root, skip)
            if settled == now:
                break
            now = settled
        if stop.is_set():
            return
        last = now
        started = time.monotonic()
        try:
            rebuild()
        except Exception as exc:  # shown, and the last good site stays up
            report(f"rebuild failed, serving the last good site: {exc}")
            continue
        report(f"rebuilt in {time.monotonic() - started:.2f}s")
