import io

import pytest

from streamt.cli import render
from streamt.diagnostics import Diagnostic, Location, Severity


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


DIAGS = [
    Diagnostic("V001", "bad [name]", location=Location("a.yml", 3, 5), hint="fix [it]"),
    *[Diagnostic("C012", f"info {i}", Severity.INFO) for i in range(5)],
]


def test_plain_output_when_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    render.diagnostics(DIAGS)
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "5 info message(s) (C012); --verbose shows them",
        "a.yml:3:5: error V001: bad [name]",
        "  hint: fix [it]",
    ]


def test_rich_output_on_a_tty_keeps_brackets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty = Tty()
    monkeypatch.setattr("sys.stderr", tty)
    render.diagnostics(DIAGS, verbose=True)
    text = tty.getvalue()
    assert "a.yml:3:5: " in text and "bad [name]" in text and "fix [it]" in text
    assert "info 4" in text
