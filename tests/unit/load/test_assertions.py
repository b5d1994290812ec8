"""Assertions are typed parts of the project model: schema, load-time diagnostics, values."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from streamt.load.assertions import AssertionKind, ForeignKey, Freshness, MaxLag, NotNull
from streamt.load.model import Project
from tests.unit.load.helpers import load

REPO = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((REPO / "src/streamt/load/project.schema.json").read_text())

MAIN = """
project: {name: shop}
sources:
  - name: orders
    topic: orders.v1
    columns: [{name: id, type: STRING}, {name: ts, type: TIMESTAMP(3)}]
tests:
  - name: t
    model: orders
    type: sample
    assertions:
"""


def _entry_validator() -> jsonschema.Draft202012Validator:
    schema = {"$defs": SCHEMA["$defs"], "$ref": "#/$defs/AssertionEntry"}
    return jsonschema.Draft202012Validator(schema)


def _project(tmp_path: Path, assertions: str) -> Project:
    result = load(tmp_path, MAIN + assertions)
    assert result.ok, [d.render() for d in result.diagnostics]
    assert result.project is not None
    return result.project


def test_every_example_assertion_matches_the_schema() -> None:
    entries = []
    for path in sorted(REPO.glob("examples/**/*.yml")):
        doc = yaml.safe_load(path.read_text()) or {}
        for test in doc.get("tests", []) if isinstance(doc, dict) else []:
            entries += [(path.name, test["name"], a) for a in test.get("assertions", [])]
    assert len(entries) >= 10
    validator = _entry_validator()
    assert [(f, t, a) for f, t, a in entries if list(validator.iter_errors(a))] == []


def test_the_schema_describes_each_kind_and_refuses_what_load_refuses() -> None:
    entry = SCHEMA["$defs"]["AssertionEntry"]
    assert set(entry["properties"]) == {k.value for k in AssertionKind}
    for kind in AssertionKind:
        ref = entry["properties"][kind.value]["anyOf"][0]["$ref"].rpartition("/")[2]
        assert SCHEMA["$defs"][ref]["description"], kind
    validator = _entry_validator()
    assert list(validator.iter_errors({"not_null": {"column": "id"}})) == []  # an alias
    assert list(validator.iter_errors({"max_lag": {"column": "ts", "max_seconds": 3}})) == []
    for bad in (
        {"unique_kee": {"key": "id"}},
        {"not_null": {"colums": ["id"]}},
        {"not_null": {}},  # neither columns nor column
        {"not_null": {"columns": ["id"]}, "range": {"column": "x", "min": 0}},
        {"range": {"column": "x", "min": "low"}},
    ):
        assert list(validator.iter_errors(bad)), bad


def test_alias_spellings_load_to_one_value(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        """
      - not_null: {column: id}
      - foreign_key: {column: id, ref_model: orders, ref_key: id, window: 10m}
      - foreign_key: {column: id, ref: orders}
      - max_lag: {column: ts, max_seconds: 30}
      - freshness: {max_age_seconds: 300}
        """,
    )
    params = [entry.params for entry in project.tests[0].assertions]
    assert params == [
        NotNull(columns=("id",)),
        ForeignKey(column="id", ref="orders", ref_column="id", window="10m"),
        ForeignKey(column="id", ref="orders", ref_column="id", window="1h"),
        MaxLag(column="ts", max="30s"),
        Freshness(max_age="5m"),
    ]
    assert isinstance(params[3], MaxLag) and params[3].max_lag_ms == 30_000
    assert isinstance(params[2], ForeignKey) and params[2].window_ms == 3_600_000


def test_bad_assertions_fail_at_load_on_the_key_with_the_test_node(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        MAIN
        + """
      - not_null
      - distribution:
          column: amount
          buckets:
            - expected_ratio: 0.5
            - expected_ratio: 0.5
              max: 1
              min: 10
        """,
    )
    found = [(d.code, d.location.line, d.message, d.node) for d in result.diagnostics]
    assert found == [
        ("T002", 12, "test 't': an assertion must be a single-key mapping", "test.shop.t"),
        (
            "T005",
            19,  # the bucket's `min:` line, not the assertion's or the bucket's
            "test 't': distribution bucket 1: min must be below max",
            "test.shop.t",
        ),
    ]
    assert result.project is not None and result.project.tests == ()  # the test is not loaded


ODD_VALUES: list[object] = [None, "", "x", "30s", 0, -1, 2, 1.5, True, [], ["a"], [1], {}, {"a": 1}]


def test_any_value_of_any_parameter_is_a_placed_data_test_diagnostic_or_a_value(
    tmp_path: Path,
) -> None:
    """Every key of every kind (aliases too) with every odd value: the loader never raises, a
    refusal is one of T001-T005 placed on a line of the entry, and what loads reads back."""
    from streamt.load.assertions import PARAMS, Bucket

    seen: set[str] = set()
    for kind, cls in PARAMS.items():
        bodies: list[object] = [{key: value} for key in cls.param_keys() for value in ODD_VALUES]
        bodies += [{"column": "id", "buckets": [{"min": value}]} for value in ODD_VALUES]
        bodies += [*ODD_VALUES, {"nope": 1}]
        for body in bodies:
            for entry in ({kind.value: body}, {kind.value + "s": body}, [body], body):
                text = MAIN + "      - " + json.dumps(entry) + "\n"
                result = load(tmp_path, text)
                for d in result.diagnostics:
                    assert d.code in {"T001", "T002", "T003", "T004", "T005"}, d.render()
                    assert d.location.line == 11 and d.message.startswith("test 't': "), d
                    assert d.node == "test.shop.t"
                    seen.add(d.code)
                if not result.diagnostics:
                    assert result.project is not None
                    (loaded,) = result.project.tests[0].assertions
                    assert loaded.kind is kind
    assert seen == {"T001", "T002", "T003", "T004", "T005"}
    assert Bucket.param_keys() == ["min", "max", "expected_ratio", "tolerance"]


def test_infinite_durations_are_refused_at_load_not_a_crash(tmp_path: Path) -> None:
    # `.inf` used to reach round(inf * 1000): OverflowError, exit 70
    result = load(tmp_path, MAIN + "      - unique_key: {key: id, window: .inf}\n")
    assert [(d.code, d.message) for d in result.diagnostics] == [
        (
            "T005",
            "test 't': unique_key: 'window': expected a duration (30s, 5m, 1h, 500ms, 2 days, "
            "or a number of seconds), got inf",
        )
    ]
