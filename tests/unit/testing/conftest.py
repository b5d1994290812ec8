"""Helpers: write a small project to a temp dir and load it with the real loader."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from streamt.diagnostics import Diagnostic
from streamt.load import load_project
from streamt.load.model import Project

HEADER = """\
project: {name: shop}
sources:
  - name: orders_raw
    topic: orders.raw
    columns:
      - {name: order_id, type: STRING}
      - {name: customer_id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: status, type: STRING}
      - {name: ts, type: TIMESTAMP(3)}
  - name: customers
    topic: customers.raw
    columns: [{name: id, type: STRING}, {name: name, type: STRING}]
models:
  - name: orders_clean
    sql: SELECT order_id, customer_id, amount, status, ts FROM {{ source("orders_raw") }} WHERE amount > 0
"""


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[str], Project]:
    def make(tests_yaml: str) -> Project:
        text = HEADER + "tests:\n" + textwrap.indent(textwrap.dedent(tests_yaml), "  ")
        (tmp_path / "stream_project.yml").write_text(text)
        result = load_project(tmp_path)
        assert result.ok, [d.render() for d in result.diagnostics]
        assert result.project is not None
        return result.project

    return make


@pytest.fixture
def load_problems(tmp_path: Path) -> Callable[[str], list[Diagnostic]]:
    """The load diagnostics of a project with these tests (bad assertions fail at load)."""

    def load(tests_yaml: str) -> list[Diagnostic]:
        text = HEADER + "tests:\n" + textwrap.indent(textwrap.dedent(tests_yaml), "  ")
        (tmp_path / "stream_project.yml").write_text(text)
        return list(load_project(tmp_path).diagnostics)

    return load
