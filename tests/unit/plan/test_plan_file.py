"""plan.json: schema version, round trip, committed JSON Schema, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from streamt.artifacts.plan_file import plan_from_json, plan_json_schema, plan_to_json
from streamt.diagnostics import StreamtError
from streamt.plan import PlanOptions, build_plan
from streamt.resources import PLAN_SCHEMA_VERSION

from .factories import ENV, connector, desired, job, ledger, live, subject, topic

SCHEMA_PATH = (
    Path(__file__).resolve().parents[3]
    / "src"
    / "streamt"
    / "artifacts"
    / "schemas"
    / "plan.schema.json"
)


def _plan():  # type: ignore[no-untyped-def]
    return build_plan(
        desired(
            subjects=(subject("s-value"),),
            topics=(topic("t"),),
            jobs=(job("m"),),
            connectors=(connector("c"),),
        ),
        live(),
        ledger(),
        PlanOptions(environment=ENV),
    )


def test_committed_json_schema_matches_the_code():
    text = json.dumps(plan_json_schema(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("STREAMT_UPDATE_GOLDENS"):
        SCHEMA_PATH.write_text(text)
    assert SCHEMA_PATH.read_text() == text


def test_plan_json_validates_against_schema_and_round_trips():
    body = plan_to_json(_plan())
    data = json.loads(body)
    assert data["schema_version"] == PLAN_SCHEMA_VERSION
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert plan_from_json(body) == _plan()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ("[]", "expected a JSON object"),
        ('{"schema_version": 99}', "schema_version 99 is not supported"),
        ('{"schema_version": 1, "project": "p"}', "invalid plan file at environment"),
    ],
)
def test_bad_plan_files_are_diagnostics(text: str, message: str) -> None:
    with pytest.raises(StreamtError) as err:
        plan_from_json(text, source="x/plan.json")
    diag = err.value.diagnostics[0]
    assert diag.code == "P010" and message in diag.message and diag.location.file == "x/plan.json"
