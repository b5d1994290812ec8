"""The probe of a `type: confluent` cluster (preflight of plan / apply, `streamt debug`): one
page of the environment's statements with the API key, against the statements API model served
on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from streamt.load import load_project
from streamt.state.probe import FLINK_REST, probe_systems
from tests.unit.adapters.test_confluent_flink import ENVIRON, FIXTURE, server


@pytest.fixture
def statements_api() -> Iterator[tuple[str, list[str]]]:
    """The model behind a real HTTP server on 127.0.0.1; yields its URL and the paths asked."""
    model, asked = server(), []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            request = httpx.Request("GET", f"http://api{self.path}", headers=dict(self.headers))
            response = model(request)
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(response.content)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()


def project_at(tmp_path: Path, url: str) -> object:
    text = (FIXTURE / "stream_project.yml").read_text()
    text = text.replace("        cloud: aws\n", f"        rest_url: {url}\n        cloud: aws\n")
    (tmp_path / "stream_project.yml").write_text(text)
    loaded = load_project(tmp_path)
    assert loaded.project is not None
    return loaded.project


def test_the_probe_lists_one_statement_with_the_key(
    tmp_path: Path, statements_api: tuple[str, list[str]]
) -> None:
    url, asked = statements_api
    (probe,) = probe_systems(project_at(tmp_path, url), ENVIRON, [FLINK_REST])  # type: ignore[arg-type]
    assert probe.ok, probe.detail
    assert probe.key == "runtime.flink.clusters.cloud.rest_url"
    assert asked == [
        "/sql/v1/organizations/7c60d51f-b44e-4682-87d6-449835ea4de6/environments/env-a1b2c3"
        "/statements?page_size=1"
    ]


def test_a_wrong_secret_is_reachable_but_refused(
    tmp_path: Path, statements_api: tuple[str, list[str]]
) -> None:
    url, _ = statements_api
    environ = {**ENVIRON, "CONFLUENT_FLINK_API_SECRET": "not-the-secret"}
    (probe,) = probe_systems(project_at(tmp_path, url), environ, [FLINK_REST])  # type: ignore[arg-type]
    assert not probe.ok and "401" in probe.detail
    assert "not-the-secret" not in probe.detail
