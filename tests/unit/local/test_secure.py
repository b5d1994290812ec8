"""The secure profile's configuration: what `streamt local up --secure` writes, made and read
back here without starting a process (the stack itself: tests/integration/test_secure_profile)."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import ssl
import stat
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from streamt.adapters import probe as reach
from streamt.compile.tables import security
from streamt.config.runtime import RuntimeConfig
from streamt.diagnostics import StreamtError
from streamt.local import kafka as kafka_module
from streamt.local.bundles import bundles_for
from streamt.local.config import StackConfig, load_config
from streamt.local.describe import described
from streamt.local.kafka import server_properties, worker_properties
from streamt.local.proxy import make_handler
from streamt.local.secure import (
    Credentials,
    ensure_material,
    env_text,
    properties_text,
    read_credentials,
    runtime_block,
    scram_argument,
    secure_files,
    write_private,
)
from streamt.local.stack import Stack
from tests.unit.security.test_secrets_as_values import jaas_options

NASTY = 'p"a\\ss=w:o rd;\tx'


def read_properties(text: str) -> dict[str, str]:
    """A `.properties` file as java.util.Properties reads it (one logical line per line)."""
    escapes = {"n": "\n", "r": "\r", "t": "\t"}
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value, cur, i, in_key = [], [], None, 0, True
        cur = key
        while i < len(line):
            c = line[i]
            if c == "\\":
                i += 1
                cur.append(escapes.get(line[i], line[i]))
            elif in_key and c in "=:":
                in_key, cur = False, value
            else:
                cur.append(c)
            i += 1
        out["".join(key)] = "".join(value)
    return out


def secure_cfg(tmp_path: Path, broker_password: str = NASTY) -> StackConfig:
    home = tmp_path / "home"
    creds = Credentials(
        {"broker": broker_password, "connect": "c0nnect", "streamt": "cl1ent"}, "streamt", "r3g"
    )
    write_private(secure_files(home).credentials, creds.to_json())
    return replace(load_config(home=home, port_offset=100, env={}), secure=True)


def hi(password: bytes, salt: bytes, iterations: int) -> bytes:
    """RFC 5802's Hi() written out: U1 = HMAC(p, salt + INT(1)), Ui = HMAC(p, Ui-1), XORed."""
    u = hmac.new(password, salt + b"\x00\x00\x00\x01", hashlib.sha512).digest()
    out = bytearray(u)
    for _ in range(iterations - 1):
        u = hmac.new(password, u, hashlib.sha512).digest()
        out = bytearray(a ^ b for a, b in zip(out, u, strict=True))
    return bytes(out)


def test_a_scram_user_reaches_the_storage_format_as_a_salted_password() -> None:
    import base64

    arg = scram_argument("broker", NASTY, b"salt-bytes", 4096)
    head, _, body = arg.partition("=[")
    fields = dict(f.split("=", 1) for f in body.rstrip("]").split(","))
    assert head == "SCRAM-SHA-512"
    assert fields["name"] == "broker" and fields["iterations"] == "4096"
    assert base64.b64decode(fields["salt"].strip('"')) == b"salt-bytes"
    salted = base64.b64decode(fields["saltedpassword"].strip('"'))
    assert salted == hi(NASTY.encode(), b"salt-bytes", 4096)
    assert NASTY not in arg


