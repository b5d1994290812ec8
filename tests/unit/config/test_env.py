import pytest

from streamt.config import (
    missing_variable_diagnostics,
    parse_dotenv,
    placeholders,
    resolve,
    resolve_tree,
)
from streamt.diagnostics import Location


def test_placeholders_found_and_escaped() -> None:
    assert [p.name for p in placeholders("a ${X} b ${Y_2}c $${Z} ${1bad} ${")] == ["X", "Y_2"]


def test_resolve_substitutes_from_the_given_mapping_only() -> None:
    assert resolve("u=${USER}:${PW} $${LIT}", {"USER": "a", "PW": "b"}) == "u=a:b ${LIT}"
    with pytest.raises(KeyError):
        resolve("${NOPE}", {})


def test_resolve_tree_walks_mappings_and_lists() -> None:
    tree = {"a": ["${X}", 1], "b": {"c": "x${X}"}}
    assert resolve_tree(tree, {"X": "1"}) == {"a": ["1", 1], "b": {"c": "x1"}}


def test_missing_variables_are_placed_diagnostics() -> None:
    where = Location("stream_project.yml", 4, 7)
    (diag,) = missing_variable_diagnostics([("${A}${B}", where)], {"A": "1"})
    assert (diag.code, diag.message, diag.location) == (
        "L030",
        "environment variable B is not set",
        where,
    )
    assert diag.hint.startswith("export B=")


def test_parse_dotenv() -> None:
    text = (
        "# comment\nA=1\nexport B = two \nC='quoted # not a comment'\nD=\"x\"\n"
        "E=value # trailing\nnot a line\n1BAD=x\n"
    )
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "two",
        "C": "quoted # not a comment",
        "D": "x",
        "E": "value",
    }
