"""`streamt debug` and the probes that open plan / apply / test / status: a dead or silent
endpoint fails in seconds (exit 5), named with its address and the key that sets it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from streamt.cli import main
from streamt.state.probe import CONNECT, KAFKA, Probe

PROJECT = """\
project: {{name: probe-p}}
runtime:
  kafka: {{bootstrap_servers: "{kafka}"}}
  schema_registry: {{url: "{registry}"}}
  flink: {{clusters: {{c: {{rest_url: "{rest}", sql_gateway_url: "{gateway}"}}}}}}
  connect: {{clusters: {{c: {{rest_url: "{connect}", password: "${{CONNECT_PW}}"}}}}}}
sources:
  - name: orders
    topic: orders.v1
    schema:
      format: avro
      definition: '{{"type": "record", "name": "O", "fields": [{{"name": "id", "type": "string"}}]}}'
models:
  - name: orders_clean
    sql: SELECT id FROM {{{{ source("orders") }}}} WHERE id IS NOT NULL
  - name: orders_file
    from: orders_clean
    advanced:
      connector:
        type: file-sink
        config: {{file: /tmp/orders.txt}}
tests:
  - {{name: t_schema, model: orders_clean, type: schema, assertions: [{{not_null: {{columns: [id]}}}}]}}
  - {{name: t_sample, model: orders_clean, type: sample, assertions: [{{not_null: {{columns: [id]}}}}]}}
  - {{name: t_cont, model: orders_clean, type: continuous, assertions: [{{not_null: {{columns: [id]}}}}]}}
"""

SECRET = "s3cret-connect-pw"


def _closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield int(s.getsockname()[1])


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **urls: str) -> Path:
    (tmp_path / "stream_project.yml").write_text(PROJECT.format(**urls))
    monkeypatch.setenv("CONNECT_PW", SECRET)
    return tmp_path


def _dead_urls() -> dict[str, str]:
    ports = {name: _closed_port() for name in ("registry", "rest", "gateway", "connect")}
    return {"kafka": f"127.0.0.1:{_closed_port()}"} | {
        name: f"http://127.0.0.1:{port}" for name, port in ports.items()
    }


# what each command must name: (code, the urls key) of each system it needs
ALL_FIVE = [("A060", "kafka"), ("A061", "registry"), ("A062", "rest"), ("A063", "gateway")]
ALL_FIVE += [("A064", "connect")]
COMMANDS = [
    (["debug"], ALL_FIVE),
    (["plan"], ALL_FIVE),
    (["apply", "--auto-approve"], ALL_FIVE),
    (["status"], ALL_FIVE),
    (["rollback", "orders_clean"], ALL_FIVE),
    (["destroy", "--auto-approve"], [("A060", "kafka")]),  # the ledger says what to delete
    (["test"], ALL_FIVE[:4]),  # no test reads through Connect
    (["test", "--type", "schema"], [("A061", "registry")]),
    (["test", "--type", "sample"], [("A060", "kafka")]),
]


@pytest.mark.parametrize(("argv", "named"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_every_unreachable_system_fails_fast_named_with_exit_5(
    argv: list[str],
    named: list[tuple[str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    urls = _dead_urls()
    root = _project(tmp_path, monkeypatch, **urls)
    start = time.monotonic()
    code = main([*argv, "-p", str(root)])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 5, err
    assert elapsed < 5, f"{argv} took {elapsed:.1f} s"
    codes = {line.split(" error ")[1][:4] for line in err.splitlines() if " error A06" in line}
    assert codes == {c for c, _ in named}, err
    for code_, key in named:
        line = next(x for x in err.splitlines() if f"error {code_}:" in x)
        assert urls[key] in line, line  # the endpoint, as configured
        assert line.startswith("stream_project.yml:"), line  # where it is set
    assert "streamt local up" in err  # a localhost endpoint: the local-stack hint
    assert SECRET not in err


def test_silent_endpoints_time_out_within_5_seconds(
    silent: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Kafka port that accepts TCP but never speaks the protocol, and HTTP endpoints that
    never answer: the probes' own timeout, not the adapters' retries."""
    url = f"http://127.0.0.1:{silent}"
    urls = {"kafka": f"127.0.0.1:{silent}", "registry": url, "rest": url}
    urls |= {"gateway": url, "connect": url}
    root = _project(tmp_path, monkeypatch, **urls)
    start = time.monotonic()
    code = main(["plan", "-p", str(root)])
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert code == 5, err
    assert elapsed < 5, f"plan took {elapsed:.1f} s"
    for code_ in ("A060", "A061", "A062", "A063", "A064"):
        assert f"error {code_}:" in err, err
    assert "timed out" in err


