"""V173: output column names that come from a model's SQL follow the identifier policy (V001
checks the declared ones)."""

from __future__ import annotations

from pathlib import Path

from streamt.diagnostics import Diagnostic, Severity
from tests.unit.validate.helpers import check_compiled

PROJECT = """
project: {name: p}
sources:
  - name: raw
    topic: raw
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: INT}
models:
  - name: odd
    sql: |
      SELECT id AS `user id`, amount AS `a;b`, amount + 1 AS `ok.name-1`, id
      FROM {{ source("raw") }}
  - name: plain
    sql: SELECT id, amount AS total FROM {{ source("raw") }}
"""


def check(tmp_path: Path, text: str) -> list[Diagnostic]:
    return check_compiled(tmp_path, text, ("V001", "V173"))


def test_aliases_that_break_the_identifier_policy_are_warned(tmp_path: Path) -> None:
    found = check(tmp_path, PROJECT)
    assert [(d.code, d.severity, d.message) for d in found] == [
        (
            "V173",
            Severity.WARNING,
            "output column 'user id' of model 'odd' (named in its SQL) contains whitespace",
        ),
        (
            "V173",
            Severity.WARNING,
            "output column 'a;b' of model 'odd' (named in its SQL) contains a semicolon",
        ),
    ]
    assert all(d.location is not None and d.location.line == 10 for d in found)  # odd's sql:
    assert all(d.node == "model.p.odd" for d in found)


def test_a_declared_column_is_v001s_not_v173s(tmp_path: Path) -> None:
    text = PROJECT.replace("  - name: odd\n", "  - name: odd\n    columns: [{name: 'user id'}]\n")
    codes = [(d.code, d.message.split(" of ")[0]) for d in check(tmp_path, text)]
    assert ("V001", "column name 'user id'") in codes
    assert ("V173", "output column 'a;b'") in codes
    assert not any(code == "V173" and "user id" in text for code, text in codes)
