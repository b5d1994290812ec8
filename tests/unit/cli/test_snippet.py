"""The source line and caret under a diagnostic in the human output."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.cli import main
from streamt.cli.snippet import Snippets, caret_lines
from streamt.diagnostics import Diagnostic, Location, Severity
from tests.unit.load.helpers import write


def test_the_caret_is_under_the_column() -> None:
    assert caret_lines("SELECT a, FROM t", 12, 9) == [
        "   |",
        "12 | SELECT a, FROM t",
        "   |         ^",
    ]


def test_tabs_count_as_the_columns_they_are_shown_as() -> None:
    # column 5 is `c`: tab, a, b, tab, c; shown with tabs expanded to 4 columns
    assert caret_lines("\tab\tcd", 7, 5) == ["  |", "7 |     ab  cd", "  |         ^"]


def test_a_long_line_is_cut_around_the_column() -> None:
    text = "x" * 240 + "HERE" + "y" * 300
    _, shown, caret = caret_lines(text, 1, 241)
    body, under = shown.removeprefix("1 | "), caret.removeprefix("  | ")
    assert len(body) == 101 and body.startswith("…")  # the window and its mark
    assert body[len(under) - 1 : len(under) + 3] == "HERE"


def test_control_characters_are_shown_escaped_and_counted_so() -> None:
    assert caret_lines("a\x1bb", 3, 3) == ["  |", "3 | a\\x1bb", "  |      ^"]


def test_a_column_past_the_end_points_just_after_it() -> None:
    assert caret_lines("WHERE a >", 1, 40)[2] == "  |          ^"


def test_nothing_is_shown_without_a_readable_line(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("one\ntwo\n")
    snippets = Snippets(tmp_path)
    at = Location("a.yml", 2, 2)
    assert snippets.lines(Diagnostic("X001", "m", location=at)) == ["  |", "2 | two", "  |  ^"]
    assert snippets.lines(Diagnostic("X001", "m", location=Location("a.yml", 9, 1))) == []
    assert snippets.lines(Diagnostic("X001", "m", location=Location("missing.yml", 1, 1))) == []
    assert snippets.lines(Diagnostic("X001", "m", Severity.INFO, location=at)) == []
    assert Snippets(None).lines(Diagnostic("X001", "m", location=at)) == []


def test_validate_shows_the_line_of_a_sql_error_in_a_models_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "stream_project.yml": "project: {name: shop}\nsources:\n  - name: orders\n"
            "    topic: orders\n    columns: [{name: id, type: STRING}, {name: n, type: INT}]\n",
            "models/f.sql": 'SELECT id,\n\tn\n\tFROM {{ source("orders") }} WHRE n > 1\n',
        },
    )
    assert main(["validate", "-p", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        "models/f.sql:3:35: error S001: model 'f': SQL syntax error: unexpected 'n': is a comma "
        "missing, or a keyword misspelt, before it?\n"
        "  |\n"
        '3 |     FROM {{ source("orders") }} WHRE n > 1\n'
        "  | " + " " * 37 + "^\n"  # the tab is 4 columns, then `FROM ... WHRE `
        "  hint: check the SQL" in err
    )


def test_the_rich_output_shows_the_snippet_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamt.cli import render

    (tmp_path / "a.yml").write_text("sql: SELECT a, FROM t\n")
    monkeypatch.setattr(render, "use_rich", lambda stream: True)
    at = Location("a.yml", 1, 15)
    render.diagnostics(
        [Diagnostic("S001", "trailing comma", location=at, hint="fix")], root=tmp_path
    )
    err = capsys.readouterr().err
    assert "a.yml:1:15: error S001: trailing comma" in err
    assert "1 | sql: SELECT a, FROM t\n  |               ^\n  hint: fix" in err
