"""The secure local profile end to end: `streamt local up --secure` in a home of its own, then examples/payments applied over SASL_SSL with the `runtime:` block the
command printed, rows produced and read back exactly, a data test, status, the ledger
(`plan` says nothing changed), destroy; a Connect sink whose consumer logs in through the
worker's settings; a wrong password told in seconds, naming the system; plaintext clients
and anonymous registry calls refused; credentials only in 0600 files, never on a command line.

The project logs in as a user this module creates whose password holds quotes, a backslash
and a semicolon: the Flink jobs' JAAS configs are bound with it at apply, so the rows read
back prove that Kafka's own JAAS parser reads the escaped value as the password.

The stack is started once per module (port offset: `tests/stack.py` PRIVATE_STACK_OFFSETS)
and purged after. For development,
STREAMT_SECURE_TEST_HOME / STREAMT_SECURE_TEST_PORT_OFFSET point the module at a secure stack
that is already running (it is then left running).
"""

from __future__ import annotations

import json
import os
import re
import ssl
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml

from streamt.adapters import probe as reach
from streamt.local.config import load_config
from streamt.local.secure import CLIENT_USER, librdkafka_client, read_credentials, secure_files
from tests.kafka_helpers import create_topic, produce_json
from tests.stack import private_offset

from .test_apply_support import PAYMENTS, file_sink_config, read_all, wait_for_slots

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
HEAPS = {  # a third stack next to CI's two: smaller JVMs
    "STREAMT_LOCAL_HEAP_KAFKA": "512m",
    "STREAMT_LOCAL_HEAP_CONNECT": "512m",
    "STREAMT_LOCAL_HEAP_SQL_GATEWAY": "512m",
    "STREAMT_LOCAL_HEAP_REGISTRY": "256m",
    "STREAMT_LOCAL_HEAP_JOBMANAGER_PROCESS": "768m",
    "STREAMT_LOCAL_HEAP_TASKMANAGER_PROCESS": "1536m",
}
NASTY_PASSWORD = 'pa"ss\\word; x="y" \'z\''  # quotes, a backslash, a semicolon, spaces


@dataclass(frozen=True)
class SecureStack:
    home: Path
    printed: str  # what `up --secure` printed
    runtime: str  # <home>/secure/runtime.yml
    dotenv: str  # <home>/secure/streamt.env
    bootstrap: str
    registry_url: str
    flink_rest: str
    connect_url: str
    client: Mapping[str, str]  # librdkafka settings of the stack's client user

    def as_user(self, user: str, password: str) -> dict[str, str]:
        return {**self.client, "sasl.username": user, "sasl.password": password}


def cli(
    *args: str, cwd: Path = ROOT, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streamt", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=dict(env or os.environ),
    )


def stack_env() -> dict[str, str]:
    """This process's environment without the shared stack's home and port settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STREAMT_LOCAL_PORT") and k != "STREAMT_LOCAL_HOME"
    }
    return {**env, **HEAPS}


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureStack]:
    given = os.environ.get("STREAMT_SECURE_TEST_HOME")
    home = Path(given) if given else tmp_path_factory.mktemp("secure") / "home"
    offset = int(os.environ.get("STREAMT_SECURE_TEST_PORT_OFFSET", private_offset(__name__)))
    local = ["local", "--home", str(home), "--port-offset", str(offset)]
    started = time.monotonic()
    up = cli(*local, "up", "--secure", "--wait", env=stack_env(), timeout=420)
    assert up.returncode == 0, up.stdout + up.stderr[-4000:]
    sys.stderr.write(f"secure stack up in {time.monotonic() - started:.1f} s\n")
    files = secure_files(home)
    ep = load_config(home=home, port_offset=offset, env=stack_env()).endpoints
    try:
        yield SecureStack(
            home=home,
            printed=up.stderr,
            runtime=files.runtime.read_text(),
            dotenv=files.env.read_text(),
            bootstrap=ep.kafka_bootstrap,
            registry_url=ep.schema_registry_url,
            flink_rest=ep.flink_rest_url,
            connect_url=ep.connect_url,
            client=librdkafka_client(home),
        )
    finally:
        if not given:
            down = cli(*local, "down", "--purge", env=stack_env(), timeout=180)
            assert down.returncode == 0, down.stderr[-2000:]


@dataclass(frozen=True)
class Project:
    path: Path
    env: str  # its environment (its names' prefix, the ledger's key)
    source: str  # the source topic

    @property
    def cli(self) -> list[str]:
        return ["-p", str(self.path), "--env", self.env]

    def topic(self, model: str) -> str:
        return f"{self.env}-{model}"


def secure_project(
    stack: SecureStack, into: Path, runtime: str | None = None, example: str = "payments"
) -> Project:
    """An example (its one source) with a name, source topic and environment of this run, the
    runtime block `up --secure` wrote (or `runtime`) in place of its own, and its streamt.env
    as the project's .env."""
    run = uuid.uuid4().hex[:8]
    path = into / f"{example}-{run}"
    path.mkdir()
    text = (ROOT / "examples" / example / "stream_project.yml").read_text()
    if "\nruntime:\n" in text:
        start = text.index("\nruntime:\n") + 1
        text = text[:start] + text[text.index("\nsources:\n", start) + 1 :]
    text = re.sub(r"(?m)^  name: .*$", f"  name: sec{run}", text, count=1)
    topic = re.search(r"(?m)^    topic: (.*)$", text)
    assert topic is not None
    source = f"{topic[1]}.{run}"
    text = text.replace(topic[0], f"    topic: {source}", 1)
    (path / "stream_project.yml").write_text(text + "\n" + (runtime or stack.runtime))
    (path / ".env").write_text(stack.dotenv)
    env = f"it{run}"
    (path / "environments").mkdir()
    overlay = {"environment": {"prefix": f"{env}-"}}
    (path / "environments" / f"{env}.yml").write_text(yaml.safe_dump(overlay))
    return Project(path, env, source)


