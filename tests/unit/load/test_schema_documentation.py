"""Every property of the project and environment JSON Schemas (what `streamt schema` prints and
editors show) has a description and an example, and each example is valid for its property:
the descriptions and examples live on the pydantic fields, so a field added without them, or an
example the field would refuse, fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from streamt.load.jsonschema import SCHEMAS as KINDS

SCHEMAS = {kind: make() for kind, make in KINDS.items()}


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, property schema) for every property of the schema and of its definitions."""
    for owner, node in [("<root>", schema), *schema.get("$defs", {}).items()]:
        for name, prop in node.get("properties", {}).items():
            yield f"{owner}.{name}", prop


@pytest.mark.parametrize("kind", SCHEMAS)
def test_every_property_has_a_description_and_an_example(kind: str) -> None:
    found = list(properties(SCHEMAS[kind]))
    assert len(found) > 250
    undocumented = [where for where, prop in found if not prop.get("description")]
    without_example = [where for where, prop in found if not prop.get("examples")]
    assert (undocumented, without_example) == ([], [])


@pytest.mark.parametrize("kind", SCHEMAS)
def test_every_example_is_valid_for_its_property(kind: str) -> None:
    schema = SCHEMAS[kind]
    invalid = []
    for where, prop in properties(schema):
        validator = jsonschema.Draft202012Validator({"$defs": schema["$defs"], **prop})
        for example in prop.get("examples", []):
            errors = [e.message for e in validator.iter_errors(example)]
            if errors:
                invalid.append((where, example, errors[0]))
    assert invalid == []
