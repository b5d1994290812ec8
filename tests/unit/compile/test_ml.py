"""ML_PREDICT / ML_EVALUATE: where they may run (C060 / C030 / C063), what they return in every
call form (`ml_outputs`), and a called model without `ml_outputs` (C061)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from streamt.diagnostics import Severity
from tests.unit.compile.helpers import compile_yaml

SOURCE = """\
sources:
  - name: tx
    topic: tx.v1
    columns:
      - {name: id, type: STRING}
      - {name: amount, type: DOUBLE}
      - {name: cat, type: STRING}
"""

CLOUD = """\
runtime:
  flink:
    default: cloud
    clusters:
      local: {rest_url: "http://localhost:8082", sql_gateway_url: "http://localhost:8084"}
      cloud:
        type: confluent
        organization_id: 11111111-2222-3333-4444-555555555555
        environment: env-a1b2c3
        compute_pool_id: lfcp-x1y2z3
        database: lkc-q1w2e3
        cloud: aws
        region: us-east-1
        api_key: ${CONFLUENT_FLINK_API_KEY}
        api_secret: ${CONFLUENT_FLINK_API_SECRET}
"""

OUTPUTS = "  ml_outputs:\n    FraudModel: {fraud_score: DOUBLE, confidence: FLOAT}\n"


def text_of(sql: str, runtime: str = CLOUD, extra: str = OUTPUTS) -> str:
    text = f"project: {{name: shop}}\n{runtime}{SOURCE}models:\n- name: scored\n  sql: |\n"
    return text + textwrap.indent(textwrap.dedent(sql).strip(), "    ") + "\n" + extra


def compiled(tmp_path: Path, sql: str, *, runtime: str = CLOUD, extra: str = OUTPUTS) -> object:
    return compile_yaml(tmp_path, text_of(sql, runtime, extra))


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def columns(result: object) -> dict[str, str]:
    node = result.nodes["model.shop.scored"]  # type: ignore[attr-defined]
    return {c.name: c.type.sql() for c in node.columns}


def diags(result: object, code: str) -> list[object]:
    return [d for d in result.diagnostics if d.code == code]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (  # Confluent's documented form: the model's outputs joined to each row
            "SELECT id, fraud_score, confidence FROM {{ source('tx') }},"
            " LATERAL TABLE(ML_PREDICT('FraudModel', amount, cat))",
            {"id": "STRING", "fraud_score": "DOUBLE", "confidence": "FLOAT"},
        ),
        (
            "SELECT * FROM {{ source('tx') }} CROSS JOIN"
            " LATERAL TABLE(ML_PREDICT('FraudModel', amount, cat))",
            {
                "id": "STRING",
                "amount": "DOUBLE",
                "cat": "STRING",
                "fraud_score": "DOUBLE",
                "confidence": "FLOAT",
            },
        ),
        (  # the alias's column list renames the outputs, in order
            "SELECT t.id, p.s, p.c FROM {{ source('tx') }} AS t,"
            " LATERAL TABLE(ML_PREDICT('FraudModel', t.amount)) AS p(s, c)",
            {"id": "STRING", "s": "DOUBLE", "c": "FLOAT"},
        ),
        (
            "SELECT * FROM TABLE(ML_PREDICT('FraudModel', 1.0))",
            {"fraud_score": "DOUBLE", "confidence": "FLOAT"},
        ),
        (  # the seed's scalar form: one ROW of every output
            "SELECT id, ML_PREDICT('FraudModel', amount, cat) AS fraud FROM {{ source('tx') }}",
            {"id": "STRING", "fraud": "ROW<`fraud_score` DOUBLE, `confidence` FLOAT>"},
        ),
        (
            "SELECT id, fraud_score FROM {{ source('tx') }},"
            " LATERAL TABLE(ML_EVALUATE('FraudModel', amount, cat))",
            {"id": "STRING", "fraud_score": "DOUBLE"},
        ),
    ],
)
def test_ml_outputs_type_every_call_form(
    tmp_path: Path, sql: str, expected: dict[str, str]
) -> None:
    result = compiled(tmp_path, sql)
    assert columns(result) == expected
    assert not [d for d in result.diagnostics if d.severity is Severity.ERROR]  # type: ignore[attr-defined]
    (info,) = diags(result, "C030")
    assert "'cloud'" in info.message  # type: ignore[attr-defined]


def test_alias_with_another_number_of_columns_than_the_outputs(tmp_path: Path) -> None:
    result = compiled(
        tmp_path,
        "SELECT p.s FROM {{ source('tx') }}, LATERAL TABLE(ML_PREDICT('FraudModel', amount)) AS p(s)",
    )
    (bad,) = diags(result, "C062")
    assert "2 outputs (fraud_score, confidence)" in bad.message  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id, ML_PREDICT('Churn', amount) AS s FROM {{ source('tx') }}",
        "SELECT id, s FROM {{ source('tx') }}, LATERAL TABLE(ML_PREDICT('Churn', amount)) AS p(s)",
    ],
)
def test_a_model_without_ml_outputs_is_an_error_not_a_string(tmp_path: Path, sql: str) -> None:
    result = compiled(tmp_path, sql)
    (missing,) = diags(result, "C061")
    assert missing.severity is Severity.ERROR  # type: ignore[attr-defined]
    assert "'Churn'" in missing.message and "ml_outputs" in missing.hint  # type: ignore[attr-defined]
    line = line_of(text_of(sql), "ml_outputs:")  # at its ml_outputs key
    assert missing.location.line == line  # type: ignore[attr-defined]


def test_without_any_ml_outputs_the_diagnostic_is_at_the_sql(tmp_path: Path) -> None:
    sql = "SELECT id, ML_PREDICT('M', amount) AS s FROM {{ source('tx') }}"
    result = compiled(tmp_path, sql, extra="")
    (missing,) = diags(result, "C061")
    assert missing.location.line == line_of(text_of(sql, extra=""), "sql: |")  # type: ignore[attr-defined]


LOCAL_DEFAULT = CLOUD.replace("default: cloud", "default: local")


@pytest.mark.parametrize(
    ("runtime", "where"),
    [
        ("", "cluster 'local' (type: rest)"),  # runtime omitted: the local stack
        (LOCAL_DEFAULT, "cluster 'local' (type: rest)"),
    ],
)
def test_ml_on_a_cluster_that_is_not_confluent_is_an_error(
    tmp_path: Path, runtime: str, where: str
) -> None:
    result = compiled(
        tmp_path,
        "SELECT id, ML_PREDICT('FraudModel', amount) AS s FROM {{ source('tx') }}",
        runtime=runtime,
    )
    (error,) = diags(result, "C060")
    assert error.severity is Severity.ERROR and where in error.message  # type: ignore[attr-defined]
    assert "type: confluent" in error.hint  # type: ignore[attr-defined]
    assert not diags(result, "C030")


def test_a_model_asking_for_another_cluster_than_the_default_is_warned(tmp_path: Path) -> None:
    # apply deploys every job to the default cluster: the model's choice is not honoured
    result = compiled(
        tmp_path,
        "SELECT id, ML_PREDICT('FraudModel', amount) AS s FROM {{ source('tx') }}",
        runtime=LOCAL_DEFAULT,
        extra=OUTPUTS + "  advanced: {flink_cluster: cloud}\n",
    )
    (warning,) = diags(result, "C063")
    assert "'cloud'" in warning.message and "default cluster 'local'" in warning.message  # type: ignore[attr-defined]
    assert diags(result, "C060")  # the job still goes to 'local'


def test_an_ml_output_type_that_is_not_a_flink_type_is_an_error(tmp_path: Path) -> None:
    extra = "  ml_outputs:\n    FraudModel: {fraud_score: DUBBLE}\n"
    sql = "SELECT id, ML_PREDICT('FraudModel', amount) AS s FROM {{ source('tx') }}"
    (bad,) = diags(compiled(tmp_path, sql, extra=extra), "C064")
    assert "'fraud_score'" in bad.message and "'DUBBLE'" in bad.message  # type: ignore[attr-defined]
    assert bad.location.line == line_of(text_of(sql, extra=extra), "FraudModel:")  # type: ignore[attr-defined]
