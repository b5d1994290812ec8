"""Class 1 of issue 10: a secret is a value bound into an option, never text spliced into SQL.

A project whose runtime credentials, registry user-info and Flink option are `${VAR}`
references is compiled and applied (in-memory systems); the variables hold hostile values
(quotes, double quotes, backslashes, newlines, a `${...}` of their own, SQL that would add a
WITH option). Every submitted statement must parse as the same statement with each option
holding exactly the bound value; the JAAS config must read back (as Kafka's tokenizer reads it)
to exactly the password; a `${...}` written in a model's SQL must reach Flink as written (with
a V130 warning), and every artifact, the plan file and the ledger show only `${VAR}`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlglot import exp

from streamt.apply.step import ApplyOptions
from streamt.artifacts.plan_file import plan_to_json
from streamt.config import jaas
from streamt.config.env import resolve
from streamt.context import Context
from streamt.resources import TopicSpec
from streamt.sql.dialect import parse
from streamt.sql.options import bound_statements, option_values, rebind_options

from ..apply.fakes import FakeFlink, fake_systems

PAYLOADS = {
    "quote": "p'ss",
    "double quote": 'p"ss',
    "both and a JAAS end": 'a\'b"c";x="y',
    "backslash": "back\\slash\\",
    "newline": "line1\nline2\r\tend",
    "sql that adds an option": "x', 'properties.security.protocol'='PLAINTEXT",
    "a placeholder of its own": "${HOME}$${HOME}",
    "unicode": "päss‮wörd",
}

PROJECT = """\
project: {name: secrets-demo}
runtime:
  kafka:
    bootstrap_servers: localhost:9092
    security_protocol: SASL_SSL
    sasl_mechanism: PLAIN
    sasl_username: ${KAFKA_USER}
    sasl_password: ${KAFKA_PASSWORD}
  schema_registry:
    url: http://localhost:8081
    username: ${SR_USER}
    password: ${SR_PASSWORD}
  flink:
    default: local
    clusters:
      local: {rest_url: "http://localhost:8082", sql_gateway_url: "http://localhost:8084"}
sources:
  - name: orders
    topic: orders.v1
    format: avro
    schema: {format: avro, definition: '{"type":"record","name":"o","fields":[{"name":"id","type":"string"},{"name":"note","type":"string"}]}'}
    columns: [{name: id, type: STRING}, {name: note, type: STRING}]
models:
  - name: orders_clean
    sql: |
      SELECT id, note
      FROM {{ source("orders") }}
      WHERE note <> '${HOME}'
    advanced:
      flink:
        config:
          s3.secret-key: ${S3_SECRET}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "stream_project.yml").write_text(PROJECT)
    return tmp_path


def _environ(secret: str) -> dict[str, str]:
    return {
        "KAFKA_USER": 'us"er',
        "KAFKA_PASSWORD": secret,
        "SR_USER": "sr",
        "SR_PASSWORD": secret,
        "S3_SECRET": secret,
        "HOME": "/home/apply-user",
    }


def _options(statement: str) -> dict[str, str]:
    tree = parse(statement)
    props = tree.find(exp.Properties)
    if isinstance(tree, exp.Set):
        item = tree.expressions[0].this
        return {item.this.name: item.expression.name}
    assert props is not None
    return {
        p.this.name: p.args["value"].name
        for p in props.expressions
        if isinstance(p, exp.Property) and p.args.get("value") is not None
    }


def jaas_options(config: str) -> dict[str, str]:
    """Read a JAAS entry the way java.io.StreamTokenizer (Kafka's JaasConfig) does."""
    out: dict[str, str] = {}
    i = config.index(" required ") + len(" required ")
    escapes = {"n": "\n", "r": "\r", "t": "\t"}
    while config[i] != ";":
        eq = config.index("=", i)
        key = config[i:eq].strip()
        assert config[eq + 1] == '"', config
        j, value = eq + 2, []
        while config[j] != '"':
            if config[j] == "\\":
                j += 1
                value.append(escapes.get(config[j], config[j]))
            else:
                assert config[j] not in "\r\n", "a raw line break ends a JAAS string"
                value.append(config[j])
            j += 1
        out[key] = "".join(value)
        i = j + 1
        while config[i] == " ":
            i += 1
    assert config[i:] == ";", config
    return out


