import pytest

from streamt.adapters.http import RetryPolicy
from streamt.adapters.protocols import AdapterError
from streamt.adapters.schema_registry import ListingMode, SchemaRegistryClient
from streamt.resources import SubjectState

from .fakes import Script, client, ok, text

AVRO = '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}'


def registry(script: Script) -> SchemaRegistryClient:
    return SchemaRegistryClient(client(script), retry=RetryPolicy(attempts=1))


def test_list_uses_latest_only_in_one_call_when_supported():
    script = Script().add(
        "GET",
        "/schemas",
        ok(
            [
                {"subject": "b-value", "version": 2, "id": 7, "schema": AVRO},
                {"subject": "a-value", "version": 1, "id": 3, "schemaType": "JSON", "schema": "{}"},
                {"subject": "b-value", "version": 1, "id": 5, "schema": AVRO},  # ignored latestOnly
            ]
        ),
    )
    sr = registry(script)
    assert sr.list_subjects() == [
        SubjectState("a-value", 1, 3, "JSON", "{}"),
        SubjectState("b-value", 2, 7, "AVRO", AVRO),
    ]
    assert sr.calls == 1 and sr.listing_mode is ListingMode.LATEST_ONLY
    assert script.seen[0].url.params["latestOnly"] == "true"


def test_list_falls_back_when_listing_items_lack_subjects():
    # Apicurio's ccompat /schemas answers [{"schema": ...}] without subject or version
    script = Script().add("GET", "/schemas", ok([{"schema": AVRO}]))
    script.add("GET", "/subjects", ok([]))
    sr = registry(script)
    assert sr.list_subjects() == []
    assert sr.listing_mode is ListingMode.PER_SUBJECT


def test_preset_listing_mode_skips_the_probe():
    script = Script().add("GET", "/subjects", ok([]))
    sr = SchemaRegistryClient(client(script), listing_mode=ListingMode.PER_SUBJECT)
    assert sr.list_subjects() == [] and sr.calls == 1


def test_list_falls_back_to_per_subject_and_remembers_it():
    script = Script().add("GET", "/schemas", text('{"error_code":404}', 404))
    script.add("GET", "/subjects", ok(["x/y"]))
    script.add(
        "GET",
        "/subjects/x%2Fy/versions/latest",
        ok({"subject": "x/y", "version": 4, "id": 9, "schema": AVRO}),
    )
    script.add("GET", "/subjects", ok([]))
    sr = registry(script)
    assert sr.list_subjects() == [SubjectState("x/y", 4, 9, "AVRO", AVRO)]
    assert sr.listing_mode is ListingMode.PER_SUBJECT
    assert sr.list_subjects() == []  # second listing skips the unsupported call
    assert sr.calls == 4


def test_list_rejects_a_malformed_listing():
    script = Script().add("GET", "/schemas", ok({"not": "a list"}))
    with pytest.raises(AdapterError, match="expected schemas to be an array"):
        registry(script).list_subjects()


def test_compatibility_reports_messages_from_verbose_check():
    body = {"is_compatible": False, "messages": ["READER_FIELD_MISSING_DEFAULT_VALUE: b"]}
    script = Script().add("POST", "/compatibility/subjects/s-value/versions/latest", ok(body))
    assert registry(script).check_compatibility("s-value", "avro", AVRO) == (
        False,
        ["READER_FIELD_MISSING_DEFAULT_VALUE: b"],
    )
    assert script.body(0) == {"schema": AVRO, "schemaType": "AVRO"}
    assert script.seen[0].url.params["verbose"] == "true"


def test_incompatible_without_messages_still_says_why():
    script = Script().add(
        "POST", "/compatibility/subjects/s/versions/latest", ok({"is_compatible": False})
    )
    assert registry(script).check_compatibility("s", "AVRO", AVRO) == (
        False,
        ["not compatible with the latest version of s (no details given)"],
    )


def test_compatibility_of_a_new_subject_is_true():
    script = Script().add(
        "POST",
        "/compatibility/subjects/new/versions/latest",
        text('{"error_code":40401,"message":"Subject not found"}', 404),
    )
    assert registry(script).check_compatibility("new", "AVRO", AVRO) == (True, [])


def test_compatibility_without_boolean_is_a_shape_error():
    script = Script().add("POST", "/compatibility/subjects/s/versions/latest", ok({"foo": 1}))
    with pytest.raises(AdapterError, match="is_compatible"):
        registry(script).check_compatibility("s", "AVRO", AVRO)


def test_register_returns_the_schema_id_and_surfaces_422():
    script = Script().add("POST", "/subjects/s/versions", ok({"id": 42}))
    script.add(
        "POST", "/subjects/s/versions", text('{"error_code":42201,"message":"Invalid schema"}', 422)
    )
    sr = registry(script)
    assert sr.register("s", "AVRO", AVRO) == 42
    with pytest.raises(AdapterError, match="Invalid schema") as err:
        sr.register("s", "AVRO", "{bad")
    assert err.value.status == 422


def test_delete_permanent_is_soft_then_hard_and_missing_is_fine():
    script = Script().add("DELETE", "/subjects/s", ok([1])).add("DELETE", "/subjects/s", ok([1]))
    script.add("DELETE", "/subjects/gone", text('{"error_code":40401}', 404))
    sr = registry(script)
    sr.delete_subject("s", permanent=True)
    assert script.seen[1].url.params["permanent"] == "true"
    sr.delete_subject("gone")


def test_get_and_set_compatibility():
    script = Script().add("GET", "/config/s", ok({"compatibilityLevel": "FULL"}))
    script.add("GET", "/config/t", text('{"error_code":40408}', 404))
    script.add("PUT", "/config/s", ok({"compatibility": "NONE"}))
    sr = registry(script)
    assert sr.get_compatibility("s") == "FULL"
    assert sr.get_compatibility("t") is None
    sr.set_compatibility("s", "NONE")
    assert script.body(2) == {"compatibility": "NONE"}


def test_schema_text_by_id_and_an_unknown_id_is_an_error():
    script = Script().add("GET", "/schemas/ids/7", ok({"schema": AVRO}))
    script.add(
        "GET", "/schemas/ids/8", text('{"error_code":40403,"message":"Schema 8 not found"}', 404)
    )
    sr = registry(script)
    assert sr.schema_text(7) == AVRO
    with pytest.raises(AdapterError, match="Schema 8 not found"):
        sr.schema_text(8)
