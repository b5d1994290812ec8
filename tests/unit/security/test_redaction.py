"""Class 2 of issue 10: no secret is printed. Secret values and URL credentials are seeded, then
every output channel is searched for them: text and JSON output, rich output, log records, the
crash file, adapter errors, the ledger's error field and JUnit reports."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from streamt import redact as redaction
from streamt.adapters.protocols import AdapterError
from streamt.cli import main
from streamt.testing.env import TestEnv

SECRETS = {
    "quote": "pa'ss-1",
    "double quote": 'pa"ss-2',
    "backslash": "pa\\ss-3",
    "newline": "pa\nss-4",
    "placeholder-looking": "${X}pass-5",
    "url-special": "p@ss:w/rd-6",
}

PROJECT = """\
project: {name: redact-demo}
runtime:
  kafka: {bootstrap_servers: "127.0.0.1:9"}
  flink:
    default: x
    clusters:
      x:
        rest_url: "http://admin:${FLINK_PW}@127.0.0.1:9"
        sql_gateway_url: "http://admin:${FLINK_PW}@127.0.0.1:9"
sources:
  - name: events
    topic: events.raw.v1
    columns: [{name: id, type: STRING}]
models:
  - name: clean
    sql: SELECT id FROM {{ source("events") }}
    advanced:
      connector:
        type: jdbc-sink
        config: {connection.url: "jdbc:postgresql://db/x", connection.password: "${DB_CRED}"}
