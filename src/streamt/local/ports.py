"""Is a TCP port free on localhost, and if not, which process holds it (via psutil)."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return not port_accepts(port)


def port_accepts(port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def port_owner(port: int) -> str | None:
    """'pid 123 (java ... cmdline)' of the process listening on port, when visible."""
    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.Error, OSError):  # e.g. macOS without the rights to see other users' sockets
        return None
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return None
            return f"pid {conn.pid} ({_cmdline(conn.pid)})"
    return None


def _cmdline(pid: int) -> str:
    try:
        words = [w for w in psutil.Process(pid).cmdline() if w]
    except (psutil.Error, OSError):
        return "?"
    text = " ".join(words)
    if len(text) <= 120 or not words:
        return text
    # a JVM's flags say little: keep the program and the end (main class and arguments)
    return f"{Path(words[0]).name} ... {text[-90:]}"