def create_user(stack: SecureStack, user: str, password: str) -> None:
    from confluent_kafka.admin import (
        AdminClient,
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    admin = AdminClient({**stack.client, "bootstrap.servers": stack.bootstrap})
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192)
    upsert = UserScramCredentialUpsertion(user, info, password.encode())
    for future in admin.alter_user_scram_credentials([upsert]).values():
        future.result(timeout=20)


def rows_of(stack: SecureStack, topic: str, keep: Any, expect: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 150
    mine: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        got = read_all(stack.bootstrap, topic, expect=expect, timeout=20, config=stack.client)
        mine = [v for _, v in got if isinstance(v, dict) and keep(v)]
        if len(mine) >= expect:
            return mine
        time.sleep(2)
    return mine


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def test_up_secure_prints_the_runtime_block_a_project_needs(secure: SecureStack) -> None:
    assert secure.runtime in secure.printed
    runtime = yaml.safe_load(secure.runtime)["runtime"]
    assert runtime["kafka"] == {
        "bootstrap_servers": secure.bootstrap,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": CLIENT_USER,
        "sasl_password": "${STREAMT_LOCAL_KAFKA_PASSWORD}",
        "ssl_ca_location": str(secure_files(secure.home).ca_cert),
    }
    assert runtime["schema_registry"]["url"] == secure.registry_url
    assert runtime["schema_registry"]["password"] == "${STREAMT_LOCAL_REGISTRY_PASSWORD}"
    creds = read_credentials(secure.home)
    assert secure.dotenv == (
        f"STREAMT_LOCAL_KAFKA_PASSWORD={creds.kafka[CLIENT_USER]}\n"
        f"STREAMT_LOCAL_REGISTRY_PASSWORD={creds.registry_password}\n"
    )
    assert creds.kafka[CLIENT_USER] not in secure.printed


def test_the_printed_runtime_reaches_every_system(secure: SecureStack, tmp_path: Path) -> None:
    project = secure_project(secure, tmp_path)
    debug = cli("debug", *project.cli, "--format", "json")
    assert debug.returncode == 0, debug.stdout + debug.stderr
    systems = {s["system"]: s["reachable"] for s in json.loads(debug.stdout)["probes"]}
    assert systems == {
        "kafka": True,
        "schema_registry": True,
        "flink_rest": True,
        "sql_gateway": True,
        "connect": True,
    }


def test_payments_over_sasl_ssl_with_a_password_jaas_must_escape(
    secure: SecureStack, tmp_path: Path
) -> None:
    user = f"it-{uuid.uuid4().hex[:8]}"
    create_user(secure, user, NASTY_PASSWORD)
    runtime = secure.runtime.replace(f"sasl_username: {CLIENT_USER}\n", f"sasl_username: {user}\n")
    project = secure_project(secure, tmp_path, runtime)
    env = {**os.environ, "STREAMT_LOCAL_KAFKA_PASSWORD": NASTY_PASSWORD}  # wins over .env
    as_user = secure.as_user(user, NASTY_PASSWORD)
    create_topic(secure.bootstrap, project.source, config=as_user)

    wait_for_slots(5, flink_rest=secure.flink_rest)
    try:
        flows_tests_and_status(secure, project, env, as_user)
    finally:
        destroyed = cli("destroy", *project.cli, "--auto-approve", env=env)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    jobs = httpx.get(f"{secure.flink_rest}/jobs/overview", timeout=10).json()["jobs"]
    running = [j["name"] for j in jobs if j["state"] == "RUNNING" and project.env in j["name"]]
    assert running == []
    topics = reach.kafka_metadata(secure.bootstrap, secure.client, "x", 10).facts["topics"]
    assert [t for t in topics if t.startswith(project.env)] == []


def flows_tests_and_status(
    secure: SecureStack, project: Project, env: Mapping[str, str], as_user: Mapping[str, str]
) -> None:
    """Apply, rows read back exactly, the sample data test, status, and an empty re-plan."""
    applied = cli("apply", *project.cli, "--auto-approve", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Traceback" not in applied.stderr

    base, tag = datetime(2026, 1, 1, 1, tzinfo=timezone.utc), uuid.uuid4().hex[:6]

    def pay(
        pid: str, cust: str, amount: float, cur: str, status: str | None, sec: int
    ) -> dict[str, Any]:
        t = base + timedelta(seconds=sec)
        return {"payment_id": f"{tag}-{pid}", "customer_id": cust, "amount": amount,
                "currency": cur, "status": status, "paid_at": ts(t)}  # fmt: skip

    produce_json(
        secure.bootstrap,
        project.source,
        [pay(*payment) for payment in PAYMENTS],
        config=as_user,
    )
    mine = lambda v: str(v.get("payment_id", "")).startswith(tag)  # noqa: E731
    eur = rows_of(secure, project.topic("payments_eur"), mine, 4)
    assert sorted((v["payment_id"][7:], float(v["amount"]), v["status"]) for v in eur) == [
        ("flush", 0.01, "PAID"),
        ("p1", 10.0, "PAID"),
        ("p2", 5.5, "PAID"),
        ("p6", 1.0, "REFUNDED"),
    ]
    per_minute = rows_of(secure, project.topic("revenue_per_minute"), lambda v: True, 2)
    assert sorted(
        (v["window_start"].replace("T", " ")[:16], v["customer_id"], float(v["revenue"]),
         v["payments"]) for v in per_minute
    ) == [("2026-01-01 01:00", "c1", 15.5, 2), ("2026-01-01 01:01", "c3", 1.0, 1)]  # fmt: skip

    tested = cli("test", *project.cli, env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "payments_validated_sample" in tested.stdout

    status = cli("status", *project.cli, env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count(" RUNNING ") == 4, status.stdout

    plan = cli("plan", *project.cli, "--detailed-exitcode", env=env)  # the ledger, over SASL_SSL
    assert plan.returncode == 0 and "No changes." in plan.stdout, plan.stdout + plan.stderr


def test_an_avro_source_read_through_the_https_registry(
    secure: SecureStack, tmp_path: Path
) -> None:
    """examples/avro_orders: its subject registered over HTTPS with basic auth at apply, its
    records decoded by Flink's avro-confluent format, which fetches the writer schema from the
    registry with the project's CA and credentials."""
    import io
    import struct

    import fastavro

    project = secure_project(secure, tmp_path, example="avro_orders")
    create_topic(secure.bootstrap, project.source, config=secure.client)
    wait_for_slots(2, flink_rest=secure.flink_rest)
    try:
        applied = cli("apply", *project.cli, "--auto-approve")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        creds = read_credentials(secure.home)
        tls = ssl.create_default_context(cafile=str(secure_files(secure.home).ca_cert))
        auth = (creds.registry_user, creds.registry_password)
        subject = f"{secure.registry_url}/subjects/{project.source}-value/versions/latest"
        registered = httpx.get(subject, verify=tls, auth=auth).json()
        schema = json.loads(registered["schema"])
        frame = io.BytesIO()
        frame.write(b"\x00" + struct.pack(">I", registered["id"]))  # Confluent's framing
        order = {"order_id": project.env, "customer_id": "c1", "amount": 5.0, "status": None,
                 "order_ts": 1767229200000}  # fmt: skip
        fastavro.schemaless_writer(frame, fastavro.parse_schema(schema), order)
        from confluent_kafka import Producer

        producer = Producer({**secure.client, "bootstrap.servers": secure.bootstrap})
        producer.produce(project.source, value=frame.getvalue())
        assert producer.flush(15) == 0
        rows = rows_of(secure, project.topic("orders_clean"), lambda v: True, 1)
        status = "" if rows else cli("status", *project.cli).stdout
        assert rows == [{"order_id": project.env, "customer_id": "c1", "amount": 5.0,
                         "status": "new", "order_ts": "2026-01-01 01:00:00"}], status  # fmt: skip
    finally:
        destroyed = cli("destroy", *project.cli, "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr


def timed(*args: str, env: Mapping[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = cli(*args, env=env, timeout=60)
    return done, time.monotonic() - started


@pytest.mark.parametrize(
    ("variable", "command", "system", "key"),
    [
        ("STREAMT_LOCAL_KAFKA_PASSWORD", "plan", "Kafka brokers", "kafka"),
        ("STREAMT_LOCAL_KAFKA_PASSWORD", "debug", "Kafka brokers", "kafka"),
        ("STREAMT_LOCAL_REGISTRY_PASSWORD", "debug", "Schema Registry", "schema_registry"),
    ],
)
def test_a_wrong_password_fails_fast_naming_the_system(
    secure: SecureStack, tmp_path: Path, variable: str, command: str, system: str, key: str
) -> None:
    """The refusal is told within a second of asking (the probe's round trip, < 5 s); the
    whole command, interpreter start included, well before the 17 s of a retrying client
    (10 s: the machine runs two more stacks in CI)."""
    project = secure_project(secure, tmp_path)
    wrong = {**os.environ, variable: "not-the-password"}
    done, took = timed(command, *project.cli, env=wrong)
    assert done.returncode == 5, done.stdout + done.stderr
    assert f"error C072: {system} at " in done.stderr, done.stderr
    assert "refused" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert took < 10.0, f"{command} took {took:.1f} s"
    if command == "debug":
        report = json.loads(cli("debug", *project.cli, "--format", "json", env=wrong).stdout)
        probe = next(p for p in report["probes"] if p["system"] == key)
        assert not probe["reachable"] and probe["rtt_ms"] < 5000, probe


def test_plaintext_and_anonymous_clients_are_refused(secure: SecureStack) -> None:
    plain = reach.kafka_metadata(secure.bootstrap, {}, "x", 3)
    assert not plain.ok
    tls = ssl.create_default_context(cafile=str(secure_files(secure.home).ca_cert))
    subjects = f"{secure.registry_url}/subjects"
    assert httpx.get(subjects, verify=tls).status_code == 401
    creds = read_credentials(secure.home)
    assert httpx.get(subjects, verify=tls, auth=(CLIENT_USER, "no")).status_code == 401
    right = (creds.registry_user, creds.registry_password)
    assert httpx.get(subjects, verify=tls, auth=right).status_code == 200
    with pytest.raises(httpx.ConnectError):  # the stack's certificate is not a public CA's
        httpx.get(subjects, auth=right)
    with pytest.raises(httpx.HTTPError):
        httpx.get(secure.registry_url.replace("https", "http") + "/subjects", timeout=5)


def test_credentials_are_private_and_never_on_a_command_line(secure: SecureStack) -> None:
    files = secure_files(secure.home)
    private = [
        files.credentials,
        files.env,
        files.ca_key,
        files.server_key,
        files.server_pem,
        files.registry_users,
        secure.home / "conf" / "kafka" / "server.properties",
        secure.home / "conf" / "connect" / "worker.properties",
    ]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in private} == {
        p.name: 0o600 for p in private
    }
    assert stat.S_IMODE(files.root.stat().st_mode) == 0o700
    creds = read_credentials(secure.home)
    passwords = [*creds.kafka.values(), creds.registry_password]
    seen = 0
    for proc in psutil.process_iter(["cmdline"]):
        line = " ".join(proc.info["cmdline"] or ())
        if str(secure.home) in line:
            seen += 1
            assert not [p for p in passwords if p in line], line[:200]
    assert seen >= 7  # kafka, registry, its proxy, jobmanager, taskmanager, gateway, connect


def test_a_connect_sink_consumes_over_sasl_ssl(secure: SecureStack, tmp_path: Path) -> None:
    topic, name = f"it-sink-{uuid.uuid4().hex[:8]}", f"it-file-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "sink.txt"
    config = file_sink_config(topic, str(out))
    rows = [{"n": n} for n in range(3)]
    produce_json(secure.bootstrap, topic, rows, config=secure.client)
    put = httpx.put(f"{secure.connect_url}/connectors/{name}/config", json=config, timeout=30)
    assert put.status_code in (200, 201), put.text
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (
            out.exists() and len(out.read_text().splitlines()) >= 3
        ):
            time.sleep(1)
        assert out.exists(), httpx.get(f"{secure.connect_url}/connectors/{name}/status").text
        assert [json.loads(line) for line in out.read_text().splitlines()] == rows
    finally:
        httpx.delete(f"{secure.connect_url}/connectors/{name}", timeout=30)
