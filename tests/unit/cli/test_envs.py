"""`streamt envs list` and `streamt envs show ENV`: the environments, and the configuration one
resolves to (overlay merged, positions irrelevant here, secrets masked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.test_commands import run
from tests.unit.load.helpers import write

PROJECT = """
project: {name: shop}
runtime:
  kafka:
    bootstrap_servers: "k0:9092"
    properties: {sasl.jaas.config: "${JAAS}"}
  schema_registry: {url: "http://sr:8081"}
sources:
  - {name: orders, topic: orders.raw, columns: [{name: id, type: STRING}]}
models:
  - name: clean
    sql: SELECT id FROM {{ source("orders") }}
"""

PROD = """
environment: {description: Production, protected: true, prefix: "prod-"}
runtime:
  kafka: {bootstrap_servers: "k1:9092,k2:9092"}
  schema_registry: {url: "https://reader:hunter22@sr.prod:8081"}
models:
  - name: clean
    advanced: {flink: {parallelism: 4}, topic: {partitions: 12}}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        {
            "stream_project.yml": PROJECT,
            "environments/prod.yml": PROD,
            "environments/dev.yml": "environment: {prefix: 'dev-'}\nsafety: {confirm_apply: true}\n",
            "environments/broken.yml": "models:\n  - {name: nope, advanced: {}}\n",
        },
    )


def test_envs_list(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["envs", "list", "-p", str(project), "--format", "json"], capsys)
    assert code == 1  # `broken` does not load
    assert json.loads(out)["environments"] == [
        {
            "name": "broken",
            "protected": False,
            "requires_name": False,
            "prefix": "",
            "description": "",
            "template": False,
            "errors": 1,
        },
        {
            "name": "dev",
            "protected": False,
            "requires_name": True,
            "prefix": "dev-",
            "description": "",
            "template": False,
            "errors": 0,
        },
        {
            "name": "prod",
            "protected": True,
            "requires_name": True,
            "prefix": "prod-",
            "description": "Production",
            "template": False,
            "errors": 0,
        },
    ]
    code, out, _ = run(["envs", "list", "-p", str(project)], capsys)
    assert "prod    yes        yes         prod-   Production   ok" in out
    assert "dev     no         yes         dev-" in out
    assert "broken  no" in out and "1 error(s)" in out


def test_envs_show_resolves_and_masks(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["envs", "show", "prod", "-p", str(project), "--format", "json"], capsys)
    assert code == 0
    shown = json.loads(out)
    assert shown["environment"] == "prod" and shown["protected"] is True
    assert shown["name_prefix"] == "prod-"
    assert shown["runtime"]["kafka"] == {
        "bootstrap_servers": "k1:9092,k2:9092",
        "properties": {"sasl.jaas.config": "${JAAS}"},  # a reference, kept from the project
    }
    assert shown["runtime"]["schema_registry"]["url"] == "***"  # user-info in a URL
    assert "hunter22" not in out
    assert shown["models"] == {"clean": {"flink": {"parallelism": 4}, "topic": {"partitions": 12}}}
    code, out, _ = run(["envs", "show", "dev", "-p", str(project)], capsys)
    assert code == 0 and "name_prefix: dev-" in out and "bootstrap_servers: k0:9092" in out
    code, _, err = run(["envs", "show", "broken", "-p", str(project)], capsys)
    assert code == 1 and "L101" in err


def test_a_new_environments_folder_is_not_answered_from_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": PROJECT.replace("${JAAS}", "${KAFKA_JAAS}")})
    assert run(["validate", "-p", str(tmp_path)], capsys)[0] == 0
    assert run(["validate", "-p", str(tmp_path)], capsys)[0] == 0  # cached
    write(tmp_path, {"environments/dev.yml": "environment: {prefix: 'dev-'}\n"})
    code, _, err = run(["validate", "-p", str(tmp_path)], capsys)
    assert code == 1 and "L100" in err and "(dev)" in err
    assert run(["validate", "-p", str(tmp_path), "--env", "dev"], capsys)[0] == 0


def test_a_rule_broken_by_an_overlay_points_at_the_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = "rules:\n  topics: {max_partitions: 8}\n"
    write(
        tmp_path,
        {
            "stream_project.yml": PROJECT.replace("${JAAS}", "${KAFKA_JAAS}") + rules,
            "environments/prod.yml": PROD,
        },
    )
    code, out, _ = run(
        ["validate", "-p", str(tmp_path), "--env", "prod", "--format", "json"], capsys
    )
    found = [(d["code"], d["file"], d["line"]) for d in json.loads(out)["diagnostics"]]
    assert code == 1 and ("V031", "environments/prod.yml", 7) in found