"""


@pytest.fixture(autouse=True)
def _fresh() -> None:
    redaction.forget_secrets()


def _leaks(text: str, secret: str) -> bool:
    forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]}
    return any(f in text for f in forms)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "stream_project.yml").write_text(PROJECT)
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


# a raw line break, `@` or `/` in a URL's password makes it another URL (httpx refuses it: a
# malformed-input case of issue 10 class 8, not a leak); URL passwords are percent-encoded
URL_SECRETS = {k: v for k, v in SECRETS.items() if not {"\n", "@", "/"} & set(v)}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("secret", list(URL_SECRETS.values()), ids=list(URL_SECRETS))
def test_validate_flink_never_prints_the_gateway_credentials(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    secret: str,
    fmt: str,
) -> None:
    monkeypatch.setenv("FLINK_PW", secret)
    code = main(["validate", "--flink", "-p", str(project), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 1
    assert "V091" in out + err
    assert "***@127.0.0.1" in out + err  # the URL is still shown, without its user-info
    assert not _leaks(out + err, secret)
    assert "admin:" not in out + err


def test_rich_output_is_redacted_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("streamt.cli.render.use_rich", lambda stream: True)
    monkeypatch.setenv("FLINK_PW", SECRETS["double quote"])
    main(["validate", "--flink", "-p", str(project)])
    out, err = capsys.readouterr()
    assert "V091" in out + err and not _leaks(out + err, SECRETS["double quote"])


@pytest.mark.parametrize("secret", list(SECRETS.values()), ids=list(SECRETS))
def test_crash_file_and_message_are_redacted(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    secret: str,
) -> None:
    monkeypatch.setenv("DB_PASSWORD", secret)  # secret by its name, known before the project loads
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def boom(self: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"bug with {secret!r} and http://u:{secret}@h/x")

    monkeypatch.setattr("streamt.context.Context.build", boom)
    code = main(["compile", "-p", str(project), "-o", str(tmp_path / "target")])
    out, err = capsys.readouterr()
    assert code == 70
    crash = next(tmp_path.glob("streamt-crash-*.log")).read_text()
    assert "RuntimeError" in crash and "***" in crash
    for text in (out, err, crash):
        assert not _leaks(text, secret), text


def test_log_records_are_redacted(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = SECRETS["quote"]
    monkeypatch.setenv("DB_PASSWORD", secret)

    def log_it(self: object, *args: object, **kwargs: object) -> None:
        logging.getLogger("streamt.adapters").warning("calling http://a:b@h with %s", secret)

    monkeypatch.setattr("streamt.context.Context.build", log_it)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in the CLI: Python's last resort
    main(["compile", "-p", str(project), "-o", str(project / "target")])
    out, err = capsys.readouterr()
    assert "calling http" not in err  # log lines reach the console only when asked for
    kept = (project / "target" / "streamt.log").read_text()  # the run log keeps every record
    assert "calling http://***@h with ***" in kept and not _leaks(kept, secret)
    main(["compile", "-p", str(project), "-o", str(project / "target"), "--log-level", "warning"])
    out, err = capsys.readouterr()
    assert "calling http://***@h with ***" in err
    assert not _leaks(out + err, secret)


def test_a_reference_in_a_credential_field_is_masked_once_the_project_loads(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamt.context import Context

    monkeypatch.setenv("DB_CRED", "cred-value-9")  # not secret by name: by its key
    assert redaction.redact("x cred-value-9 y") == "x cred-value-9 y"  # unknown before the load
    Context(project).project()
    assert redaction.redact("x cred-value-9 y") == "x *** y"


def test_a_literal_password_in_the_project_is_masked_in_output(tmp_path: Path) -> None:
    from streamt.context import Context

    (tmp_path / "stream_project.yml").write_text(
        PROJECT.replace("${DB_CRED}", "literal-pw-7").replace("${FLINK_PW}", "x")
    )
    Context(tmp_path, environ={}).project()
    assert redaction.redact("auth failed for literal-pw-7") == "auth failed for ***"
    assert redaction.redact("jdbc:postgresql://db/x") == "jdbc:postgresql://db/x"  # not a secret


def test_secret_named_environment_variables_are_masked_without_a_project(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("SOME_API_TOKEN", "tok-123456")
    (tmp_path / "stream_project.yml").write_text("project: {name: tok-123456}\n")
    main(["validate", "-p", str(tmp_path)])
    out, err = capsys.readouterr()
    assert "Project '***' is valid" in out  # the value, wherever it shows up
    assert "tok-123456" not in out + err


def test_adapter_errors_and_schema_fetches_never_carry_credentials() -> None:
    exc = AdapterError("schema-registry", "failed", url="https://bob:pw%22x@reg.example/s")
    assert "pw" not in str(exc) and "***@reg.example" in str(exc)
    env = TestEnv(project="p", bootstrap="", registry_url="http://bob:hunter22@127.0.0.1:9")
    with pytest.raises(AdapterError) as info:
        env.schema_text(1)
    assert "hunter22" not in str(info.value) and "bob" not in str(info.value)


def test_ledger_errors_and_junit_reports_are_redacted(tmp_path: Path) -> None:
    from streamt.resources import EntryStatus, LedgerEntry, ResourceKind
    from streamt.state import LedgerWriter
    from streamt.state.ledger_store import MemoryLedgerStore
    from streamt.testing.results import Status, TestResult
    from streamt.testing.session import write_junit, write_results

    redaction.remember_secrets(["hunter22"])
    store = MemoryLedgerStore()
    entry = LedgerEntry(
        project="p",
        environment="e",
        kind=ResourceKind.JOB,
        name="j",
        status=EntryStatus.FAILED,
        error="Flink said: password 'hunter22' rejected by http://u:hunter22@h",
    )
    LedgerWriter(store, "p", "e").put(entry)
    assert b"hunter22" not in b"".join(r.value or b"" for r in store.read())
    report = tmp_path / "junit.xml"
    write_junit(report, [TestResult("t", "sample", "m", Status.ERROR, "auth hunter22 failed")], "p")
    assert "hunter22" not in report.read_text() and "***" in report.read_text()
    results = write_results(
        tmp_path, [TestResult("t", "sample", "m", Status.ERROR, "auth hunter22 failed")], "p"
    )
    assert "hunter22" not in results.read_text() and "***" in results.read_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://u:p@h:1/x", "http://***@h:1/x"),
        ("see https://user@h and ftp://a:b@c/d.", "see https://***@h and ftp://***@c/d."),
        ("http://u:p@ss@h/x", "http://***@h/x"),  # an unencoded @ in the password
        ("mail me: a@b.c", "mail me: a@b.c"),  # not a URL
        ("SASL_SSL://u:p@broker:9093", "SASL_SSL://***@broker:9093"),
    ],
)
def test_url_userinfo_is_masked(text: str, expected: str) -> None:
    assert redaction.redact(text) == expected


def test_short_values_are_not_searched_and_long_ones_overlap_safely() -> None:
    redaction.remember_secrets(["ab", "secret", "secret-longer"])
    assert redaction.redact("ab secret secret-longer") == "ab *** ***"
    assert re.fullmatch(r"\*\*\*", redaction.redact("secret-longer"))


EVERY_CHANNEL = """\
project: {name: leaky}
runtime:
  kafka:
    bootstrap_servers: localhost:9092
    security_protocol: SASL_SSL
    sasl_mechanism: PLAIN
    sasl_username: app
    sasl_password: ${KAFKA_PASSWORD}
  schema_registry: {url: "http://reg:${REGISTRY_KEY}@localhost:8081"}
  flink:
    default: x
    clusters: {x: {rest_url: "http://localhost:8082", sql_gateway_url: "http://localhost:8084"}}
