"""Class 6: strict config — duplicate keys at every level, URLs per field, bounded numbers,
literal secrets flagged (a warning; `validate --strict` fails on it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streamt.cli import main
from streamt.context import Context
from streamt.diagnostics import Diagnostic, Severity
from streamt.load import load_project
from tests.unit.load.helpers import load, write

HEAD = """\
project: {name: p}
rules:
  topics: {min_partitions: 3}
sources:
  - name: s
    topic: s.v1
    columns: [{name: id, type: STRING}]
models:
  - name: m
    sql: SELECT id FROM {{ source('s') }}
    advanced: {topic: {partitions: 1}}
"""


def _diags(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> list[Diagnostic]:
    write(tmp_path, {"stream_project.yml": text, **(files or {})})
    return list(Context(tmp_path).validate(use_cache=False).diagnostics)


def _cli(tmp_path: Path, *args: str) -> int:
    return main(["validate", "-p", str(tmp_path), "--no-cache", *args])


# ---- duplicate keys -----------------------------------------------------------------------


def test_repeated_rules_section_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    # without the duplicate, the governance rule fires (partitions 1 < min_partitions 3)
    assert "V030" in {d.code for d in _diags(tmp_path, HEAD)}
    diags = _diags(tmp_path, HEAD + "rules: {}\n")
    dup = [d for d in diags if d.code == "L013"]
    assert [(d.severity, d.location.line, d.message) for d in dup] == [
        (Severity.ERROR, 12, "duplicate key 'rules'")
    ]
    assert "V030" in {d.code for d in diags}  # the first section stays in force
    assert _cli(tmp_path, "--strict") == 1


@pytest.mark.parametrize(
    ("text", "files", "where"),
    [
        (HEAD + "models: []\n", {}, ("stream_project.yml", 12)),
        (HEAD + "project: {name: q}\n", {}, ("stream_project.yml", 12)),
        (
            HEAD.replace("{partitions: 1}", "{partitions: 1, partitions: 6}"),
            {},
            ("stream_project.yml", 11),
        ),
        (
            HEAD,
            {"models/more.yml": "models:\n  - name: n\n    sql: SELECT 1\nmodels: []\n"},
            ("models/more.yml", 4),
        ),
        (
            HEAD,
            {
                "tests/t.yml": "tests:\n  - name: t\n    model: m\n    type: sample\n    type: continuous\n"
            },
            ("tests/t.yml", 5),
        ),
    ],
)
def test_duplicate_keys_at_every_level(
    tmp_path: Path, text: str, files: dict[str, str], where: tuple[str, int]
) -> None:
    dup = [d for d in _diags(tmp_path, text, files) if d.code == "L013"]
    assert [(d.location.file, d.location.line) for d in dup] == [where]
    assert all(d.is_error for d in dup)


def test_duplicate_key_in_an_environment_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": HEAD,
            "environments/prod.yml": "environment: {name: prod}\nsafety: {}\nsafety: {}\n",
        },
    )
    result = load_project(tmp_path, env="prod")
    dup = [d for d in result.diagnostics if d.code == "L013"]
    assert [(d.location.file, d.location.line) for d in dup] == [("environments/prod.yml", 3)]


# ---- URLs -----------------------------------------------------------------------------------


RUNTIME = """\
project: {{name: p}}
runtime:
  kafka: {{bootstrap_servers: "{bootstrap}"}}
  schema_registry: {{url: "{registry}"}}
  connect:
    clusters:
      main: {{rest_url: "{connect}"}}