def _apply(tmp_path: Path, secret: str) -> tuple[Context, FakeFlink, object, str]:
    environ = _environ(secret)
    systems = fake_systems()
    assert systems.kafka is not None
    systems.kafka.create_topics([TopicSpec("orders.v1", 1, 1, {})])  # the external source
    ctx = Context(_project(tmp_path), environ=environ, dotenv=False, systems=systems)
    plan = ctx.plan()
    options = ApplyOptions(environ=environ, job_stable_s=0, poll_s=0, job_start_timeout_s=2)
    report = ctx.apply(plan, options)
    assert report.ok, report.failed
    assert isinstance(systems.flink, FakeFlink)
    assert systems.ledger is not None
    ledger = b"".join(r.value or b"" for r in systems.ledger.read())
    return ctx, systems.flink, plan, ledger.decode()


@pytest.mark.parametrize("secret", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_secret_is_bound_as_the_exact_option_value(tmp_path: Path, secret: str) -> None:
    ctx, flink, plan, ledger = _apply(tmp_path, secret)
    [(statements, config)] = flink.submitted
    assert config["s3.secret-key"] == secret
    tables = [_options(s) for s in statements if s.startswith("CREATE")]
    source = next(t for t in tables if t.get("topic") == "orders.v1")
    assert source["avro-confluent.basic-auth.user-info"] == f"sr:{secret}"
    assert source["properties.security.protocol"] == "SASL_SSL"  # nothing overrode it
    for table in tables:
        creds = jaas_options(table["properties.sasl.jaas.config"])
        assert creds == {"username": 'us"er', "password": secret}
    sets = [_options(s) for s in statements if s.startswith("SET")]
    assert {"s3.secret-key": secret} in sets
    # the statements are the compiled ones with only option values changed
    compiled = ctx.compile().desired.jobs[0].statements
    assert len(statements) == len(compiled)
    for sent, written in zip(statements, compiled, strict=True):
        if not option_values(written):
            assert sent == written
    # the model's own literal is text: never resolved
    insert = statements[-1]
    assert "'${HOME}'" in insert and "/home/apply-user" not in insert
    # the plan and the ledger keep the references
    for text in (plan_to_json(plan), ledger):  # type: ignore[arg-type]
        assert "${KAFKA_PASSWORD}" in text and "${S3_SECRET}" in text
        if len(secret) >= 4:
            assert secret not in text and json.dumps(secret)[1:-1] not in text


def test_artifacts_keep_references_and_never_the_values(tmp_path: Path) -> None:
    secret = PAYLOADS["both and a JAAS end"]
    ctx = Context(_project(tmp_path), environ=_environ(secret), dotenv=False)
    written = ctx.write_artifacts(ctx.compile(), tmp_path / "target")
    texts = "".join(p.read_text() for p in written if p.is_file())
    assert "${KAFKA_PASSWORD}" in texts and "${SR_USER}:${SR_PASSWORD}" in texts
    assert "${S3_SECRET}" in texts
    assert secret not in texts and 'us\\"er' not in texts


def test_literal_credentials_are_escaped_inside_the_jaas_config() -> None:
    value = jaas.login("M", {"username": 'a"b\\c', "password": "${P}"})
    assert jaas_options(value) == {"username": 'a"b\\c', "password": "${P}"}
    bound = resolve(value, {"P": 'x";evil="1'}, jaas.escape)
    assert jaas_options(bound) == {"username": 'a"b\\c', "password": 'x";evil="1'}


def test_placeholder_in_model_sql_is_a_literal_with_a_warning(tmp_path: Path) -> None:
    ctx = Context(_project(tmp_path), environ=_environ("s3cr3t!"), dotenv=False)
    diags = [d for d in ctx.validate().diagnostics if d.code == "V130"]
    assert len(diags) == 1
    assert "${HOME}" in diags[0].message
    assert diags[0].severity.value == "warning"
    loc = diags[0].location
    lines = PROJECT.splitlines()
    expected = next(i for i, text in enumerate(lines, 1) if "note <> '${HOME}'" in text)
    assert (loc.file, loc.line) == ("stream_project.yml", expected)
    line = lines[expected - 1]
    assert line[loc.column - 1 :].startswith("'${HOME}'")
    from streamt.cli import main

    warnings = [d.code for d in ctx.validate().diagnostics if d.severity.value != "info"]
    assert warnings == ["V130"]
    assert main(["validate", "--strict", "-p", str(tmp_path)]) == 1  # it fails for V130 alone


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO `t` SELECT 'k' = '${X}' FROM `s`",
        "CREATE TEMPORARY VIEW `v` AS SELECT '${X}' AS `a` FROM `s` WHERE ('a' = '${X}')",
        "CREATE TEMPORARY TABLE `t` (`a` STRING, WATERMARK FOR `a` AS `a` - INTERVAL '${X}' SECOND)",
        "SELECT 1",
    ],
)
def test_references_outside_option_values_are_never_bound(statement: str) -> None:
    assert option_values(statement) == [] or all(o.key != "k" for o in option_values(statement))
    assert bound_statements([statement], {"X": "boom'"}) == [statement]


