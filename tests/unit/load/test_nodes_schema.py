"""The JSON Schema of the node files under sources/ models/ tests/ exposures/
(`streamt schema --nodes`): generated from the code, matching every node file of the examples
and of `streamt init`, refusing what the loader refuses there."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from streamt.cli import main
from streamt.load.jsonschema import render
from streamt.scaffold import schema_path

REPO = Path(__file__).resolve().parents[3]
COMMITTED = schema_path("nodes")
NODE_FILES = sorted(
    p
    for folder in ("sources", "models", "tests", "exposures")
    for p in REPO.glob(f"examples/*/{folder}/**/*.yml")
)


def _errors(data: object) -> list[str]:
    schema = json.loads(COMMITTED.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return sorted(e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data))


def test_committed_schema_is_generated_from_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert COMMITTED.read_text() == render("nodes"), (
        "regenerate: .venv/bin/python -m streamt.load.jsonschema nodes"
        " > src/streamt/load/nodes.schema.json"
    )
    assert main(["schema", "--nodes"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text()


@pytest.mark.parametrize("path", NODE_FILES, ids=lambda p: str(p.relative_to(REPO / "examples")))
def test_example_node_files_match(path: Path) -> None:
    assert _errors(yaml.safe_load(path.read_text())) == []


def test_there_are_example_node_files() -> None:
    assert len(NODE_FILES) >= 2  # examples/datatests/tests/*.yml


def test_what_the_loader_refuses_in_a_node_file_the_schema_refuses() -> None:
    # a node file holds list sections only: the project header is stream_project.yml's
    assert _errors({"project": {"name": "p"}}) == [
        "Additional properties are not allowed ('project' was unexpected)"
    ]
    assert _errors({"sources": [{"name": "s"}]}) == ["'topic' is a required property"]
    assert _errors({"version": 2, "models": [{"name": "m", "sql": "SELECT 1"}]}) == []


def test_init_writes_the_editor_line_in_each_node_file(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "p"), "--no-input"]) == 0
    for name in ("sources/events.yml", "models/events_clean.yml", "tests/events_clean.yml"):
        text = (tmp_path / "p" / name).read_text()
        assert text.splitlines()[0] == f"# yaml-language-server: $schema={COMMITTED.as_uri()}"
        assert _errors(yaml.safe_load(text)) == [], name