"""


def _runtime(tmp_path: Path, **values: str) -> list[Diagnostic]:
    fields = {"bootstrap": "localhost:9092", "registry": "http://localhost:8081"}
    fields["connect"] = "http://localhost:8083"
    fields.update(values)
    result = load(tmp_path, RUNTIME.format(**fields))
    return [d for d in result.diagnostics if d.code in ("L050", "L051")]


@pytest.mark.parametrize(
    ("field", "value", "line", "problem"),
    [
        ("registry", "file:///etc/passwd", 4, "uses scheme 'file'"),
        ("registry", "gopher://localhost:70/", 4, "uses scheme 'gopher'"),
        ("registry", "localhost:8081", 4, "has no scheme"),
        ("registry", "http://", 4, "has no host"),
        ("registry", "http://:8081/", 4, "has no host"),
        ("connect", "http://localhost:99999", 7, "has an invalid port '99999'"),
        ("connect", "http://local host:8083", 7, "contains whitespace"),
        ("bootstrap", "localhost", 3, "is not host:port"),
        ("bootstrap", "localhost:9092,:9093", 3, "is not host:port"),
        ("bootstrap", "localhost:port", 3, "has an invalid port"),
    ],
)
def test_bad_runtime_urls_are_placed_errors(
    tmp_path: Path, field: str, value: str, line: int, problem: str
) -> None:
    (diag,) = _runtime(tmp_path, **{field: value})
    assert (diag.code, diag.severity, diag.location.line) == ("L050", Severity.ERROR, line)
    assert problem in diag.message


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"registry": "https://sr.example.com/api/ccompat/v7"},
        {"registry": "${SR_URL}", "connect": "${CONNECT_URL}", "bootstrap": "${BOOTSTRAP}"},
        {"registry": "https://${SR_HOST}:8081"},
        {"connect": "http://[::1]:8083"},
        {"bootstrap": "b1:9092,b2:9092, SASL_SSL://b3:9093"},
    ],
)
def test_good_runtime_urls_pass(tmp_path: Path, values: dict[str, str]) -> None:
    assert _runtime(tmp_path, **values) == []


def test_credentials_in_a_url_are_discouraged(tmp_path: Path) -> None:
    (diag,) = _runtime(tmp_path, registry="https://user:hunter2@sr.example.com")
    assert (diag.code, diag.severity, diag.location.line) == ("L051", Severity.WARNING, 4)


@pytest.mark.parametrize(
    ("url", "code"),
    [("file:///tmp/x", "L050"), ("gopher://h/", "L050"), ("https://u:p@hooks.example", "L051")],
)
def test_alert_urls_are_checked(tmp_path: Path, url: str, code: str) -> None:
    test = textwrap.dedent(
        f"""\
        tests:
          - name: t
            model: m
            type: sample
            assertions: [{{not_null: {{columns: [id]}}}}]
            on_failure:
              actions:
                - alert: {{url: "{url}"}}
        """
    )
    found = [d for d in _diags(tmp_path, HEAD, {"tests/t.yml": test}) if d.code == code]
    assert len(found) == 1 and found[0].location.file == "tests/t.yml"
    assert found[0].location.line == 8


# ---- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("{partitions: 1}", "{partitions: 100000000000000000000}"),
        ("{partitions: 1}", "{partitions: 2147483648}"),
        ("{partitions: 1}", "{replication_factor: 40000}"),
        ("{topic: {partitions: 1}}", "{flink: {parallelism: 100000}}"),
        ("{topic: {partitions: 1}}", "{flink: {checkpoint_interval_ms: 9223372036854775808}}"),
    ],
)
def test_numbers_beyond_what_the_system_accepts_are_refused(
    tmp_path: Path, old: str, new: str
) -> None:
    diags = _diags(tmp_path, HEAD.replace(old, new))
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1 and errors[0].location.line == 11, [d.render() for d in errors]
    assert "less than or equal to" in errors[0].message


@pytest.mark.parametrize(
    ("where", "sql_type"),
    [
        ("column", "TIMESTAMP(99999)"),
        ("column", "DECIMAL(39, 2)"),
        ("column", "DECIMAL(10, 11)"),
        ("column", "VARCHAR(0)"),
        ("column", "CHAR(99999999999999999999999)"),
        ("cast", "TIMESTAMP(99999)"),
        ("cast", "DECIMAL(40)"),
    ],
)
def test_type_parameters_are_bounded(tmp_path: Path, where: str, sql_type: str) -> None:
    if where == "column":
        text = HEAD.replace("{name: id, type: STRING}", f"{{name: id, type: '{sql_type}'}}")
    else:
        text = HEAD.replace("SELECT id", f"SELECT CAST(id AS {sql_type}) AS id")
    diags = _diags(tmp_path, text)
    errors = [d for d in diags if d.is_error and d.code in ("C041", "C050")]
    assert len(errors) == 1, [d.render() for d in diags]
    assert errors[0].location.line == (7 if where == "column" else 10)


# ---- literal secrets ------------------------------------------------------------------------


SECRETS = """\
project: {{name: p}}
runtime:
  kafka:
    bootstrap_servers: localhost:9092
    sasl_password: {kafka}
    properties: {{sasl.jaas.config: {jaas}}}
  schema_registry: {{url: "http://localhost:8081", password: {registry}}}
sources:
  - name: s
    topic: s.v1
    columns: [{{name: id, type: STRING}}]
models:
  - name: pg
    from: [{{ref: m}}]
    advanced:
      connector:
        type: jdbc-sink
        config: {{connection.url: "jdbc:postgresql://db/x", connection.password: {pg}}}
  - name: m
    sql: SELECT id FROM {{{{ source('s') }}}}
"""


def test_literal_secrets_are_warnings_and_fail_strict(tmp_path: Path) -> None:
    text = SECRETS.format(kafka="hunter2", jaas="'x password=\"hunter2\";'", registry="pw", pg="pg")
    found = [d for d in _diags(tmp_path, text) if d.code == "L052"]
    assert [(d.severity, d.location.line) for d in found] == [
        (Severity.WARNING, n) for n in (5, 6, 7, 18)
    ]
    assert {d.message.split(" ")[0] for d in found} == {
        "runtime.kafka.sasl_password",
        "runtime.kafka.properties.sasl.jaas.config",
        "runtime.schema_registry.password",
        "advanced.connector.config.connection.password",
    }
    assert _cli(tmp_path) == 0
    assert _cli(tmp_path, "--strict") == 1


def test_placeholders_in_credential_fields_pass(tmp_path: Path) -> None:
    text = SECRETS.format(
        kafka="${KAFKA_PASSWORD}", jaas="'${JAAS}'", registry="${SR_PASSWORD}", pg="${PG_PW}"
    )
    assert [d for d in _diags(tmp_path, text) if d.code == "L052"] == []