sources:
  - name: events
    topic: events.raw.v1
    columns: [{name: id, type: STRING}]
models:
  - name: clean
    sql: SELECT id FROM {{ source("events") }}
  - name: clean_pg
    from: clean
    advanced:
      connector:
        type: jdbc-sink
        config: {connection.url: "jdbc:postgresql://db/x", connection.password: "${DB_CRED}"}
"""


def test_every_output_channel_of_a_deployment_is_free_of_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate, compile, plan (text, JSON, file), apply, status (text, JSON): stdout, stderr,
    artifacts, the plan file and the ledger, with three secrets that differ only in how they
    reach streamt (a credential field, URL user-info, a connector password)."""
    from streamt.apply import jobs as apply_jobs
    from streamt.resources import TopicState

    from ..apply.fakes import FakeConnect, FakeKafka, fake_systems

    secrets = {"KAFKA_PASSWORD": "k\"a\\f'ka-1", "REGISTRY_KEY": "reg'key-2", "DB_CRED": 'd"b-3'}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")
    project = tmp_path / "p"
    project.mkdir()
    (project / "stream_project.yml").write_text(EVERY_CHANNEL)
    systems = fake_systems()
    assert isinstance(systems.kafka, FakeKafka)
    systems.kafka.topics["events.raw.v1"] = TopicState("events.raw.v1", 1, 1, {})
    monkeypatch.setattr("streamt.apply.deployment.systems_from_runtime", lambda r, e: systems)
    monkeypatch.setattr(
        "streamt.apply.deployment.preflight", lambda *args, **kw: None
    )  # fakes: no probe
    monkeypatch.setattr(apply_jobs, "await_running", lambda ctx, job_id, label="": None)
    p = str(project)
    runs = [
        ["validate", "-p", p, "--format", "json"],
        ["compile", "-p", p],
        ["plan", "-p", p],
        ["plan", "-p", p, "--format", "json", "--out", str(tmp_path / "plan.json")],
        ["apply", "-p", p, "--auto-approve"],
        ["status", "-p", p],
        ["status", "-p", p, "--format", "json"],
    ]
    printed = ""
    for argv in runs:
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 3), (argv, out, err)
        printed += out + err
    # the connector really got the secret: it was bound, then kept out of every output
    assert isinstance(systems.connect, FakeConnect)
    assert systems.connect.connectors["clean_pg"]["connection.password"] == secrets["DB_CRED"]
    assert systems.ledger is not None
    ledger = b"".join(r.value or b"" for r in systems.ledger.read()).decode()
    target = [f for f in (project / "target").rglob("*") if f.is_file()]  # cache files too
    files = [f.read_bytes().decode("utf-8", "replace") for f in target]
    files.append((tmp_path / "plan.json").read_text())
    assert "${DB_CRED}" in ledger and any("${KAFKA_PASSWORD}" in f for f in files)
    for text in [printed, ledger, *files]:
        for value in secrets.values():
            assert not _leaks(text, value), value
