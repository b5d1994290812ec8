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


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("${_X}", ["_X"]),  # a name may start with an underscore
        ("${a}", ["a"]),
        ("${A-B}", []),  # not a name
        ("${É}", []),  # ASCII names only
        ("$${A}", []),  # escaped
        ("${A}$${B}${C}", ["A", "C"]),
        ("${}${A}", ["A"]),
        ("${A}}${B}", ["A", "B"]),  # a stray brace does not hide the next placeholder
        ("x${A", []),  # never closed
        ("${A}$", ["A"]),  # a trailing $ escapes nothing
    ],
)
def test_placeholder_names(text: str, names: list[str]) -> None:
    assert [p.name for p in placeholders(text)] == names


def test_placeholder_offsets_cover_dollar_to_brace() -> None:
    (p,) = placeholders("ab${XY}cd")
    assert (p.start, p.end) == (2, 7)
    (q,) = placeholders("${A}")
    assert (q.start, q.end) == (0, 4)


def test_resolve_keeps_the_text_around_and_between_placeholders() -> None:
    assert resolve("${A}", {"A": "1"}) == "1"
    assert resolve("<${A}|${B}>", {"A": "1", "B": "2"}) == "<1|2>"
    assert resolve("plain", {}) == "plain"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("export   A=1", {"A": "1"}),
        ("A=x=y", {"A": "x=y"}),  # the first = separates
        ("A=1\n\nB=2", {"A": "1", "B": "2"}),  # an empty line is skipped, not the end
        ("#A=1\nB=2", {"B": "2"}),
        ("A='x'y'", {"A": "x'y"}),  # outer quotes only
        ("A='", {"A": "'"}),  # one quote is a value, not an empty quoted string
        ("A=''", {"A": ""}),
        ("A='x", {"A": "'x"}),
        ("A=x'", {"A": "x'"}),
        ('A="a # b"', {"A": "a # b"}),
        ("A=a b # c # d", {"A": "a b"}),
        ("A=a#b", {"A": "a#b"}),  # a comment needs the space before #
        ("A=  v  ", {"A": "v"}),
        ("A=v  # c", {"A": "v"}),
        ("A=XyX", {"A": "XyX"}),  # only ' and " quote
        ("A", {}),
        ("A\nB=2", {"B": "2"}),  # a malformed line is skipped, not the end
        ("=1", {}),
    ],
)
def test_parse_dotenv_lines(text: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(text) == expected


def test_the_package_hands_out_each_lazy_name_from_its_module() -> None:
    import streamt.config
    from streamt.config import env, runtime

    assert streamt.config.resolve is env.resolve
    assert streamt.config.local_runtime is runtime.local_runtime


def test_an_unset_variable_error_names_the_variable() -> None:
    from streamt.config.env import UnsetVariable

    err = UnsetVariable("DB_PASSWORD")
    ((diag,), key) = err.diagnostics, err.args[0]
    assert (diag.code, diag.message, key) == (
        "L030",
        "environment variable DB_PASSWORD is not set",
        "DB_PASSWORD",
    )