def test_the_storage_format_gets_every_user_and_no_password(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cfg = secure_cfg(tmp_path)
    seen: list[list[str]] = []

    class Done:
        returncode, stdout, stderr = 0, "", ""

    monkeypatch.setattr(
        kafka_module.subprocess, "run", lambda argv, **kw: seen.append(argv) or Done()
    )
    kafka_module._format_storage(cfg, "cp", tmp_path / "server.properties", tmp_path / "l4j", 1)
    argv = seen[0]
    users = [argv[i + 1].split(",")[0] for i, a in enumerate(argv) if a == "--add-scram"]
    assert users == ["SCRAM-SHA-512=[name=broker", "SCRAM-SHA-512=[name=connect",
                     "SCRAM-SHA-512=[name=streamt"]  # fmt: skip
    creds = read_credentials(cfg.home)
    assert not [p for p in creds.kafka.values() if any(p in a for a in argv)]


def test_the_broker_listens_sasl_ssl_and_logs_in_to_itself(tmp_path: Path) -> None:
    cfg = secure_cfg(tmp_path)
    props = read_properties(server_properties(cfg))
    files = secure_files(cfg.home)
    assert props["listeners"] == "SASL_SSL://127.0.0.1:9192,CONTROLLER://127.0.0.1:9193"
    assert props["advertised.listeners"] == "SASL_SSL://localhost:9192"
    assert props["inter.broker.listener.name"] == "SASL_SSL"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    assert props["sasl.enabled.mechanisms"] == props["sasl.mechanism.inter.broker.protocol"]
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    jaas = props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"]
    assert jaas.startswith("org.apache.kafka.common.security.scram.ScramLoginModule required ")
    assert jaas_options(jaas) == {"username": "broker", "password": NASTY}
    assert (props["ssl.keystore.type"], props["ssl.keystore.location"]) == (
        "PEM",
        str(files.server_pem),
    )
    assert props["ssl.truststore.location"] == str(files.ca_cert)


def test_the_default_profile_stays_plaintext(tmp_path: Path) -> None:
    cfg = load_config(home=tmp_path / "plain", port_offset=0, env={})
    assert not cfg.secure
    props = read_properties(server_properties(cfg))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    worker = read_properties(worker_properties(cfg, bundles_for(cfg.versions)))
    settings = {**props, **worker}
    secured = [k for k in settings if "sasl" in k or "ssl" in k or k == "security.protocol"]
    assert secured == []
    assert "SASL" not in str(settings.values())
    assert cfg.endpoints.schema_registry_url == "http://localhost:8081"
    assert described(cfg, "kafka").health.secure_home is None


def test_connect_and_its_connectors_clients_log_in_as_connect(tmp_path: Path) -> None:
    cfg = secure_cfg(tmp_path)
    props = read_properties(worker_properties(cfg, bundles_for(cfg.versions)))
    expected = {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(secure_files(cfg.home).ca_cert),
    }
    for prefix in ("", "producer.", "consumer.", "admin."):
        assert {k: props[prefix + k] for k in expected} == expected
        assert jaas_options(props[prefix + "sasl.jaas.config"]) == {
            "username": "connect",
            "password": "c0nnect",
        }


def test_properties_values_read_back_as_written() -> None:
    pairs = {"a.b": 'x\\y\n"z" = w', "k:=ey": " lead"}
    assert read_properties(properties_text(pairs)) == pairs


def test_material_is_made_once_private_and_verifies_for_localhost(tmp_path: Path) -> None:
    home = tmp_path / "home"
    creds = ensure_material(home)
    files = secure_files(home)
    assert stat.S_IMODE(files.root.stat().st_mode) == 0o700
    for path in (files.credentials, files.ca_key, files.server_key, files.server_pem,
                 files.registry_users):  # fmt: skip
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(set(creds.kafka.values()) | {creds.registry_password}) == 4
    assert files.registry_users.read_text() == f"streamt:{creds.registry_password}\n"
    cert = files.server_pem.read_bytes()
    assert ensure_material(home) == creds and files.server_pem.read_bytes() == cert
    assert ensure_material(tmp_path / "other") != creds  # per home, not hard-coded
    for host in ("localhost", "127.0.0.1"):
        assert tls_handshake(files.server_cert, files.server_key, files.ca_cert, host)
    assert load_config(home=home, env={}).secure  # the home remembers its profile
    assert load_config(home=home, env={}).endpoints.schema_registry_url.startswith("https://")


def tls_handshake(cert: Path, key: Path, ca: Path, host: str) -> bool:
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    threading.Thread(target=serve, daemon=True).start()
    client_ctx = ssl.create_default_context(cafile=str(ca))
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        client_ctx.wrap_socket(raw, server_hostname=host) as tls,
    ):
        tls.sendall(b"x")
        ok = tls.version() is not None
    listener.close()
    return ok


