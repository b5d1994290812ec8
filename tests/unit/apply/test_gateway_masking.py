"""Column masks of a virtual topic as Conduktor Gateway's field-level data masking interceptor,
through compile, plan, apply, status and destroy on the Gateway model of tests/fakes/gateway.py
(which checks the interceptor config against its own reading of the documentation). Every rule
is compiled from a project, never written by hand."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from streamt.apply.status import collect_status
from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, ResourceKind
from streamt.state import observe, read_ledger
from tests.fakes.gateway import GatewayServer

from ..compile.helpers import compile_yaml
from ..plan.factories import ENV, PROJECT
from .fakes import FakeGateway, fake_systems
from .test_execute import cycle, plan_for
from .test_gateway_rules import GATEWAY_PROJECT

PROJECT_YAML = (
    GATEWAY_PROJECT
    + """\
sources:
  - name: customers
    topic: customers-raw.v1
    columns:
      - {name: customer_id, type: STRING}
      - {name: email, type: STRING}
      - {name: phone, type: STRING}
      - {name: age, type: INT}
models:
  - name: customers_safe
    sql: SELECT customer_id, email, phone, age FROM {{ source("customers") }} WHERE age >= 18
    security:
      policies:
%s
"""
)
REDACT = """\
        - mask: {column: email, method: redact}
        - mask: {column: phone, method: redact}
