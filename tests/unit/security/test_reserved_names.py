"""Class 5: reserved resources refused at validate (V140), with whose state they hold.

Payloads: a model named `_streamt_state` (every project's ledger), output topics `_schemas`,
Connect's internal topics (default and the local stack's configured names),
`__consumer_offsets` and any `__` topic, streamt's and Confluent's internal prefixes. The
reserved table is checked against the names the ledger, the test runner and the local stack
really use, so it cannot drift.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.context import Context
from streamt.diagnostics import Severity, StreamtError
from streamt.local.bundles import bundles_for
from streamt.local.config import load_config
from streamt.local.kafka import worker_properties
from streamt.state.ledger_store import DEFAULT_TOPIC
from streamt.testing.continuous_sql import VIOLATIONS_TOPIC
from streamt.validate.reserved import reserved_reason

HEAD = """\
project: {name: p}
sources:
  - name: s
    topic: s.v1
    columns: [{name: id, type: STRING}]
models:
"""


def _validate(tmp_path: Path, models: str) -> list[tuple[str, str, int, str]]:
    (tmp_path / "stream_project.yml").write_text(HEAD + models, encoding="utf-8")
    report = Context(tmp_path).validate(use_cache=False)
    return [
        (d.code, d.severity.value, d.location.line, d.message)
        for d in report.diagnostics
        if d.code.startswith("V14")
    ]


@pytest.mark.parametrize(
    "topic",
    [
        "_streamt_state",
        "_streamt_violations",
        "_streamt_anything",
        "_schemas",
        "connect-configs",
        "connect-offsets",
        "connect-status",
        "_connect-configs",
        "_connect-offsets",
        "_connect-status",
        "__consumer_offsets",
        "__transaction_state",
        "__cluster_metadata",
        "__anything",
        "_confluent-metrics",
    ],
)
def test_reserved_output_topic_is_refused(tmp_path: Path, topic: str) -> None:
    found = _validate(
        tmp_path,
        f"  - name: m\n    sql: SELECT id FROM {{{{ source('s') }}}}\n"
        f"    advanced: {{topic: {{name: {topic}}}}}\n",
    )
    assert len(found) == 1, found
    code, severity, line, message = found[0]
    assert (code, severity, line) == ("V140", "error", 9)
    assert message.startswith(f"model 'm' cannot own output topic '{topic}': it is ")


def test_model_named_like_the_ledger_is_refused_and_not_compiled(tmp_path: Path) -> None:
    found = _validate(
        tmp_path, "  - name: _streamt_state\n    sql: SELECT id FROM {{ source('s') }}\n"
    )
    assert found == [
        (
            "V140",
            "error",
            7,
            "model '_streamt_state' cannot own output topic '_streamt_state': "
            "it is streamt's deployment ledger (every project's)",
        )
    ]
    with pytest.raises(StreamtError) as raised:  # compile (and so plan / apply) refuses it too
        Context(tmp_path).compile()
    assert "V140" in {d.code for d in raised.value.diagnostics}


def test_reading_an_internal_topic_is_a_warning(tmp_path: Path) -> None:
    text = HEAD.replace("topic: s.v1", "topic: __consumer_offsets")
    (tmp_path / "stream_project.yml").write_text(
        text + "  - name: m\n    sql: SELECT id FROM {{ source('s') }}\n", encoding="utf-8"
    )
    report = Context(tmp_path).validate(use_cache=False)
    found = [d for d in report.diagnostics if d.code.startswith("V14")]
    assert [(d.code, d.severity, d.location.line) for d in found] == [("V141", Severity.WARNING, 4)]


@pytest.mark.parametrize("topic", ["orders", "_orders", "connect-orders", "a__b", "schemas"])
def test_ordinary_names_are_not_reserved(tmp_path: Path, topic: str) -> None:
    assert reserved_reason(topic) == ""


def test_reserved_table_covers_the_names_the_systems_use(tmp_path: Path) -> None:
    assert reserved_reason(DEFAULT_TOPIC)  # the ledger
    assert reserved_reason(VIOLATIONS_TOPIC)  # continuous tests
    cfg = load_config(home=tmp_path, env={})
    props = dict(
        line.split("=", 1)
        for line in worker_properties(cfg, bundles_for(cfg.versions)).splitlines()
        if "=" in line
    )
    internal = [v for k, v in props.items() if k.endswith("storage.topic")]
    assert len(internal) == 3
    for topic in internal:
        assert reserved_reason(topic), topic


@pytest.mark.parametrize(
    ("topic", "code"), [("_streamt_state", "V140"), ("__consumer_offsets", "V140"), ("a/b", "V002")]
)
def test_dlq_topic_of_a_test_follows_the_same_rules(tmp_path: Path, topic: str, code: str) -> None:
    test = (
        "tests:\n  - name: t\n    model: m\n    type: continuous\n"
        "    assertions: [{not_null: {columns: [id]}}]\n"
        f"    on_failure:\n      actions:\n        - dlq: {{topic: '{topic}'}}\n"
    )
    (tmp_path / "stream_project.yml").write_text(
        HEAD + "  - name: m\n    sql: SELECT id FROM {{ source('s') }}\n" + test, encoding="utf-8"
    )
    found = [d for d in Context(tmp_path).validate(use_cache=False).diagnostics if d.code == code]
    assert len(found) == 1 and found[0].is_error and found[0].location.line == 14, found
    assert f"dlq topic '{topic}'" in found[0].message


def test_a_dotted_model_name_is_found_by_its_node_id(tmp_path: Path) -> None:
    # `model.p.m.v2` names model `m.v2`: the topic's owner is looked up by the whole id, never
    # by the text after the last dot (which named model `v2`, placed on the wrong line)
    found = _validate(
        tmp_path,
        "  - name: m.v2\n    sql: SELECT id FROM {{ source('s') }}\n"
        "    advanced: {topic: {name: _schemas}}\n"
        "  - name: v2\n    sql: SELECT id FROM {{ source('s') }}\n",
    )
    assert [(code, line) for code, _, line, _ in found] == [("V140", 9)]
    assert found[0][3].startswith("model 'm.v2' cannot own output topic '_schemas'")
