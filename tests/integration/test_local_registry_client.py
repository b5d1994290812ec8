"""confluent-kafka's own SchemaRegistryClient and Avro serdes against the local registry's
root URL (the `local_stack` registry endpoint): what users' producers and consumers do."""

import json
import uuid

import pytest

pytestmark = pytest.mark.integration


def test_confluent_client_registers_serializes_and_checks_compatibility(local_stack) -> None:  # type: ignore[no-untyped-def]
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    client = SchemaRegistryClient({"url": local_stack.schema_registry_url})
    topic = f"sr.client.{uuid.uuid4().hex[:8]}"
    subject = f"{topic}-value"
    v1 = {
        "type": "record",
        "name": "Order",
        "fields": [{"name": "id", "type": "string"}, {"name": "amount", "type": "double"}],
    }
    schema_id = client.register_schema(subject, Schema(json.dumps(v1), "AVRO"))
    latest = client.get_latest_version(subject)
    assert (latest.schema_id, latest.version) == (schema_id, 1)

    ctx = SerializationContext(topic, MessageField.VALUE)
    payload = AvroSerializer(client, json.dumps(v1))({"id": "o1", "amount": 9.5}, ctx)
    assert payload[0] == 0 and int.from_bytes(payload[1:5], "big") == schema_id
    assert AvroDeserializer(client)(payload, ctx) == {"id": "o1", "amount": 9.5}

    compatible = dict(
        v1, fields=[*v1["fields"], {"name": "note", "type": ["null", "string"], "default": None}]
    )
    breaking = dict(v1, fields=[{"name": "id", "type": "long"}])
    assert client.test_compatibility(subject, Schema(json.dumps(compatible), "AVRO")) is True
    assert client.test_compatibility(subject, Schema(json.dumps(breaking), "AVRO")) is False
