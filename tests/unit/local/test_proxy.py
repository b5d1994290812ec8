"""The registry proxy serves the upstream's prefixed API at the root, unchanged otherwise."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from streamt.local.proxy import make_handler


class _Upstream(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        data = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "body": body,
                "ctype": self.headers.get("Content-Type"),
            }
        ).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        return


def _serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_requests_are_forwarded_under_the_prefix():
    upstream = _serve(_Upstream)
    proxy = _serve(make_handler(f"127.0.0.1:{upstream.server_port}", "/apis/ccompat/v7"))
    base = f"http://127.0.0.1:{proxy.server_port}"
    try:
        got = httpx.get(f"{base}/subjects?deleted=true").json()
        assert got["path"] == "/apis/ccompat/v7/subjects?deleted=true"
        resp = httpx.post(
            f"{base}/subjects/t-value/versions",
            content=b'{"schema": "\\"string\\""}',
            headers={"Content-Type": "application/vnd.schemaregistry.v1+json"},
        )
        assert resp.status_code == 201
        assert resp.headers["content-type"] == "application/vnd.schemaregistry.v1+json"
        body = resp.json()
        assert body["method"] == "POST" and body["body"] == '{"schema": "\\"string\\""}'
        assert body["ctype"] == "application/vnd.schemaregistry.v1+json"
        assert httpx.delete(f"{base}/subjects/t-value").json()["method"] == "DELETE"
    finally:
        proxy.shutdown()
        upstream.shutdown()


def test_backend_down_is_a_502_not_a_hang():
    proxy = _serve(make_handler("127.0.0.1:9", "/x"))
    try:
        resp = httpx.get(f"http://127.0.0.1:{proxy.server_port}/subjects", timeout=10)
        assert resp.status_code == 502
        assert "unavailable" in resp.json()["message"]
    finally:
        proxy.shutdown()