"""
MASKING = "io.conduktor.gateway.interceptor.FieldLevelDataMaskingPlugin"


def _compiled(tmp_path: Path, policies: str, extra: str = ""):  # type: ignore[no-untyped-def]
    folder = tmp_path / str(abs(hash(policies + extra)))
    folder.mkdir(exist_ok=True)
    return compile_yaml(folder, PROJECT_YAML % policies + extra)


def _desired(tmp_path: Path, policies: str = REDACT) -> DesiredState:
    result = _compiled(tmp_path, policies)
    assert result.ok, result.diagnostics
    return result.desired


def test_redacted_columns_compile_to_a_masking_rule_over_the_virtual_topic(tmp_path: Path) -> None:
    desired = _desired(tmp_path)
    assert not desired.jobs and not desired.topics
    rule, masking = desired.gateway_rules
    assert rule.name == "customers_safe" and rule.statement.startswith('SELECT "customer_id"')
    assert (masking.name, masking.physical_topic, masking.masked_fields, masking.statement) == (
        "customers_safe-masking",
        "customers_safe",
        ("email", "phone"),
        "",
    )


@pytest.mark.parametrize(
    ("policies", "why"),
    [
        ("        - mask: {column: email, method: hash}\n", "masks 'email' with hash"),
        ("        - mask: {column: phone, method: partial}\n", "masks 'phone' with partial"),
        ("        - mask: {column: age, method: redact}\n", "masks 'age' of type INT"),
    ],
)
def test_a_mask_the_interceptor_cannot_express_stays_a_flink_job_with_an_info(
    tmp_path: Path, policies: str, why: str
) -> None:
    result = _compiled(tmp_path, policies)
    assert result.ok, result.diagnostics
    assert not result.desired.gateway_rules and len(result.desired.jobs) == 1
    (info,) = [d for d in result.diagnostics if d.code == "G020"]
    assert why in info.message


def test_a_masked_virtual_topic_read_by_another_model_stays_on_flink(tmp_path: Path) -> None:
    reader = (
        "  - name: adults_count\n"
        '    sql: SELECT age, COUNT(*) AS n FROM {{ ref("customers_safe") }} GROUP BY age\n'
    )
    result = _compiled(tmp_path, REDACT, reader)
    assert result.ok, result.diagnostics
    assert not result.desired.gateway_rules
    (info,) = [d for d in result.diagnostics if d.code == "G020"]
    assert "other models read it" in info.message


def _gateway(systems) -> FakeGateway:  # type: ignore[no-untyped-def]
    assert isinstance(systems.gateway, FakeGateway)
    return systems.gateway


def test_masking_deploys_replans_empty_is_listed_and_destroyed(tmp_path: Path) -> None:
    systems = fake_systems()
    desired = _desired(tmp_path)
    plan, report = cycle(systems, desired)
    assert report.ok, [(r.change.name, r.message) for r in report.failed]
    assert sorted((c.name, c.action) for c in plan.pending) == [
        ("customers_safe", Action.CREATE),
        ("customers_safe-masking", Action.CREATE),
    ]
    stored = _gateway(systems).server.interceptors["customers_safe-masking"]["spec"]
    assert stored["pluginClass"] == MASKING
    assert stored["config"] == {
        "topic": "^customers_safe$",
        "policies": [
            {
                "name": "streamt customers_safe",
                "fields": ["email", "phone"],
                "rule": {"type": "MASK_ALL", "maskingChar": "*"},
            }
        ],
    }
    assert not plan_for(systems, _desired(tmp_path))[0].has_changes

    assert systems.ledger is not None
    ledger = read_ledger(systems.ledger, PROJECT, ENV)
    entry = ledger.get(ResourceKind.GATEWAY_RULE, "customers_safe-masking")
    assert entry is not None and entry.owned
    report_ = collect_status(desired, ledger, observe(desired, ledger, systems), systems)
    (row,) = [r for r in report_.resources if r.kind == "gateway_masking"]
    assert (row.name, row.state, row.drift) == ("customers_safe-masking", "ACTIVE", ())
    assert row.details == {"virtual_topic": "customers_safe", "masked": ["email", "phone"]}

    stored["config"]["policies"][0]["fields"] = ["email"]  # someone unmasked the phone
    (change,) = plan_for(systems, _desired(tmp_path))[0].pending
    assert change.action is Action.UPDATE and "edited outside streamt" in change.reason
    assert cycle(systems, _desired(tmp_path))[1].ok
    held = _gateway(systems).server.interceptors["customers_safe-masking"]["spec"]["config"]
    assert held["policies"][0]["fields"] == ["email", "phone"]

    one = _desired(tmp_path, "        - mask: {column: email, method: redact}\n")
    (change,) = plan_for(systems, one)[0].pending
    assert [(a.key, a.before, a.after) for a in change.attributes] == [
        ("masked_fields", "email, phone", "email")
    ]

    without = DesiredState(project=PROJECT)
    with pytest.raises(StreamtError):
        cycle(systems, without)
    _, report = cycle(systems, without, allow_destructive=True)
    assert report.ok and _gateway(systems).server.interceptors == {}
    assert (
        read_ledger(systems.ledger, PROJECT, ENV).get(
            ResourceKind.GATEWAY_RULE, "customers_safe-masking"
        )
        is None
    )


def _put(config: dict[str, object], plugin: str = MASKING) -> httpx.Response:
    server = GatewayServer()
    body = {
        "kind": "Interceptor",
        "apiVersion": "gateway/v2",
        "metadata": {"name": "m"},
        "spec": {"pluginClass": plugin, "priority": 100, "config": config},
    }
    return server(httpx.Request("PUT", "http://gateway/gateway/v2/interceptor", json=body))


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"topic": "^t$"}, "config.policies is required"),
        (
            {"policies": [{"name": "p", "fields": ["a..b"], "rule": {"type": "MASK_ALL"}}]},
            "is not a field path",
        ),
        (
            {"policies": [{"name": "p", "fields": ["a"], "rule": {"type": "MASK_FIRST_N"}}]},
            "numberOfChars is required for MASK_FIRST_N",
        ),
        (
            {"policies": [{"name": "p", "fields": ["a"], "rule": {"type": "HASH"}}]},
            "rule.type must be one of",
        ),
        (
            {"policies": [{"name": "p", "fields": ["a"], "rule": {"maskingChar": "**"}}]},
            "maskingChar must be one character",
        ),
    ],
)
def test_the_gateway_model_refuses_a_masking_config_the_documentation_does_not_allow(
    config: dict[str, object], problem: str
) -> None:
    answer = _put(config)
    assert answer.status_code == 400 and problem in answer.json()["msg"]


def test_the_gateway_model_accepts_documented_masking_and_refuses_unknown_plugins() -> None:
    ok = {
        "policies": [
            {
                "name": "p",
                "fields": ["a.b", "banks[0].no", "banks[*].no"],
                "rule": {"type": "MASK_LAST_N", "numberOfChars": 4},
            }
        ]
    }
    assert _put(ok).status_code == 200
    unknown = _put({}, plugin="io.conduktor.gateway.interceptor.NoSuchPlugin")
    assert unknown.status_code == 400 and "unknown plugin class" in unknown.json()["msg"]