def test_only_the_option_value_literal_is_regenerated() -> None:
    statement = (
        "CREATE TEMPORARY TABLE `t` (\n  `a` STRING\n)\nWITH (\n  'k'='${X}',\n  'x'='${X}'\n)"
    )
    out = rebind_options(statement, lambda k, v: "v'1" if k == "k" else v)
    assert out == statement.replace("'k'='${X}'", "'k'='v''1'")


def test_unit_test_jobs_bind_references_as_values_too(tmp_path: Path) -> None:
    from streamt.adapters.protocols import AdapterError
    from streamt.testing.env import TestEnv
    from streamt.testing.unit import _run_job

    secret = PAYLOADS["both and a JAAS end"]
    ctx = Context(_project(tmp_path), environ=_environ(secret), dotenv=False)
    job = ctx.compile().desired.jobs[0]
    flink = FakeFlink()
    flink.fail_next = "FINISHED"  # a bounded unit-test job ends by itself
    env = TestEnv(project="p", bootstrap="", flink=flink, environ=_environ(secret))
    assert _run_job(env, job, timeout_s=1) == "FINISHED"
    [(statements, config)] = flink.submitted
    assert config["s3.secret-key"] == secret
    assert {"s3.secret-key": secret} in [_options(s) for s in statements if s.startswith("SET")]
    assert "'${HOME}'" in statements[-1]
    with pytest.raises(AdapterError, match="KAFKA_PASSWORD is not set") as info:
        _run_job(TestEnv(project="p", bootstrap="", flink=FakeFlink(), environ={}), job, 1)
    assert not info.value.unreachable


@pytest.mark.parametrize("secret", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_connector_config_binds_values_and_escapes_a_jaas_config(secret: str) -> None:
    from streamt.sql.options import bound_config

    config = {
        "connection.password": "${P}",
        "consumer.override.sasl.jaas.config": 'M required username="u" password="${P}";',
        "note": "$${P} stays a literal",
    }
    bound = bound_config(config, {"P": secret})
    assert bound["connection.password"] == secret
    assert jaas_options(bound["consumer.override.sasl.jaas.config"]) == {
        "username": "u",
        "password": secret,
    }
    assert bound["note"] == "${P} stays a literal"