def test_the_runtime_block_compiles_to_flinks_relocated_scram_login(tmp_path: Path) -> None:
    block = runtime_block(
        "localhost:9192", "https://localhost:8181", "http://f", "http://g", "http://c", tmp_path
    )
    runtime = RuntimeConfig(**yaml.safe_load(block)["runtime"])
    assert dict(security(runtime)) == {
        "properties.security.protocol": "SASL_SSL",
        "properties.sasl.mechanism": "SCRAM-SHA-512",
        "properties.sasl.jaas.config": "org.apache.flink.kafka.shaded.org.apache.kafka.common."
        'security.scram.ScramLoginModule required username="streamt" '
        'password="${STREAMT_LOCAL_KAFKA_PASSWORD}";',
        "properties.ssl.truststore.location": str(secure_files(tmp_path).ca_cert),
        "properties.ssl.truststore.type": "PEM",
    }
    assert runtime.schema_registry is not None
    assert runtime.schema_registry.password == "${STREAMT_LOCAL_REGISTRY_PASSWORD}"
    creds = Credentials({"streamt": "k"}, "streamt", "r")
    assert env_text(creds) == "STREAMT_LOCAL_KAFKA_PASSWORD=k\nSTREAMT_LOCAL_REGISTRY_PASSWORD=r\n"


def test_avro_tables_reach_the_https_registry_with_its_ca_and_basic_auth(tmp_path: Path) -> None:
    from streamt.compile.tables import format_options

    block = runtime_block(
        "localhost:9192", "https://localhost:8181", "http://f", "http://g", "http://c", tmp_path
    )
    runtime = RuntimeConfig(**yaml.safe_load(block)["runtime"])
    ca = str(secure_files(tmp_path).ca_cert)
    assert dict(format_options("avro-confluent", runtime, "value.")) == {
        "value.format": "avro-confluent",
        "value.avro-confluent.url": "https://localhost:8181",
        "value.avro-confluent.basic-auth.credentials-source": "USER_INFO",
        "value.avro-confluent.basic-auth.user-info": "streamt:${STREAMT_LOCAL_REGISTRY_PASSWORD}",
        "value.avro-confluent.ssl.truststore.location": ca,
        "value.avro-confluent.properties.schema.registry.ssl.truststore.type": "PEM",
    }


def test_a_plaintext_home_is_not_made_secure(tmp_path: Path) -> None:
    cfg = replace(load_config(home=tmp_path / "h", env={}), secure=True)
    (cfg.data_dir / "kafka").mkdir(parents=True)
    with pytest.raises(StreamtError) as err:
        Stack(cfg)._secure_material()
    assert err.value.diagnostics[0].code == "C071"
    assert not secure_files(cfg.home).root.exists()


class _Echo(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = json.dumps({"auth": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


def test_the_registry_proxy_asks_basic_auth_before_forwarding() -> None:
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    handler = make_handler(f"127.0.0.1:{upstream.server_port}", "", {"streamt": NASTY})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    for server in (upstream, proxy):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_port}/subjects"
    try:
        anonymous = httpx.get(url)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == 'Basic realm="registry"'
        assert httpx.get(url, auth=("streamt", "wrong")).status_code == 401
        assert httpx.get(url, auth=("other", NASTY)).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Basic %%%"}).status_code == 401
        assert httpx.get(url, auth=("streamt", NASTY)).json() == {"auth": None}  # not forwarded
        refused = reach.http_get(f"http://127.0.0.1:{proxy.server_port}", "/config")
        assert refused.refused and "credentials were refused" in refused.detail
    finally:
        proxy.shutdown()
        upstream.shutdown()
