"""One mistake, one error: a model whose query fails, a reference to a model or source that does
not exist, is reported where it is written, and never again as unknown columns in its readers,
their readers, or the data tests on them. Each project here was run before the suppression and
printed the extra errors named in its test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamt.cli import main
from tests.unit.cli.test_commands import VALID
from tests.unit.load.helpers import write

HEAD = VALID.partition("models:")[0] + "models:"  # project shop, source orders (id, amount)


def errors(tmp_path: Path, body: str, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    write(tmp_path, {"stream_project.yml": HEAD + body})
    assert main(["validate", "-p", str(tmp_path), "--format", "json", "--no-cache"]) == 1
    report = json.loads(capsys.readouterr().out)
    return [(d["code"], d["node"]) for d in report["diagnostics"] if d["severity"] == "error"]


def test_readers_of_a_model_whose_query_fails_stay_silent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: b also had S003 unknown column 'id' and S003 unknown column 'amount'
    body = """
  - name: a
    sql: SELECT id, amount, FROM {{ source("orders") }}
  - name: b
    sql: SELECT id, amount FROM {{ ref("a") }}
  - name: c
    sql: SELECT id FROM {{ ref("b") }} WHERE amount > 1
  - name: unrelated
    sql: SELECT id, nope FROM {{ source("orders") }}
"""
    assert errors(tmp_path, body, capsys) == [
        ("S001", "model.shop.a"),
        ("S003", "model.shop.unrelated"),  # a mistake of its own is still reported
    ]


def test_tests_on_a_model_whose_query_fails_stay_silent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: T007 "column 'id' is not a column of 'a'" and the same for 'amount'
    body = """
  - name: a
    sql: SELECT id, amount, FROM {{ source("orders") }}
  - name: b
    sql: SELECT id FROM {{ ref("a") }}
tests:
  - name: on_a
    model: a
    type: schema
    assertions:
      - not_null: {columns: [id, amount]}
  - name: on_b
    model: b
    type: sample
    assertions:
      - not_null: {columns: [id]}
  - name: on_orders
    model: orders
    type: schema
    assertions:
      - not_null: {columns: [idd]}
"""
    assert errors(tmp_path, body, capsys) == [
        ("S001", "model.shop.a"),
        ("T007", "test.shop.on_orders"),  # a test's own mistake on a sound target still is
    ]


def test_a_missing_model_is_one_error_not_one_per_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """
  - name: b
    sql: SELECT id, amount FROM {{ ref("ghost") }}
  - name: c
    sql: SELECT id FROM {{ ref("b") }}
  - name: d
    sql: SELECT id, amount FROM {{ source("orderz") }}
tests:
  - name: on_c
    model: c
    type: schema
    assertions:
      - not_null: {columns: [id, amount]}
exposures:
  - name: board
    type: dashboard
    depends_on: [{ref: c}]
"""
    assert errors(tmp_path, body, capsys) == [("G001", "model.shop.b"), ("G002", "model.shop.d")]


def test_a_missing_reference_does_not_hide_the_other_models_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: only G001 — an unknown ref() stopped compile, so the other models' own mistakes
    # (and the data test's) were not reported until it was fixed
    body = """
  - name: b
    sql: SELECT id FROM {{ ref("ghost") }}
  - name: other
    sql: SELECT id, amount, FROM {{ source("orders") }}
  - name: fine
    sql: SELECT id, nope FROM {{ source("orders") }}
tests:
  - name: on_orders
    model: orders
    type: schema
    assertions:
      - not_null: {columns: [idd]}
"""
    assert errors(tmp_path, body, capsys) == [
        ("G001", "model.shop.b"),
        ("S001", "model.shop.other"),
        ("S003", "model.shop.fine"),
        ("T007", "test.shop.on_orders"),
    ]


def test_a_cycle_still_stops_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = """
  - name: a
    sql: SELECT id FROM {{ ref("b") }}
  - name: b
    sql: SELECT id FROM {{ ref("a") }}
  - name: other
    sql: SELECT id, amount, FROM {{ source("orders") }}
"""
    assert [code for code, _ in errors(tmp_path, body, capsys)] == ["G003"]
