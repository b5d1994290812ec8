"""A tiny HTTP reverse proxy: `/x` on the listen port is forwarded to `<upstream><prefix>/x`.

It lets the registry serve the Confluent API at the root (Apicurio serves it under a
prefix). Run as `python -m streamt.local.proxy --listen P --upstream H:P --prefix /p`.
Methods, query strings, headers and bodies pass through unchanged.

With `--tls-cert/--tls-key` it serves HTTPS; with `--users FILE` (`user:password` lines) every
request needs one of those users' basic auth, else 401 before anything is forwarded (the
Authorization header is not forwarded).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hmac
import http.client
import ssl
import sys
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip


def make_handler(
    upstream: str, prefix: str, users: Mapping[str, str] | None = None
) -> type[BaseHTTPRequestHandler]:
    host, _, port = upstream.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if users is not None and not authorized(self.headers.get("Authorization"), users):
                self._reply(401, _UNAUTHORIZED, {"WWW-Authenticate": 'Basic realm="registry"'})
                return
            skip = _HOP_BY_HOP | {"authorization"}
            headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
            conn = http.client.HTTPConnection(host, int(port), timeout=60)
            try:
                conn.request(self.command, prefix + self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
            except OSError as exc:
                self._reply(502, b'{"error_code":502,"message":"registry backend unavailable: '
                            + str(exc).encode() + b'"}')  # fmt: skip
                return
            finally:
                conn.close()
            self.send_response(resp.status)
            for key, value in resp.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reply(self, status: int, data: bytes, extra: Mapping[str, str] | None = None) -> None:
            self.send_response(status)
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    return Handler


_UNAUTHORIZED = b'{"error_code":401,"message":"Unauthorized: basic auth required"}'


def authorized(header: str | None, users: Mapping[str, str]) -> bool:
    """The `Authorization` header names one of `users` with its password (constant time)."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    expected = users.get(user)
    return bool(sep) and expected is not None and hmac.compare_digest(password, expected)


def read_users(path: str) -> dict[str, str]:
    lines = Path(path).read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="streamt.local.proxy")
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--tls-cert", default=None)
    parser.add_argument("--tls-key", default=None)
    parser.add_argument("--users", default=None, help="a file of user:password lines")
    args = parser.parse_args(argv)
    users = read_users(args.users) if args.users else None
    handler = make_handler(args.upstream, args.prefix, users)
    server = ThreadingHTTPServer((args.bind, args.listen), handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
