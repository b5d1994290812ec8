"""V172: sensitive data reaching a model output through column lineage, unmasked."""

from __future__ import annotations

from pathlib import Path

from streamt.diagnostics import Diagnostic
from tests.unit.validate.helpers import check_compiled

PROJECT = """
project: {name: p}
rules: {security: {sensitive_columns_require_masking: true}}
sources:
  - name: users
    topic: users
    columns:
      - {name: id, type: STRING}
      - {name: email, type: STRING, classification: highly_sensitive}
models:
  - name: masked_users
    security: {policies: [{mask: {column: email, method: hash}}]}
    sql: |
      SELECT id, email, UPPER(email) AS shout FROM {{ source("users") }}
  - name: from_masked
    sql: SELECT id, email AS hashed FROM {{ ref("masked_users") }}
  - name: from_leak
    sql: SELECT CONCAT(id, shout) AS label FROM {{ ref("masked_users") }}
"""


def check(tmp_path: Path, text: str) -> list[Diagnostic]:
    return check_compiled(tmp_path, text, ("V061", "V172"))


def test_a_derived_copy_of_a_masked_column_is_caught_and_the_mask_ends_the_taint(
    tmp_path: Path,
) -> None:
    found = check(tmp_path, PROJECT)
    # V061 is satisfied (a reader masks `email` by name), but `shout` carries it unmasked, and
    # `label` is derived from `shout`; `hashed` comes from the masked column: no finding
    assert [(d.code, d.node, d.message) for d in found] == [
        (
            "V172",
            "model.p.masked_users",
            "column 'shout' of model 'masked_users' is derived from sensitive column 'email'"
            " of 'users' and is not masked",
        ),
        (
            "V172",
            "model.p.from_leak",
            "column 'label' of model 'from_leak' is derived from sensitive column 'email'"
            " of 'users' and is not masked",
        ),
    ]
    assert found[0].location.line == 12  # the model's sql key
    assert "mask: {column: shout}" in (found[0].hint or "")


def test_masking_the_derived_column_clears_it_downstream_too(tmp_path: Path) -> None:
    fixed = PROJECT.replace(
        "{mask: {column: email, method: hash}}",
        "{mask: {column: email, method: hash}}, {mask: {column: shout, method: redact}}",
    )
    assert check(tmp_path, fixed) == []


def test_no_double_report_when_v061_already_fires_and_no_rule_no_finding(tmp_path: Path) -> None:
    unmasked = PROJECT.replace(
        "    security: {policies: [{mask: {column: email, method: hash}}]}\n", ""
    )
    found = check(tmp_path, unmasked)
    assert [d.code for d in found] == ["V061"]  # the origin is reported once, at the source
    off = PROJECT.replace(
        "sensitive_columns_require_masking: true", "sensitive_columns_require_masking: false"
    )
    assert check(tmp_path, off) == []
