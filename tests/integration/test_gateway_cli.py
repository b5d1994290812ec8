"""Virtual topics through the real CLI: `apply`, `status`, `plan` and `destroy` with the ledger in
the local Kafka and the Gateway admin API model of tests/fakes/gateway.py served over HTTP (a
Conduktor Gateway cannot run here)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.fakes.gateway import GatewayServer
from tests.kafka_helpers import create_topic

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway() -> Iterator[tuple[GatewayServer, str]]:
    model = GatewayServer()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = httpx.Request(
                self.command,
                f"http://gateway{self.path}",
                content=self.rfile.read(length),
                headers=dict(self.headers),
            )
            response = model(request)
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_PUT = do_DELETE = _answer

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield model, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_virtual_topic_is_applied_listed_and_destroyed_through_the_cli(  # type: ignore[no-untyped-def]
    local_stack, gateway, tmp_path: Path
) -> None:
    model, admin_url = gateway
    tag = uuid.uuid4().hex[:8]
    topic, name = f"gw.orders.{tag}", f"paid_{tag}"
    create_topic(local_stack.kafka_bootstrap, topic)
    (tmp_path / "stream_project.yml").write_text(
        f"project: {{name: gw-{tag}}}\n"
        "runtime:\n"
        f"  kafka: {{bootstrap_servers: {local_stack.kafka_bootstrap}}}\n"
        f"  conduktor: {{gateway: {{admin_url: '{admin_url}'}}}}\n"
        f"sources:\n  - name: orders\n    topic: {topic}\n"
        "    columns: [{name: id, type: STRING}, {name: status, type: STRING}]\n"
        f"models:\n  - name: {name}\n"
        "    sql: SELECT id FROM {{ source(\"orders\") }} WHERE status = 'paid'\n"
    )

    def streamt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "streamt", *args, "-p", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=300,
        )

    applied = streamt("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    statement = f'SELECT "id" FROM "{topic}" WHERE "status" = \'paid\''
    held = model.interceptors[name]["spec"]["config"]
    assert held == {"virtualTopic": name, "statement": statement}

    status = streamt("status", "--format", "json")
    assert status.returncode == 0, status.stdout + status.stderr
    rows = [r for r in json.loads(status.stdout)["resources"] if r["kind"] == "virtual_topic"]
    assert [(r["name"], r["state"], r["details"]["statement"]) for r in rows] == [
        (name, "ACTIVE", statement)
    ]
    planned = streamt("plan")
    assert planned.returncode == 0 and "No changes." in planned.stdout, planned.stdout

    destroyed = streamt("destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert f"] delete gateway_rule {name}  done [" in destroyed.stdout
    assert model.interceptors == {}
