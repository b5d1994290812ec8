"""A tiny HTTP reverse proxy: `/x` on the listen port is forwarded to `<upstream><prefix>/x`.

It lets the registry serve the Confluent API at the root (Apicurio serves it under a
prefix). Run as `python -m streamt.local.proxy --listen P --upstream H:P --prefix /p`.
Methods, query strings, headers and bodies pass through unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailers", "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip


def make_handler(upstream: str, prefix: str) -> type[BaseHTTPRequestHandler]:
    host, _, port = upstream.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
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

        def _reply(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="streamt.local.proxy")
    parser.add_argument("--listen", type=int, required=True)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.bind, args.listen), make_handler(args.upstream, args.prefix))
    server.daemon_threads = True
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