# what the registry, Flink REST, SQL Gateway and Connect answer to the probes' GETs
ANSWERS: dict[str, object] = {
    "/config": {"compatibilityLevel": "BACKWARD"},
    "/v1/metadata/version": {"version": "7.9.0"},
    "/v1/config": {"flink-version": "2.2.0"},
    "/v1/info": {"productName": "Apache Flink", "version": "2.2.0"},
    "/": {"version": "4.3.1", "commit": "x"},
    "/connector-plugins": [{"class": "io.debezium.connector.jdbc.JdbcSinkConnector"}],
}


class _FakeSystems(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps(ANSWERS.get(self.path, {"error_code": 404})).encode()
        self.send_response(200 if self.path in ANSWERS else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSystems)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_debug_shows_versions_plugins_and_masks_credentials(
    answering: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dead_kafka = f"127.0.0.1:{_closed_port()}"
    urls = {"kafka": dead_kafka, "registry": answering, "rest": answering}
    urls |= {"gateway": answering, "connect": answering}
    root = _project(tmp_path, monkeypatch, **urls)
    code = main(["debug", "--format", "json", "-p", str(root)])
    out, err = capsys.readouterr()
    assert code == 5  # Kafka does not answer
    report = json.loads(out)
    probes = {p["system"]: p for p in report["probes"]}
    assert not probes["kafka"]["reachable"]
    assert probes["kafka"]["endpoint"] == dead_kafka
    assert {s: (p["reachable"], p["version"]) for s, p in probes.items() if s != "kafka"} == {
        "schema_registry": (True, "7.9.0"),
        "flink_rest": (True, "2.2.0"),
        "sql_gateway": (True, "2.2.0"),
        "connect": (True, "4.3.1"),
    }
    assert probes["connect"]["plugins"] == ["io.debezium.connector.jdbc.JdbcSinkConnector"]
    assert all(p["rtt_ms"] is not None for s, p in probes.items() if s != "kafka")
    assert report["runtime"]["connect"]["clusters"]["c"]["password"] == "***"
    assert SECRET not in out + err
    # the project's file-sink connector is not installed there: a warning, not a failure
    a065 = [d for d in report["diagnostics"] if d["code"] == "A065"]
    assert len(a065) == 1 and a065[0]["severity"] == "warning"
    assert "org.apache.kafka.connect.file.FileStreamSinkConnector" in a065[0]["message"]
    assert [d["code"] for d in report["diagnostics"] if d["severity"] == "error"] == ["A060"]


def test_debug_exits_0_when_every_configured_system_answers(
    answering: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "stream_project.yml").write_text(
        f"project: {{name: p}}\nruntime:\n  schema_registry: {{url: '{answering}'}}\n"
        f"  connect: {{clusters: {{c: {{rest_url: '{answering}'}}}}}}\n"
    )
    assert main(["debug", "-p", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Schema Registry" in out and "7.9.0" in out and "4.3.1" in out
    assert "UNREACHABLE" not in out


def test_the_hint_fits_a_remote_runtime() -> None:
    remote = Probe(
        KAFKA,
        "kafka.prod.example:9093",
        False,
        detail="no answer (timed out)",
        key="runtime.kafka.bootstrap_servers",
    )
    diag = remote.diagnostic("prod")
    assert diag.code == "A060"
    assert "kafka.prod.example:9093" in diag.message
    assert "runtime.kafka.bootstrap_servers" in diag.hint and "'prod'" in diag.hint
    assert "local up" not in diag.hint
    local = Probe(CONNECT, "http://localhost:8083", False, detail="refused", local=True)
    assert "streamt local up" in local.diagnostic("dev").hint


def test_preflight_refuses_a_connector_class_connect_has_not_installed(
    answering: str, tmp_path: Path
) -> None:
    from streamt.context import Context
    from streamt.diagnostics import StreamtError
    from streamt.state.probe import preflight

    (tmp_path / "stream_project.yml").write_text(
        f"project: {{name: p}}\nruntime:\n  connect: {{clusters: {{c: {{rest_url: '{answering}'}}}}}}\n"
    )
    project = Context(tmp_path).project()
    installed = "io.debezium.connector.jdbc.JdbcSinkConnector"
    preflight(project, {}, [CONNECT], "dev", plugins=[installed])  # installed: passes
    with pytest.raises(StreamtError) as refused:
        preflight(project, {}, [CONNECT], "dev", plugins=[installed, "com.acme.Sink"])
    assert refused.value.exit_code == 1
    [diag] = refused.value.diagnostics
    assert (diag.code, diag.severity.value) == ("A065", "error")
    assert "has no plugin com.acme.Sink" in diag.message and installed in diag.hint
