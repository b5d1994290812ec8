"""The diagnostic catalogue (`streamt explain`, docs/diagnostics.md) covers every code the
package can emit, and nothing else; the docs page is the catalogue as rendered now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streamt.catalogue import CATALOGUE, render_markdown
from streamt.cli import main

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src" / "streamt"
# a code as the package writes it: a quoted string literal ("S001", 'S001') or a constant's value
CODE = re.compile(r"""["']([A-Z]\d{3})["']""")


def codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if path.name == "catalogue.py":
            continue
        found.update(CODE.findall(path.read_text()))
    return found


def test_every_code_the_package_uses_is_in_the_catalogue() -> None:
    used = codes_in_source()
    assert len(used) > 150  # the scan found the codes (a broken pattern would find none)
    assert sorted(used - set(CATALOGUE)) == []


def test_the_catalogue_has_no_code_the_package_does_not_use() -> None:
    assert sorted(set(CATALOGUE) - codes_in_source()) == []


def test_every_entry_is_complete() -> None:
    for code, entry in CATALOGUE.items():
        assert entry.code == code
        assert all((entry.title, entry.explanation, entry.example, entry.fix)), code
        assert not entry.title.endswith("."), code


def test_the_docs_page_is_up_to_date() -> None:
    page = REPO / "docs" / "diagnostics.md"
    assert page.read_text() == render_markdown(), (
        "regenerate: .venv/bin/python -m streamt.catalogue > docs/diagnostics.md"
    )
    assert all(f"### {code}: " in page.read_text() for code in CATALOGUE)


def test_explain_prints_the_entry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "s001"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("S001: SQL syntax error\n")
    assert "Example:\n    sql: SELECT id, amount, FROM" in out and "\nFix: " in out


def test_explain_an_unknown_code_is_a_usage_error_with_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "S0001"]) == 2
    assert "unknown diagnostic code 'S0001'; did you mean 'S001'?" in capsys.readouterr().err


# entries whose example is one model's `sql:` over test_commands' VALID project (source orders)
RUNNABLE = ("C002", "C012", "G001", "G002", "L010", "L011", "S001", "S002", "S003")


@pytest.mark.parametrize("code", RUNNABLE)
def test_the_example_produces_its_code(
    code: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tests.unit.cli.test_commands import VALID
    from tests.unit.load.helpers import write

    example = CATALOGUE[code].example
    write(tmp_path, {"stream_project.yml": f"{VALID}  - name: probe\n    {example}\n"})
    main(["validate", "-p", str(tmp_path), "--format", "json", "--no-cache", "-v"])
    codes = {d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]}
    assert code in codes
