from pathlib import Path

import pytest

from streamt.diagnostics import Location
from tests.unit.validate.helpers import check, one

BASE = """
project: {name: p}
defaults:
  topic: {partitions: 2, replication_factor: 1}
rules:
  RULES
models:
  - name: relies_on_defaults
    sql: SELECT 1
  - name: explicit
    sql: SELECT 1
    advanced:
      topic: {name: analytics.explicit.v1, partitions: 12, replication_factor: 3, config: {retention.ms: 1000}}
"""


def rules(text: str) -> str:
    return BASE.replace("RULES", text)


def test_min_partitions_sees_defaults(tmp_path: Path) -> None:
    diag = one(tmp_path, rules("topics: {min_partitions: 3}"), "V030")
    assert diag.message == (
        "topic 'relies_on_defaults' has partitions 2, rule topics.min_partitions requires >= 3"
    )
    assert diag.location == Location("stream_project.yml", 7, 5)
    assert diag.hint.startswith(
        "the value comes from defaults.topic.partitions (stream_project.yml:3:11)"
    )
    assert diag.node == "model.p.relies_on_defaults"


def test_max_partitions_points_at_the_explicit_value(tmp_path: Path) -> None:
    diag = one(tmp_path, rules("topics: {max_partitions: 8}"), "V031")
    assert diag.location == Location("stream_project.yml", 12, 44)
    assert diag.hint.startswith("the value comes from advanced.topic.partitions")


def test_min_and_max_replication_factor(tmp_path: Path) -> None:
    low = one(tmp_path, rules("topics: {min_replication_factor: 2}"), "V032")
    assert low.message.startswith("topic 'relies_on_defaults' has replication_factor 1")
    high = one(tmp_path, rules("topics: {max_replication_factor: 2}"), "V033")
    assert high.message.startswith("topic 'analytics.explicit.v1' has replication_factor 3")


def test_required_topic_config(tmp_path: Path) -> None:
    diag = one(tmp_path, rules("topics: {required_config: [retention.ms]}"), "V034")
    assert diag.message == "topic 'relies_on_defaults' lacks required config 'retention.ms'"
    assert diag.location == Location("stream_project.yml", 7, 5)
    assert diag.hint.startswith("set advanced.topic.config.retention.ms or defaults.topic.config")


def test_naming_pattern_prefix_and_suffix(tmp_path: Path) -> None:
    found = check(
        tmp_path,
        rules(
            "topics: {naming_pattern: '^[a-z]+\\.[a-z_]+\\.v[0-9]+$', forbidden_prefixes: [rel], "
            "forbidden_suffixes: [.v1]}"
        ),
    )
    assert [(d.code, d.location.line) for d in found] == [("V035", 7), ("V036", 7), ("V037", 12)]
    assert found[0].message == (
        "topic 'relies_on_defaults' does not match naming_pattern '^[a-z]+\\.[a-z_]+\\.v[0-9]+$'"
    )
    assert found[0].hint == "rename it with advanced.topic.name (rule at stream_project.yml:5:3)"


def test_invalid_rule_regex(tmp_path: Path) -> None:
    diag = one(tmp_path, rules("topics: {naming_pattern: '([a-z'}"), "V039")
    assert diag.location == Location("stream_project.yml", 5, 12)


@pytest.mark.parametrize(
    ("rule", "code", "message", "line"),
    [
        ("require_description: true", "V040", "model 'relies_on_defaults' has no description", 7),
        ("require_owner: true", "V041", "model 'relies_on_defaults' has no owner", 7),
        ("require_tests: true", "V042", "model 'relies_on_defaults' has no tests", 7),
        (
            "naming_pattern: '^rel'",
            "V044",
            "model name 'explicit' does not match naming_pattern '^rel'",
            9,
        ),
    ],
)
def test_model_rules(tmp_path: Path, rule: str, code: str, message: str, line: int) -> None:
    found = [d for d in check(tmp_path, rules(f"models: {{{rule}}}")) if d.code == code]
    assert found[0].message == message
    assert found[0].location == Location("stream_project.yml", line, 5)


def test_max_dependencies(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        rules: {models: {max_dependencies: 1}}
        sources: [{name: a, topic: a}, {name: b, topic: b}]
        models:
          - name: m
            sql: 'SELECT * FROM {{ source("a") }}, {{ source("b") }}, {{ source("a") }}'
        """,
        "V043",
    )
    assert diag.message == "model 'm' has 2 dependencies, rule models.max_dependencies allows 1"
    assert diag.location == Location("stream_project.yml", 6, 5)


@pytest.mark.parametrize(
    ("rule", "code", "message"),
    [
        ("require_schema", "V050", "source 's' has no schema"),
        ("require_freshness", "V051", "source 's' has no freshness"),
        ("require_description", "V052", "source 's' has no description"),
        ("require_owner", "V053", "source 's' has no owner"),
    ],
)
def test_source_rules(tmp_path: Path, rule: str, code: str, message: str) -> None:
    diag = one(
        tmp_path,
        f"project: {{name: p}}\nrules: {{sources: {{{rule}: true}}}}\n"
        "sources:\n  - {name: s, topic: t}\n",
        code,
    )
    assert (diag.message, diag.location) == (message, Location("stream_project.yml", 4, 6))
    if code == "V051":
        assert diag.hint == "add freshness: {max_lag_seconds: 300}"


def test_classification_required(tmp_path: Path) -> None:
    diag = one(
        tmp_path,
        """
        project: {name: p}
        rules: {security: {require_classification: true}}
        sources:
          - name: s
            topic: t
            columns:
              - {name: id, classification: internal}
              - {name: email}
        """,
        "V060",
    )
    assert diag.message == "column 'email' of 's' has no classification"
    assert diag.location == Location("stream_project.yml", 8, 10)
    assert (
        diag.hint == "add classification: public|internal|confidential|sensitive|highly_sensitive"
    )


def test_sensitive_columns_must_be_masked_downstream(tmp_path: Path) -> None:
    text = """
        project: {name: p}
        rules: {security: {sensitive_columns_require_masking: true}}
        sources:
          - name: users
            topic: users
            columns: [{name: email, classification: sensitive}]
        models:
          - name: users_clean
            sql: 'SELECT * FROM {{ source("users") }}'
            POLICY
          - name: scored
            sql: SELECT 1
            security:
              classification: {ssn: highly_sensitive}
        """
    found = check(tmp_path, text.replace("POLICY", ""))
    assert [(d.code, d.location.line) for d in found] == [("V061", 6), ("V061", 14)]
    assert found[0].message == (
        "sensitive column 'email' of source 'users' is not masked by any model reading it"
    )
    assert found[0].hint == "add to a model: security.policies: [{mask: {column: email}}]"
    assert found[1].message == "sensitive column 'ssn' of model 'scored' is not masked"
    assert found[1].hint == "add security.policies: [{mask: {column: ssn}}]"
    masked = check(
        tmp_path,
        text.replace("POLICY", "security: {policies: [{mask: {column: email, method: hash}}]}"),
    )
    assert [(d.code, d.location.line) for d in masked] == [("V061", 14)]
