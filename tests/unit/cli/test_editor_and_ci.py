"""Editor and CI integration: `--format github` workflow commands, did-you-mean on a mistyped
command, the pre-commit hooks the repository publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamt.cli import main
from streamt.cli.annotations import command, diagnostic_lines, escape_data, escape_property
from streamt.diagnostics import Diagnostic, Location, Severity
from tests.unit.cli.test_commands import VALID
from tests.unit.load.helpers import write

# the valid project of test_commands with a trailing comma before FROM (line 11, column 24)
BROKEN = VALID.replace("SELECT id, amount FROM", "SELECT id, amount, FROM").replace(
    " WHERE amount > 100", ""
)


def test_escaping_follows_the_runner_percent_first() -> None:
    # `%` first, or the `%0A` written for a newline would itself be escaped to `%250A`
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # the message keeps `:` and `,` (only properties end at them)
    assert escape_data("a: b, c") == "a: b, c"


def test_a_name_cannot_end_the_command_or_forge_another() -> None:
    evil = Location("models/x,line=1::error title=fake::pwned\n::error::also.sql", 3, 4)
    line = command("error", "bad\n::error::forged", evil, "V001", Path("."))
    assert "\n" not in line  # a command is one line: nothing can start a second one
    # the properties end at the first `::`; the control character is shown, not kept
    assert line == (
        "::error file=models/x%2Cline=1%3A%3Aerror title=fake%3A%3Apwned\\n%3A%3Aerror%3A%3A"
        "also.sql,line=3,col=4,title=V001::bad%0A::error::forged"
    )


def test_severities_and_hint_and_the_project_directory_prefix() -> None:
    diags = [
        Diagnostic("S001", "SQL syntax error", Severity.ERROR, Location("a.yml", 2, 5), "fix"),
        Diagnostic("V100", "idle", Severity.WARNING, Location("a.yml", 7, 0)),
        Diagnostic("C012", "stateless", Severity.INFO, Location("a.yml")),
        Diagnostic("L100", "no file", Severity.ERROR),
    ]
    assert diagnostic_lines(diags, Path("proj/sub")) == [
        "::error file=proj/sub/a.yml,line=2,col=5,title=S001::SQL syntax error%0Ahint: fix",
        "::warning file=proj/sub/a.yml,line=7,col=1,title=V100::idle",
        "::notice file=proj/sub/a.yml,title=C012::stateless",
        "::error title=L100::no file",
    ]


def test_validate_format_github_on_a_real_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": BROKEN})
    assert main(["validate", "-p", str(tmp_path), "--format", "github"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"::error file={tmp_path.as_posix()}/stream_project.yml,line=11,col=24,title=S001::"
        "model 'big_orders': SQL syntax error: a comma before 'FROM' leaves an empty item in "
        "the list: remove the comma%0Ahint: check the SQL near the marked position; Flink SQL "
        "quotes identifiers with backticks"
    ]
    assert "Validation failed: 1 error(s)" in err


def test_a_mistyped_command_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["valdate"]) == 2
    assert "No such command 'valdate'. Did you mean 'validate'?" in capsys.readouterr().err
    assert main(["xyzzy"]) == 2
    err = capsys.readouterr().err
    assert "No such command 'xyzzy'." in err and "Did you mean" not in err
    # the command groups under it too
    assert main(["docs", "genrate"]) == 2
    assert "No such command 'genrate'. Did you mean 'generate'?" in capsys.readouterr().err
    assert main(["schemas", "pul"]) == 2
    assert "Did you mean 'pull'?" in capsys.readouterr().err


def test_failed_data_tests_become_annotations_at_the_test() -> None:
    from streamt.cli.annotations import result_lines
    from streamt.testing.records import Outcome
    from streamt.testing.results import Status, TestResult

    at = Location("tests/quality.yml", 4, 5)
    results = [
        TestResult("ok", "sample", "orders", Status.PASS, location=at),
        TestResult(
            "ids",
            "sample",
            "orders",
            Status.FAIL,
            outcomes=(
                Outcome("not_null[0]", False, "2 null id(s)", 10, 2),
                Outcome("unique[0]", True, "ok"),
            ),
            location=at,
        ),
        TestResult("soft", "schema", "orders", Status.FAIL, "50% late", severity="warning"),
        TestResult("down", "schema", "orders", Status.ERROR, "registry unreachable"),
        TestResult("later", "continuous", "orders", Status.SKIPPED, "not deployed"),
    ]
    assert result_lines(results, Path(".")) == [
        "::error file=tests/quality.yml,line=4,col=5,title=data test ids::"
        "sample test on orders failed%0Anot_null[0]: 2 null id(s)",
        "::warning title=data test soft::schema test on orders failed: 50%25 late",
        "::error title=data test down::schema test on orders could not run: registry unreachable",
    ]


def test_validate_format_github_shows_info_only_with_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"stream_project.yml": BROKEN.replace("amount, FROM", "amount FROM")})
    assert main(["validate", "-p", str(tmp_path), "--format", "github"]) == 0
    assert "::" not in capsys.readouterr().out
    assert main(["validate", "-p", str(tmp_path), "--format", "github", "-v"]) == 0
    assert capsys.readouterr().out.startswith(
        f"::notice file={tmp_path.as_posix()}/stream_project.yml,line=9,col=5,title=C012::"
    )


def test_a_project_that_stops_test_is_annotated_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`test` stops on a project that does not compile (no system is reached): with
    `--format github` its diagnostics are workflow commands as well, same exit code."""
    write(tmp_path, {"stream_project.yml": BROKEN})
    assert main(["test", "-p", str(tmp_path), "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith(
        f"::error file={tmp_path.as_posix()}/stream_project.yml,line=11,col=24,title=S001::"
    )
    assert main(["test", "-p", str(tmp_path)]) == 1  # text as before
    assert "stream_project.yml:11:24: error S001" in capsys.readouterr().err
