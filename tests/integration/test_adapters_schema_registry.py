"""SchemaRegistryClient on the real local registry: register, list, compatibility, config, delete."""

import json
import uuid

import pytest

from streamt.adapters.http import http_client
from streamt.adapters.schema_registry import ListingMode, SchemaRegistryClient

pytestmark = pytest.mark.integration


def avro(*fields: dict) -> str:
    return json.dumps(
        {"type": "record", "name": "Order", "namespace": "it", "fields": list(fields)}
    )


ID = {"name": "id", "type": "string"}
AMOUNT_WITH_DEFAULT = {"name": "amount", "type": "double", "default": 0.0}
AMOUNT_REQUIRED = {"name": "amount", "type": "double"}


@pytest.fixture
def registry(local_stack):
    client = SchemaRegistryClient(http_client(local_stack.schema_registry_url))
    yield client
    client.api.close()


@pytest.fixture
def subject(registry):
    name = f"it-adapters-{uuid.uuid4().hex[:8]}-value"
    yield name
    registry.delete_subject(name, permanent=True)


def test_register_list_and_reject_an_incompatible_schema(registry, subject):
    assert registry.check_compatibility(subject, "AVRO", avro(ID)) == (True, [])  # new subject
    first_id = registry.register(subject, "AVRO", avro(ID))
    registry.set_compatibility(subject, "BACKWARD")
    assert registry.get_compatibility(subject) == "BACKWARD"

    listed = {s.subject: s for s in registry.list_subjects()}
    assert listed[subject].version == 1 and listed[subject].schema_id == first_id
    assert listed[subject].schema_type == "AVRO"
    assert json.loads(listed[subject].schema)["fields"] == [ID]

    ok, messages = registry.check_compatibility(subject, "AVRO", avro(ID, AMOUNT_REQUIRED))
    assert not ok and messages  # a new field without default breaks BACKWARD readers
    assert registry.check_compatibility(subject, "AVRO", avro(ID, AMOUNT_WITH_DEFAULT)) == (
        True,
        [],
    )

    registry.register(subject, "AVRO", avro(ID, AMOUNT_WITH_DEFAULT))
    assert {s.subject: s.version for s in registry.list_subjects()}[subject] == 2

    registry.delete_subject(subject, permanent=True)
    assert subject not in {s.subject for s in registry.list_subjects()}


def test_listing_on_the_local_registry_is_names_plus_one_call_per_subject(registry, subject):
    """Measured: the local registry (Apicurio 3 ccompat behind streamt's proxy) answers
    `GET /schemas?latestOnly=true` with items lacking subject and version, so the adapter falls
    back to `GET /subjects` + `GET /subjects/{s}/versions/latest` and remembers that."""
    registry.register(subject, "AVRO", avro(ID))
    registry.list_subjects()  # probes once, learns the listing mode
    assert registry.listing_mode is ListingMode.PER_SUBJECT
    before = registry.calls
    subjects = registry.list_subjects()
    assert registry.calls - before == 1 + len(subjects)
    assert subject in {s.subject for s in subjects}
