"""Schema Registry subjects through plan/apply on the real registry: registered on create, a
compatible change becomes a new version, an incompatible one fails the plan (the registry's
reason in it) before anything is applied."""

from __future__ import annotations

import json

import pytest

from streamt.compile.specs import DesiredState
from streamt.diagnostics import StreamtError
from streamt.resources import Action, SubjectSpec

from .test_apply_support import deploy, session, systems, unique

pytestmark = pytest.mark.integration


def avro(*fields: dict) -> str:  # type: ignore[type-arg]
    return json.dumps({"type": "record", "name": "Order", "fields": list(fields)})


ID = {"name": "id", "type": "string"}
AMOUNT_OPTIONAL = {"name": "amount", "type": ["null", "double"], "default": None}


def project(name: str, subject: str, schema: str) -> DesiredState:
    return DesiredState(
        project=name,
        subjects=(SubjectSpec(subject, "AVRO", schema, "BACKWARD", node=f"source.{name}.orders"),),
    )


def test_subject_versions_and_incompatible_schema_fails_the_plan(local_stack):  # type: ignore[no-untyped-def]
    name = unique("it-sr")
    subject = f"{name}.orders-value"
    registry = systems().registry
    assert registry is not None
    try:
        plan, report = deploy(project(name, subject, avro(ID)))
        assert report.ok and [c.action for c in plan.pending] == [Action.CREATE]
        versions = {s.subject: s.version for s in registry.list_subjects()}
        assert versions[subject] == 1

        plan, report = deploy(project(name, subject, avro(ID, AMOUNT_OPTIONAL)))
        assert report.ok, [(r.change.address, r.message) for r in report.failed]
        (change,) = plan.pending
        assert change.action is Action.UPDATE and change.reason == "new schema version (compatible)"
        assert {s.subject: s.version for s in registry.list_subjects()}[subject] == 2
        assert not session(project(name, subject, avro(ID, AMOUNT_OPTIONAL))).plan().has_changes

        breaking = project(name, subject, avro(ID, {"name": "amount", "type": "string"}))
        refused = session(breaking).plan().refused
        assert len(refused) == 1 and "schema is incompatible with version 2" in refused[0].reason
        with pytest.raises(StreamtError) as err:
            deploy(breaking)
        assert err.value.diagnostics[0].code == "A002"
        assert {s.subject: s.version for s in registry.list_subjects()}[subject] == 2
    finally:
        registry.delete_subject(subject)
        registry.delete_subject(subject, permanent=True)
