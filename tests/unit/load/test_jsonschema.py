import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from streamt.load.jsonschema import render
from tests.unit.load.test_loader import SEED_QUICKSTART
from tests.unit.load.test_upstream_shapes import UPSTREAM

REPO = Path(__file__).resolve().parents[3]
COMMITTED = REPO / "src/streamt/load/project.schema.json"
EXAMPLES = sorted(REPO.glob("examples/*/stream_project.yml"))


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(COMMITTED.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_committed_schema_is_generated_from_the_code() -> None:
    assert COMMITTED.read_text() == render(), (
        "regenerate: .venv/bin/python -m streamt.load.jsonschema > src/streamt/load/project.schema.json"
    )


@pytest.mark.parametrize("text", [SEED_QUICKSTART, UPSTREAM], ids=["seed", "upstream"])
def test_documented_projects_match_the_schema(text: str) -> None:
    assert list(_validator().iter_errors(yaml.safe_load(text))) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.parent.name for p in EXAMPLES])
def test_example_projects_match_the_schema(path: Path) -> None:
    assert list(_validator().iter_errors(yaml.safe_load(path.read_text()))) == []


def test_schema_rejects_a_misspelled_key() -> None:
    errors = list(
        _validator().iter_errors(
            {"project": {"name": "p"}, "models": [{"name": "a", "sqll": "SELECT 1"}]}
        )
    )
    assert [e.message for e in errors] == [
        "Additional properties are not allowed ('sqll' was unexpected)"
    ]
