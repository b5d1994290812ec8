"""The JSON Schema of `environments/<env>.yml` (`streamt schema --environment`): generated from
the code, taking what the loader takes (the README's overlay, `streamt init`'s dev.yml) and
refusing what it refuses, with the editor line `init` writes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from streamt.cli import main
from streamt.load.jsonschema import render
from streamt.scaffold import schema_path

COMMITTED = schema_path("environment")

README_OVERLAY = """
environment: {description: Production, protected: true, prefix: "prod-"}
safety: {confirm_apply: true, allow_destructive: false}
runtime:
  kafka: {bootstrap_servers: "${PROD_BOOTSTRAP}"}
defaults:
  topic: {replication_factor: 3}
models:
  - name: payments_eur
    advanced: {topic: {partitions: 12}, flink: {parallelism: 4}}
"""


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(text: str) -> list[str]:
    return sorted(e.message for e in _validator().iter_errors(yaml.safe_load(text)))


def test_committed_schema_is_generated_from_the_code() -> None:
    assert COMMITTED.read_text() == render("environment"), (
        "regenerate: .venv/bin/python -m streamt.load.jsonschema environment"
        " > src/streamt/load/environment.schema.json"
    )


def test_streamt_schema_prints_the_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_path().read_text()
    assert main(["schema", "--environment"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text()


def test_the_documented_overlay_matches_and_a_partial_section_is_enough() -> None:
    assert _errors(README_OVERLAY) == []
    # mappings merge key by key: `project` without its (required) name is a whole overlay
    assert _errors("project: {description: Production copy}") == []
    # a list replaces the project's, so its items are whole: a column needs its name
    assert _errors("sources: [{name: s, columns: [{type: INT}]}]") == [
        "'name' is a required property"
    ]


def test_what_the_loader_refuses_the_schema_refuses() -> None:
    assert _errors("environmnt: {protected: true}") == [
        "Additional properties are not allowed ('environmnt' was unexpected)"
    ]
    assert _errors("environment: {protected: yes-please}") == [
        "'yes-please' is not of type 'boolean'"
    ]
    assert _errors("models: [{advanced: {topic: {partitions: 3}}}]") == [
        "'name' is a required property"
    ]
    # a patch never changes a model's SQL (L102), so the schema has no `sql` for it
    assert _errors("models: [{name: a, sql: SELECT 1}]") == [
        "Additional properties are not allowed ('sql' was unexpected)"
    ]


def test_init_writes_the_editor_line_for_the_environment(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "p"), "--no-input"]) == 0
    dev = (tmp_path / "p" / "environments" / "dev.yml").read_text()
    assert dev.splitlines()[0] == f"# yaml-language-server: $schema={COMMITTED.as_uri()}"
    assert _errors(dev) == []
